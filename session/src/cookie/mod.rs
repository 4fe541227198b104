//! `Cookie`: the session cookie's name, secrets and attributes; reading it
//! from a `Cookie` header and writing a `Set-Cookie` header, byte for byte as
//! `@remix-run/cookie` does.

mod codec;
mod header;
mod protection;
mod sealing;
mod set_cookie;
mod signing;

use std::fmt;
use std::ops::ControlFlow;
use std::time::{Duration, SystemTime};

use crate::error::Error;
#[cfg(any(feature = "axum", feature = "actix"))]
pub(crate) use protection::SessionProtection;
pub use protection::{Encrypted, MIN_SECRET_LEN, Protected, Protection, Signed, Unsigned};

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

/// An HTTP cookie: its name, how its value is protected, and its attributes.
///
/// The protection is part of the type. [`Cookie::new`] makes a
/// `Cookie<Unsigned>`, whose value is only base64-encoded: the reference's plain
/// codec, which any client can forge. [`secrets`](Cookie::secrets) turns it into
/// a `Cookie<Signed>` (the default type parameter, so `Cookie` alone means a
/// signed cookie): the value is signed with HMAC-SHA256 by the first secret,
/// and any of the secrets verifies it, so a new secret can be put first while
/// cookies signed with the old one are still read. A value that fails to
/// verify or decode reads as absent. Session layers accept signed cookies only.
///
/// The defaults are `Path=/` and `SameSite=Lax`.
///
/// ```
/// use std::time::Duration;
/// use session_schema::{Cookie, SameSite};
///
/// let cookie: Cookie = Cookie::new("session")
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
pub struct Cookie<P = Signed> {
    name: header::CookieName,
    protection: P,
    http_only: Option<bool>,
    secure: bool,
    same_site: SameSite,
    path: Option<String>,
    domain: Option<String>,
    max_age: Option<Duration>,
    expires: Option<SystemTime>,
    partitioned: bool,
}

impl Cookie<Unsigned> {
    /// An unsigned cookie called `name`, with `Path=/` and `SameSite=Lax`.
    /// Give it secrets with [`secrets`](Self::secrets) to hold a session.
    /// A name that is not a valid cookie name makes [`serialize`](Self::serialize)
    /// fail, and [`parse`](Self::parse) find nothing.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Cookie {
            name: header::CookieName::new(name.into()),
            protection: Unsigned::default(),
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
}

impl<P: Protection> Cookie<P> {
    /// The secrets that sign and verify the value: the first signs, all
    /// verify. Use long random secrets: session layers refuse any shorter
    /// than 32 bytes (see [`allow_short_secrets`](Cookie::allow_short_secrets)).
    /// An empty secret, or no secret at all, signs nothing:
    /// [`serialize`](Cookie::serialize) then fails with [`Error::EmptySecret`]
    /// and [`parse`](Cookie::parse) reads every value as absent.
    #[must_use]
    pub fn secrets<I>(self, secrets: I) -> Cookie<Signed>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.protect_with(Signed::new(secrets))
    }

    /// Encrypts the value instead of signing it: sealed with
    /// XChaCha20-Poly1305 under a key derived (HKDF-SHA256, the cookie's name
    /// bound in) from the first secret, and opened by any of them, so
    /// secrets rotate as with [`secrets`](Self::secrets). A tampered value,
    /// or one sealed for another cookie name or with other secrets, reads as
    /// absent; the plain value never appears in the header. Session layers
    /// accept it as they accept a signed cookie, with the same rules for the
    /// secrets. The reference implementation cannot read encrypted cookies.
    ///
    /// ```
    /// use session_schema::Cookie;
    ///
    /// let cookie = Cookie::new("session").encrypted(["a secret of at least 32 random bytes"]);
    /// let set_cookie = cookie.serialize("user 42").unwrap();
    /// assert!(!set_cookie.contains("user 42"));
    /// let pair = set_cookie.split(';').next().unwrap();
    /// assert_eq!(cookie.parse(Some(pair)).as_deref(), Some("user 42"));
    /// ```
    #[must_use]
    pub fn encrypted<I>(self, secrets: I) -> Cookie<Encrypted>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let protection = Encrypted::new(secrets, &self.name);
        self.protect_with(protection)
    }

    fn protect_with<To>(self, protection: To) -> Cookie<To> {
        Cookie {
            name: self.name,
            protection,
            http_only: self.http_only,
            secure: self.secure,
            same_site: self.same_site,
            path: self.path,
            domain: self.domain,
            max_age: self.max_age,
            expires: self.expires,
            partitioned: self.partitioned,
        }
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

    /// Whether the cookie is `HttpOnly` (off unless set; session layers turn
    /// it on unless it was set to `false`).
    #[must_use]
    pub fn is_http_only(&self) -> bool {
        self.http_only.unwrap_or(false)
    }

    /// Whether `http_only` was given a value.
    #[cfg(any(feature = "axum", feature = "actix"))]
    pub(crate) fn http_only_is_set(&self) -> bool {
        self.http_only.is_some()
    }

    /// Why this cookie must not carry a session (an empty or short secret),
    /// if it must not.
    #[cfg(any(feature = "axum", feature = "actix"))]
    pub(crate) fn refuse_for_sessions(&self) -> Option<Error> {
        self.protection.refuse_for_sessions()
    }

    /// The cookie in the form session layers keep, whatever its protection.
    #[cfg(any(feature = "axum", feature = "actix"))]
    pub(crate) fn into_session_cookie(self) -> Cookie<SessionProtection>
    where
        P: Protected,
    {
        let protection = protection::sealed::IntoSession::into_session(self.protection.clone());
        self.protect_with(protection)
    }

    /// Reads this cookie's value from a `Cookie` request header: the first
    /// cookie of this name whose value verifies and decodes. `None` when the
    /// header is absent or holds no such cookie. A header may hold several
    /// cookies of one name (another subdomain or path can set one), so a
    /// value that fails does not hide a later one that verifies. An empty
    /// value reads as `Some("")` when no other value verifies.
    #[must_use]
    pub fn parse(&self, cookie_header: Option<&str>) -> Option<String> {
        self.parse_keyed(cookie_header.map(str::as_bytes))
            .map(|(value, _)| value)
    }

    /// Whether the cookie has a `Max-Age` of its own, which every
    /// `Set-Cookie` rolls forward.
    #[cfg(any(feature = "axum", feature = "actix"))]
    pub(crate) fn has_lifetime(&self) -> bool {
        self.max_age.is_some()
    }

    /// [`parse`](Self::parse), and whether the current (first) secret
    /// protected the value: a session layer need not send it back unchanged.
    /// The header is bytes: only the pairs that hold this cookie's name are
    /// read as text.
    pub(crate) fn parse_keyed(&self, cookie_header: Option<&[u8]>) -> Option<(String, bool)> {
        let mut empty = false;
        let found = self.name.each_value(cookie_header?, |raw| {
            if raw.is_empty() {
                empty = true;
            } else if let Some(keyed) = self.protection.decode_keyed(&self.name, &raw) {
                return ControlFlow::Break(keyed);
            }
            ControlFlow::Continue(())
        });
        match found {
            ControlFlow::Break(keyed) => Some(keyed),
            ControlFlow::Continue(()) => empty.then(|| (String::new(), false)),
        }
    }

    /// The `Set-Cookie` header value that stores `value` in this cookie.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCookie`] when the name or an attribute would break the
    /// header, or the name's `__Secure-` or `__Host-` prefix asks for
    /// attributes the cookie lacks; [`Error::EmptySecret`] when a signed
    /// cookie has no usable secret; [`Error::CookieTooLarge`] when the header
    /// would be longer than the 4096 bytes browsers keep.
    pub fn serialize(&self, value: &str) -> Result<String, Error> {
        set_cookie::write(self, value, self.max_age, self.expires)
    }

    /// The `Set-Cookie` header value that stores `value` until the browser
    /// closes: without `Max-Age` or `Expires`, whatever the cookie's own
    /// attributes say. For a session that is not remembered, on a storage
    /// with remembered timeouts
    /// ([`cookie_ends_with_browser`](crate::SessionStorage::cookie_ends_with_browser)).
    ///
    /// # Errors
    ///
    /// As [`serialize`](Self::serialize).
    pub fn serialize_for_browser_session(&self, value: &str) -> Result<String, Error> {
        set_cookie::write(self, value, None, None)
    }

    /// The `Set-Cookie` header value that stores `value` for `max_age`: its
    /// `Max-Age` and `Expires` attributes say when the browser drops it,
    /// whatever the cookie's own. Session layers use it with the storage's
    /// [`cookie_max_age`](crate::SessionStorage::cookie_max_age), so the
    /// cookie ends with the session.
    ///
    /// # Errors
    ///
    /// As [`serialize`](Self::serialize).
    pub fn serialize_expiring(&self, value: &str, max_age: Duration) -> Result<String, Error> {
        let expires = SystemTime::now().checked_add(max_age);
        set_cookie::write(self, value, Some(max_age), expires.or(self.expires))
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

    /// Encodes and protects a value the way the cookie stores it.
    fn encode_value(&self, value: &str, out: &mut String) -> Result<(), Error> {
        self.protection.encode(&self.name, value, out)
    }

    /// `value` encoded and protected (signed or encrypted) as this cookie
    /// would carry it, without the `Set-Cookie` around it: what a session
    /// layer puts in a header when the session travels there
    /// ([`Transport::header`](crate::Transport::header)).
    ///
    /// # Errors
    ///
    /// [`Error::EmptySecret`] when a signed cookie has no usable secret.
    pub fn protect(&self, value: &str) -> Result<String, Error> {
        let mut out = String::new();
        self.encode_value(value, &mut out)?;
        Ok(out)
    }

    /// The value [`protect`](Self::protect) made of `protected`, if it
    /// verifies (or opens) with one of the secrets and decodes; `None`
    /// otherwise, as [`parse`](Self::parse) reads a tampered cookie.
    #[must_use]
    pub fn unprotect(&self, protected: &str) -> Option<String> {
        self.unprotect_keyed(protected).map(|(value, _)| value)
    }

    /// [`unprotect`](Self::unprotect), and whether the current (first)
    /// secret protected the value.
    pub(crate) fn unprotect_keyed(&self, protected: &str) -> Option<(String, bool)> {
        if protected.is_empty() {
            return None;
        }
        self.protection.decode_keyed(&self.name, protected)
    }
}

impl<P: Protected> Cookie<P> {
    /// Accepts secrets shorter than 32 bytes in session layers, which refuse
    /// them otherwise. Only for sharing sessions with an existing app whose
    /// secret is shorter and cannot change yet: a short secret can be guessed
    /// offline from any cookie it protects. An empty secret is refused anyway.
    #[must_use]
    pub fn allow_short_secrets(mut self) -> Self {
        self.protection.allow_short_secrets();
        self
    }
}

impl<P: Protection> fmt::Debug for Cookie<P> {
    /// Shows the name and attributes; the secrets only by number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cookie")
            .field("name", &self.name)
            .field(
                "secrets",
                &format_args!("[{} hidden]", self.protection.secret_count()),
            )
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
