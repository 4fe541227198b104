//! Origins as browsers send them (`Origin: https://example.com:8443`) and
//! as apps configure them: a scheme, a host and a port, compared in the
//! normalized form `scheme://host[:port]` (lowercase, the scheme's default
//! port left out), as a WHATWG URL serializes an origin.

/// An origin, normalized.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Origin {
    /// `scheme://host[:port]`, lowercase, default port left out.
    serialized: String,
    /// The `host[:port]` part, as a `Host` header carries it.
    host_start: usize,
}

impl Origin {
    /// Parses `text` as an origin (`scheme://host[:port]`, optionally followed
    /// by a path, query or fragment, which are kept apart in `rest`). `None`
    /// when it is no URL with a host, or carries a user name or password.
    pub(crate) fn parse(text: &str) -> Option<(Origin, &str)> {
        let (scheme, after) = text.split_once("://")?;
        let valid_scheme = scheme
            .bytes()
            .next()
            .is_some_and(|first| first.is_ascii_alphabetic())
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
        if !valid_scheme {
            return None;
        }
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        let (authority, rest) = after.split_at(end);
        if authority.contains('@') {
            return None;
        }
        let (host, port) = split_port(authority)?;
        if host.is_empty() || !host.bytes().all(is_host_byte) {
            return None;
        }
        let scheme = scheme.to_ascii_lowercase();
        let host = host.to_ascii_lowercase();
        let default = match scheme.as_str() {
            "http" | "ws" => Some(80),
            "https" | "wss" => Some(443),
            "ftp" => Some(21),
            _ => None,
        };
        let mut serialized = format!("{scheme}://{host}");
        if let Some(port) = port
            && Some(port) != default
        {
            serialized.push(':');
            serialized.push_str(&port.to_string());
        }
        let host_start = scheme.len() + 3;
        Some((
            Origin {
                serialized,
                host_start,
            },
            rest,
        ))
    }

    /// `scheme://host[:port]`.
    pub(crate) fn as_str(&self) -> &str {
        &self.serialized
    }

    /// `host[:port]`, as the request's `Host` header would carry it.
    pub(crate) fn host(&self) -> &str {
        &self.serialized[self.host_start..]
    }
}

/// `host[:port]` (with `[v6]` hosts) into the host and the port, if any.
fn split_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let colon = if authority.starts_with('[') {
        let close = authority.find(']')?;
        authority[close..].find(':').map(|at| close + at)
    } else {
        authority.rfind(':')
    };
    match colon {
        None => Some((authority, None)),
        Some(at) => {
            let port = &authority[at + 1..];
            if port.is_empty() {
                return Some((&authority[..at], None));
            }
            Some((&authority[..at], Some(port.parse().ok()?)))
        }
    }
}

fn is_host_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'[' | b']' | b':' | b'%')
}

/// Whether a `Host` value names the same host and port as `origin`'s.
pub(crate) fn same_host(origin: &Origin, host: &str) -> bool {
    let host = host.trim();
    // A Host header leaves out the default port; an origin does too, once
    // normalized. Compare case-insensitively.
    origin.host().eq_ignore_ascii_case(host)
        || origin
            .host()
            .eq_ignore_ascii_case(host.strip_suffix(":80").unwrap_or(host))
            && origin.as_str().starts_with("http://")
        || origin
            .host()
            .eq_ignore_ascii_case(host.strip_suffix(":443").unwrap_or(host))
            && origin.as_str().starts_with("https://")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(text: &str) -> Option<String> {
        Origin::parse(text).map(|(origin, _)| origin.as_str().to_owned())
    }

    #[test]
    fn origins_are_normalized_as_urls_serialize_them() {
        assert_eq!(
            origin("https://Example.COM").as_deref(),
            Some("https://example.com")
        );
        assert_eq!(
            origin("https://example.com:443").as_deref(),
            Some("https://example.com")
        );
        assert_eq!(
            origin("http://example.com:80").as_deref(),
            Some("http://example.com")
        );
        assert_eq!(
            origin("http://example.com:8080").as_deref(),
            Some("http://example.com:8080")
        );
        assert_eq!(
            origin("http://[::1]:3000").as_deref(),
            Some("http://[::1]:3000")
        );
        assert_eq!(
            origin("http://127.0.0.1:3000/path?q").as_deref(),
            Some("http://127.0.0.1:3000")
        );
    }

    #[test]
    fn what_is_no_origin() {
        for bad in [
            "null",
            "",
            "example.com",
            "https://",
            "https://user:pw@example.com",
            "1http://x",
            "http://exa mple.com",
            "http://x:99999",
        ] {
            assert_eq!(origin(bad), None, "{bad}");
        }
    }

    #[test]
    fn hosts_compare_with_and_without_the_default_port() {
        let (https, _) = Origin::parse("https://example.com").unwrap();
        assert!(same_host(&https, "example.com"));
        assert!(same_host(&https, "Example.com:443"));
        assert!(!same_host(&https, "example.com:8443"));
        assert!(!same_host(&https, "evil.example"));
        let (local, _) = Origin::parse("http://127.0.0.1:3000").unwrap();
        assert!(same_host(&local, "127.0.0.1:3000"));
        assert!(!same_host(&local, "127.0.0.1:3001"));
    }
}
