//! Bypass patterns of cross-origin protection, in the syntax of
//! `@remix-run/cop-middleware`: an optional method, then a path of static
//! segments, `{name}` wildcards (one segment) and a last `{name...}` tail
//! wildcard (the rest); a trailing `/` matches the subtree below.

use crate::error::Error;

/// The methods a pattern may name.
const METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE",
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Static(String),
    Wildcard,
    Rest,
}

/// A parsed bypass pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    method: Option<&'static str>,
    pathname: String,
    segments: Vec<Segment>,
    subtree: bool,
}

impl Pattern {
    /// Parses `pattern`, refusing what the reference refuses.
    pub(crate) fn parse(pattern: &str) -> Result<Pattern, Error> {
        let invalid =
            |why: &str| Error::InvalidConfig(format!("invalid bypass pattern {pattern:?}: {why}"));
        let trimmed = pattern.trim();
        if trimmed.is_empty() {
            return Err(Error::InvalidConfig(
                "a bypass pattern must not be empty".into(),
            ));
        }
        let mut method = None;
        let mut pathname = trimmed;
        if let Some((word, rest)) = trimmed.split_once(char::is_whitespace) {
            let rest = rest.trim_start();
            if !word.is_empty()
                && word.bytes().all(|b| b.is_ascii_uppercase())
                && rest.starts_with('/')
            {
                let Some(known) = METHODS.iter().find(|known| **known == word) else {
                    return Err(invalid("unknown request method"));
                };
                method = Some(*known);
                pathname = rest;
            }
        }
        if !pathname.starts_with('/') {
            return Err(invalid("the path must start with \"/\""));
        }
        if pathname.contains(['?', '#']) {
            return Err(invalid("query strings and fragments are not supported"));
        }
        let subtree = pathname.ends_with('/');
        let normalized = if pathname.len() > 1 && subtree {
            &pathname[..pathname.len() - 1]
        } else {
            pathname
        };
        let raw: Vec<&str> = if normalized == "/" {
            Vec::new()
        } else {
            normalized[1..].split('/').collect()
        };
        let mut segments = Vec::with_capacity(raw.len());
        for (index, segment) in raw.iter().enumerate() {
            let last = index + 1 == raw.len();
            if segment.is_empty() {
                return Err(invalid("empty path segments are not allowed"));
            }
            let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                segments.push(Segment::Static((*segment).to_owned()));
                continue;
            };
            if name.is_empty() {
                return Err(invalid("empty wildcards are not allowed"));
            }
            if name == "$" {
                return Err(invalid("\"{$}\" is not supported"));
            }
            if let Some(tail) = name.strip_suffix("...") {
                if !last {
                    return Err(invalid("tail wildcards must be last"));
                }
                if tail.is_empty() {
                    return Err(invalid("tail wildcards need a name"));
                }
                segments.push(Segment::Rest);
            } else {
                segments.push(Segment::Wildcard);
            }
        }
        Ok(Pattern {
            method,
            pathname: pathname.to_owned(),
            segments,
            subtree,
        })
    }

    /// Whether a request with this method and path matches.
    pub(crate) fn matches(&self, method: &str, path: &str) -> bool {
        if self.method.is_some_and(|wanted| wanted != method) {
            return false;
        }
        let trailing = path.len() > 1 && path.ends_with('/');
        let normalized = if trailing {
            &path[..path.len() - 1]
        } else {
            path
        };
        let parts: Vec<&str> = if normalized == "/" || normalized.is_empty() {
            Vec::new()
        } else {
            normalized
                .strip_prefix('/')
                .unwrap_or(normalized)
                .split('/')
                .collect()
        };
        for (index, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Rest => return true,
                _ if index >= parts.len() => return false,
                Segment::Static(value) if value != parts[index] => return false,
                Segment::Static(_) | Segment::Wildcard => {}
            }
        }
        if self.subtree {
            if parts.len() == self.segments.len() {
                return self.pathname == "/" || trailing;
            }
            return parts.len() > self.segments.len();
        }
        parts.len() == self.segments.len() && !trailing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, method: &str, path: &str) -> bool {
        Pattern::parse(pattern).unwrap().matches(method, path)
    }

    #[test]
    fn static_and_wildcard_segments() {
        assert!(matches("/webhooks/stripe", "POST", "/webhooks/stripe"));
        assert!(!matches("/webhooks/stripe", "POST", "/webhooks/stripe/"));
        assert!(!matches("/webhooks/stripe", "POST", "/webhooks/other"));
        assert!(matches("/webhooks/{name}", "POST", "/webhooks/github"));
        assert!(!matches("/webhooks/{name}", "POST", "/webhooks/github/x"));
        assert!(!matches("/webhooks/{name}", "POST", "/webhooks"));
    }

    #[test]
    fn a_method_limits_the_pattern() {
        assert!(matches("POST /webhooks/{name}", "POST", "/webhooks/a"));
        assert!(!matches("POST /webhooks/{name}", "PUT", "/webhooks/a"));
    }

    #[test]
    fn tail_wildcards_and_subtrees() {
        assert!(matches("/api/{rest...}", "DELETE", "/api/a/b/c"));
        assert!(matches("/api/{rest...}", "DELETE", "/api"));
        assert!(!matches("/api/{rest...}", "DELETE", "/apis/x"));
        assert!(matches("/api/", "POST", "/api/"));
        assert!(matches("/api/", "POST", "/api/x/y"));
        assert!(!matches("/api/", "POST", "/api"));
        assert!(matches("/", "POST", "/anything"));
        assert!(matches("/", "POST", "/"));
    }

    #[test]
    fn invalid_patterns_are_refused_with_the_reason() {
        for (pattern, why) in [
            ("", "must not be empty"),
            ("webhooks", "must start with"),
            ("/a?b", "query strings"),
            ("/a//b", "empty path segments"),
            ("/a/{}", "empty wildcards"),
            ("/a/{$}", "not supported"),
            ("/a/{rest...}/b", "must be last"),
            ("/a/{...}", "need a name"),
            ("FETCH /a", "unknown request method"),
        ] {
            let error = Pattern::parse(pattern).unwrap_err().to_string();
            assert!(error.contains(why), "{pattern}: {error}");
        }
    }
}
