//! Where a session layer finds the session's value in a request, and where
//! it puts the new one: the cookie, a header, or both.

use std::fmt;
use std::sync::Arc;

use crate::error::Error;

/// How requests carry their session to a session layer
/// ([`SessionLayer::transport`](crate::axum::SessionLayer::transport),
/// [`SessionMiddleware::transport`](crate::actix::SessionMiddleware::transport)).
///
/// - [`Transport::cookie()`], the default: the session cookie.
/// - [`Transport::header(name)`](Transport::header): a header of the app's
///   choosing carries the same signed (or encrypted) value a cookie would;
///   the response carries the new value in that header when it changes, and
///   an empty value when the session ended. For API and mobile clients,
///   which keep the value themselves.
/// - [`Transport::cookie_or_header(name)`](Transport::cookie_or_header):
///   both at once, for a service that browsers and API clients share. The
///   header wins when a request carries both, and the response answers on
///   the transport the request used. A client starts a session in the
///   header by sending it empty; a request with neither is a browser's, and
///   gets a cookie.
///
/// A tampered, unsigned or empty header value reads as a fresh session, as
/// such a cookie does.
///
/// A session in a header is no ambient credential (a browser never adds it
/// to a request by itself), so requests that carry one skip the cross-site
/// checks, which guard the cookie.
///
/// ```
/// use session_schema::Transport;
///
/// let api_and_browsers = Transport::cookie_or_header("x-session");
/// let from_config = Transport::try_header("X-App-Session")?;
/// # let _ = (api_and_browsers, from_config);
/// # Ok::<(), session_schema::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Transport {
    cookie: bool,
    header: Option<Arc<str>>,
}

impl Transport {
    /// The session cookie only: the default.
    #[must_use]
    pub fn cookie() -> Self {
        Transport {
            cookie: true,
            header: None,
        }
    }

    /// The header `name` only: requests send the session's value in it, and
    /// responses carry the new value in it.
    ///
    /// # Panics
    ///
    /// When `name` is not a header name the layer can own (see
    /// [`try_header`](Self::try_header), which returns the error instead):
    /// a name in the app's code is checked when the app starts.
    #[must_use]
    pub fn header(name: &str) -> Self {
        Self::try_header(name).unwrap_or_else(|error| panic!("Transport::header: {error}"))
    }

    /// The cookie, or the header `name` when a request carries it (the
    /// header wins when a request carries both). Each response answers on
    /// the transport its request used.
    ///
    /// # Panics
    ///
    /// As [`header`](Self::header); [`try_cookie_or_header`](Self::try_cookie_or_header)
    /// returns the error instead.
    #[must_use]
    pub fn cookie_or_header(name: &str) -> Self {
        Self::try_cookie_or_header(name)
            .unwrap_or_else(|error| panic!("Transport::cookie_or_header: {error}"))
    }

    /// [`header`](Self::header), for a name that comes from configuration.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] when `name` is not a header name (ASCII
    /// letters, digits and the punctuation HTTP allows in a name, such as
    /// `-` and `_`), or is one the layer cannot own (`cookie`,
    /// `set-cookie`, `authorization`, a `sec-` header, or another that HTTP
    /// itself uses).
    pub fn try_header(name: &str) -> Result<Self, Error> {
        Ok(Transport {
            cookie: false,
            header: Some(header_name(name)?),
        })
    }

    /// [`cookie_or_header`](Self::cookie_or_header), for a name that comes
    /// from configuration.
    ///
    /// # Errors
    ///
    /// As [`try_header`](Self::try_header).
    pub fn try_cookie_or_header(name: &str) -> Result<Self, Error> {
        Ok(Transport {
            cookie: true,
            header: Some(header_name(name)?),
        })
    }

    /// Where a request whose headers `header` looks up carries its session.
    pub(crate) fn carrier<'a>(&self, header: impl FnOnce(&str) -> Option<&'a str>) -> Carrier {
        let Some(name) = &self.header else {
            return Carrier::Cookie;
        };
        match header(name) {
            Some(value) => Carrier::Header {
                name: Arc::clone(name),
                value: Some(Arc::from(value.trim())),
            },
            None if self.cookie => Carrier::Cookie,
            None => Carrier::Header {
                name: Arc::clone(name),
                value: None,
            },
        }
    }
}

impl Default for Transport {
    fn default() -> Self {
        Self::cookie()
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.header, self.cookie) {
            (None, _) => f.write_str("Transport::cookie()"),
            (Some(name), false) => write!(f, "Transport::header({name:?})"),
            (Some(name), true) => write!(f, "Transport::cookie_or_header({name:?})"),
        }
    }
}

/// How one request carries its session.
#[derive(Debug, Clone)]
pub(crate) enum Carrier {
    /// In the session cookie.
    Cookie,
    /// In the header `name` (lowercase): its value, if the request sent one.
    Header {
        name: Arc<str>,
        value: Option<Arc<str>>,
    },
}

impl Carrier {
    /// Whether the session travels in a header: no ambient credential, so no
    /// cross-site check applies.
    pub(crate) fn is_header(&self) -> bool {
        matches!(self, Carrier::Header { .. })
    }
}

/// The headers a layer cannot carry sessions in.
const RESERVED: [&str; 12] = [
    "cookie",
    "set-cookie",
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "origin",
    "referer",
    "authorization",
    "vary",
    "cache-control",
];

/// `name` as a header name, lowercase.
fn header_name(name: &str) -> Result<Arc<str>, Error> {
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !valid {
        return Err(Error::InvalidConfig(format!(
            "{name:?} is not a header name (letters, digits and !#$%&'*+-.^_`|~)"
        )));
    }
    let lower = name.to_ascii_lowercase();
    if RESERVED.contains(&lower.as_str()) || lower.starts_with("sec-") {
        return Err(Error::InvalidConfig(format!(
            "the {lower} header cannot carry sessions: choose a header of the app's own, such as x-session"
        )));
    }
    Ok(Arc::from(lower))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_checked_and_lowercased() {
        let transport = Transport::header("X-Session");
        assert_eq!(
            format!("{transport:?}"),
            r#"Transport::header("x-session")"#
        );
        for bad in [
            "",
            "x session",
            "x-sessión",
            "x:y",
            "Cookie",
            "set-cookie",
            "Authorization",
            "sec-fetch-site",
        ] {
            assert!(
                matches!(Transport::try_header(bad), Err(Error::InvalidConfig(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    #[should_panic(expected = "the cookie header cannot carry sessions")]
    fn a_reserved_name_in_code_is_refused_at_startup() {
        let _ = Transport::header("Cookie");
    }

    #[test]
    fn the_header_wins_when_a_request_carries_both() {
        let both = Transport::cookie_or_header("x-session");
        let with = |value: Option<&'static str>| {
            move |name: &str| (name == "x-session").then_some(value).flatten()
        };
        assert!(matches!(
            both.carrier(with(Some(" abc "))),
            Carrier::Header { value: Some(v), .. } if &*v == "abc"
        ));
        assert!(matches!(both.carrier(with(None)), Carrier::Cookie));
        let header = Transport::header("x-session");
        assert!(matches!(
            header.carrier(with(None)),
            Carrier::Header { value: None, .. }
        ));
        assert!(matches!(
            Transport::cookie().carrier(with(Some("abc"))),
            Carrier::Cookie
        ));
    }
}
