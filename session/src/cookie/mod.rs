//! `Cookie`: the session cookie's name, secrets and attributes; reading it
//! from a `Cookie` header and writing a `Set-Cookie` header, byte for byte as
//! `@remix-run/cookie` does.

mod codec;
mod header;
mod set_cookie;
mod signing;

use std::fmt;
use std::time::{Duration, SystemTime};

use crate::error::Error;
use signing::Signer;

/// The `SameSite` attribute of a cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SameSite {
    /// Sent on same-site requests and top-level navigations from other sites
    /// (the default: it blocks most cross-site request forgery).
    #[default]
    Lax,
    /// Sent on same-site requests only.
    Strict,
    /// Sent on every request; browsers require `Secure` with it.
    None,
}

impl SameSite {
    /// The attribute value as written in `Set-Cookie`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SameSite::Lax => "Lax",
            SameSite::Strict => "Strict",
            SameSite::None => "None",
        }
    }
}

/// An HTTP cookie: its name, the secrets that sign it, and its attributes.
///
/// Values are encoded as base64 of their UTF-8 bytes and, when the cookie has
/// secrets, signed with HMAC-SHA256 by the first secret; any of the secrets
/// verifies, so a new secret can be put first while cookies signed with the old
/// one are still read. A value that fails to verify or decode reads as absent.
/// The defaults are `Path=/` and `SameSite=Lax`.
///
/// ```
/// use std::time::Duration;
/// use session_schema::{Cookie, SameSite};
///
/// let cookie = Cookie::new("session")
///     .secrets(["new secret", "old secret"])
///     .http_only(true)
///     .max_age(Duration::from_secs(3600));
/// let set_cookie = cookie.serialize("hello").unwrap();
/// assert!(set_cookie.starts_with("session=aGVsbG8=."));
/// assert!(set_cookie.ends_with("; HttpOnly; Max-Age=3600; Path=/; SameSite=Lax"));
///
/// let value = set_cookie.split(';').next().unwrap();
/// assert_eq!(cookie.parse(Some(value)).as_deref(), Some("hello"));
/// assert_eq!(cookie.parse(Some("session=aGVsbG8=.forged")), None);
/// ```
#[derive(Clone)]
pub struct Cookie {
    name: String,
    signers: Vec<Signer>,
    http_only: Option<bool>,
    secure: bool,
    same_site: SameSite,
    path: Option<String>,
    domain: Option<String>,
    max_age: Option<Duration>,
    expires: Option<SystemTime>,
    partitioned: bool,
}

impl Cookie {
    /// A cookie called `name`, unsigned, with `Path=/` and `SameSite=Lax`.
    /// A name that is not a valid cookie name makes [`serialize`](Self::serialize)
    /// fail, and [`parse`](Self::parse) find nothing.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Cookie {
            name: name.into(),
            signers: Vec::new(),
            http_only: None,
            secure: false,
            same_site: SameSite::Lax,
            path: Some("/".to_owned()),
            domain: None,
            max_age: None,
            expires: None,
            partitioned: false,
        }
    }

    /// The secrets that sign and verify the value: the first signs, all verify.
    /// An empty list leaves the cookie unsigned.
    #[must_use]
    pub fn secrets<I>(mut self, secrets: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.signers = secrets
            .into_iter()
            .map(|secret| Signer::new(secret.as_ref()))
            .collect();
        self
    }

    /// `HttpOnly`: scripts in the page cannot read the cookie.
    #[must_use]
    pub fn http_only(mut self, http_only: bool) -> Self {
        self.http_only = Some(http_only);
        self
    }

    /// `Secure`: the cookie is sent over HTTPS only.
    #[must_use]
    pub fn secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// The `SameSite` attribute (default [`SameSite::Lax`]).
    #[must_use]
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.same_site = same_site;
        self
    }

    /// The `Path` attribute (default `/`).
    #[must_use]
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// The `Domain` attribute.
    #[must_use]
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// The `Max-Age` attribute, in whole seconds.
    #[must_use]
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// The `Expires` attribute.
    #[must_use]
    pub fn expires(mut self, expires: SystemTime) -> Self {
        self.expires = Some(expires);
        self
    }

    /// `Partitioned` (CHIPS); a partitioned cookie is always `Secure`.
    #[must_use]
    pub fn partitioned(mut self, partitioned: bool) -> Self {
        self.partitioned = partitioned;
        if partitioned {
            self.secure = true;
        }
        self
    }

    /// The cookie's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the cookie has secrets, so its value is signed.
    #[must_use]
    pub fn is_signed(&self) -> bool {
        !self.signers.is_empty()
    }

    /// Whether the cookie is `HttpOnly` (off unless set; the axum layer turns
    /// it on unless it was set to `false`).
    #[must_use]
    pub fn is_http_only(&self) -> bool {
        self.http_only.unwrap_or(false)
    }

    /// Whether `http_only` was given a value.
    #[cfg(feature = "axum")]
    pub(crate) fn http_only_is_set(&self) -> bool {
        self.http_only.is_some()
    }

    /// Reads this cookie's value from a `Cookie` request header: `None` when the
    /// header is absent, holds no cookie of this name, or holds one that fails
    /// to verify or decode. An empty value reads as `Some("")`.
    #[must_use]
    pub fn parse(&self, cookie_header: Option<&str>) -> Option<String> {
        let raw = header::find(cookie_header?, &self.name)?;
        if raw.is_empty() {
            return Some(String::new());
        }
        let verified = if self.signers.is_empty() {
            Some(&*raw)
        } else {
            signing::unsign(&raw, &self.signers)
        };
        let Some(verified) = verified else {
            tracing::debug!(cookie = %self.name, "cookie refused: its signature does not verify");
            return None;
        };
        let decoded = codec::decode(verified);
        if decoded.is_none() {
            tracing::debug!(cookie = %self.name, "cookie refused: not base64 of UTF-8 text");
        }
        decoded
    }

    /// The `Set-Cookie` header value that stores `value` in this cookie.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCookie`] when the name or an attribute would break the
    /// header, and [`Error::CookieTooLarge`] when the header would be longer
    /// than the 4096 bytes browsers keep.
    pub fn serialize(&self, value: &str) -> Result<String, Error> {
        set_cookie::write(self, value, self.max_age, self.expires)
    }

    /// A `Set-Cookie` header value that makes browsers drop this cookie: an empty
    /// value with `Max-Age=0` and an `Expires` at the Unix epoch.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCookie`] when the name or an attribute would break the header.
    pub fn serialize_removal(&self) -> Result<String, Error> {
        set_cookie::write(self, "", Some(Duration::ZERO), Some(SystemTime::UNIX_EPOCH))
    }

    /// Encodes and signs a value the way the cookie stores it.
    fn encode_value(&self, value: &str, out: &mut String) {
        let start = out.len();
        codec::encode_into(value, out);
        if let Some(signer) = self.signers.first() {
            signer.sign_suffix(out, start);
        }
    }
}

impl fmt::Debug for Cookie {
    /// Shows the name and attributes; the secrets only by number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cookie")
            .field("name", &self.name)
            .field("secrets", &format_args!("[{} hidden]", self.signers.len()))
            .field("http_only", &self.http_only)
            .field("secure", &self.secure)
            .field("same_site", &self.same_site)
            .field("path", &self.path)
            .field("domain", &self.domain)
            .field("max_age", &self.max_age)
            .field("expires", &self.expires)
            .field("partitioned", &self.partitioned)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets() {
        let debug = format!("{:?}", Cookie::new("s").secrets(["hunter2"]));
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("1 hidden"), "{debug}");
    }
}
