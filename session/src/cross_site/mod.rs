//! Cross-site request protection for the session layers: what
//! `@remix-run/cop-middleware@0.1.4` (Go's `CrossOriginProtection`) and
//! `@remix-run/csrf-middleware@0.1.4` do, written once for every framework.
//!
//! - [`CrossOrigin`]: refuse unsafe requests a browser says come from
//!   another site (`Sec-Fetch-Site`), or, from an older browser, whose
//!   `Origin` names another host. No token, no storage read.
//! - [`Csrf`]: refuse unsafe requests that do not carry the session's token
//!   (see [`Session::csrf_token`](crate::Session::csrf_token)), in a header,
//!   a form field or the query.

mod origin;
mod pattern;
mod token;

use std::collections::HashSet;
use std::fmt;

pub(crate) use token::{form_token, is_form, query_token, tokens_match};

use crate::error::Error;
use origin::{Origin, same_host};
use pattern::Pattern;

/// Why a layer refused a request: the reasons of the reference middlewares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Forbidden {
    /// `Sec-Fetch-Site` says the request comes from another origin
    /// (`cross-site`, or `same-site`: a sibling subdomain).
    CrossOriginRequest,
    /// No `Sec-Fetch-Site` (an older browser), and `Origin` names another host.
    CrossOriginRequestFromOldBrowser,
    /// [`Csrf`]: the `Origin` (or the `Referer`'s origin) is not the request's.
    InvalidOrigin,
    /// [`Csrf`]: the request carries no token.
    MissingToken,
    /// [`Csrf`]: the request carries a token that is not the session's.
    InvalidToken,
}

impl Forbidden {
    /// The reason as the reference names it: `cross-origin-request`,
    /// `cross-origin-request-from-old-browser`, `invalid-origin`,
    /// `missing-token` or `invalid-token`.
    #[must_use]
    pub fn reason(self) -> &'static str {
        match self {
            Forbidden::CrossOriginRequest => "cross-origin-request",
            Forbidden::CrossOriginRequestFromOldBrowser => "cross-origin-request-from-old-browser",
            Forbidden::InvalidOrigin => "invalid-origin",
            Forbidden::MissingToken => "missing-token",
            Forbidden::InvalidToken => "invalid-token",
        }
    }

    /// The body of the default `403 Forbidden` response: the reference's text.
    #[must_use]
    pub fn message(self) -> &'static str {
        match self {
            Forbidden::CrossOriginRequest => {
                "Forbidden: cross-origin request detected from Sec-Fetch-Site header"
            }
            Forbidden::CrossOriginRequestFromOldBrowser => {
                "Forbidden: cross-origin request detected, and/or browser is out of date: \
                 Sec-Fetch-Site is missing, and Origin does not match Host"
            }
            Forbidden::InvalidOrigin => "Forbidden: invalid CSRF origin",
            Forbidden::MissingToken => "Forbidden: missing CSRF token",
            Forbidden::InvalidToken => "Forbidden: invalid CSRF token",
        }
    }
}

impl fmt::Display for Forbidden {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

/// What the checks read of a request, whatever the framework.
pub(crate) trait RequestHead {
    /// The method, such as `POST`.
    fn method(&self) -> &str;
    /// The path, such as `/account`.
    fn path(&self) -> &str;
    /// The query, without the `?`.
    fn query(&self) -> Option<&str>;
    /// The value of a header, if it is text.
    fn header(&self, name: &str) -> Option<&str>;
    /// The request's host and port: the URI's authority, else `Host`.
    fn host(&self) -> Option<&str>;
}

/// A header's value, trimmed; `None` when it is absent or blank.
fn header<'a>(request: &'a impl RequestHead, name: &str) -> Option<&'a str> {
    request
        .header(name)
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

/// Whether a method changes nothing, so is never checked: `GET`, `HEAD`, `OPTIONS`.
pub(crate) fn is_safe(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS")
}

/// Cross-origin protection, on by default in the session layers: an unsafe
/// request (not `GET`, `HEAD` or `OPTIONS`) is refused with `403` before the
/// handler and the storage run when the browser says it comes from another
/// origin. The algorithm of `@remix-run/cop-middleware@0.1.4`, which is Go's
/// `net/http.CrossOriginProtection`:
///
/// - `Sec-Fetch-Site: same-origin` or `none` passes; any other value
///   (`cross-site`, and `same-site`: a sibling subdomain) is refused;
/// - without `Sec-Fetch-Site` (an older browser), an `Origin` whose host is
///   not the request's is refused; a request with neither header passes (a
///   client that is not a browser, and carries no ambient credential of one);
/// - a trusted origin, or a path matching a bypass pattern, passes.
///
/// ```
/// use session_schema::CrossOrigin;
///
/// # fn main() -> Result<(), session_schema::Error> {
/// // A front end on another origin posts with credentials; webhooks post from anywhere.
/// let cross_origin = CrossOrigin::new()
///     .trusted_origin("https://app.example.com")?
///     .bypass("POST /webhooks/{name}")?;
/// # let _ = cross_origin;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct CrossOrigin {
    enabled: bool,
    trusted: HashSet<String>,
    bypass: Vec<Pattern>,
}

impl CrossOrigin {
    /// The protection, with no trusted origin and no bypass.
    #[must_use]
    pub fn new() -> Self {
        CrossOrigin {
            enabled: true,
            trusted: HashSet::new(),
            bypass: Vec::new(),
        }
    }

    /// No protection: every request passes. For an app that checks origins
    /// itself, or that no browser reaches.
    #[must_use]
    pub fn off() -> Self {
        CrossOrigin {
            enabled: false,
            ..Self::new()
        }
    }

    /// Lets unsafe requests from `origin` through (`https://app.example.com`:
    /// a scheme, a host and a port; no path, query, fragment or trailing
    /// slash).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] when `origin` is not such an origin.
    pub fn trusted_origin(mut self, origin: &str) -> Result<Self, Error> {
        let invalid = |why: &str| Error::InvalidConfig(format!("invalid origin {origin:?}{why}"));
        let trimmed = origin.trim();
        if trimmed.is_empty() {
            return Err(Error::InvalidConfig(
                "a trusted origin must not be empty".into(),
            ));
        }
        if trimmed.ends_with('/') {
            return Err(invalid(": a trailing slash is not allowed"));
        }
        let Some((parsed, rest)) = Origin::parse(trimmed) else {
            return Err(invalid(""));
        };
        if !rest.is_empty() {
            return Err(invalid(": a path, query or fragment is not allowed"));
        }
        self.trusted.insert(parsed.as_str().to_owned());
        Ok(self)
    }

    /// Lets unsafe requests to paths matching `pattern` through, from any
    /// origin: `"/webhooks/stripe"`, `"POST /webhooks/{name}"` (a method, and a
    /// one-segment wildcard), `"/api/{rest...}"` (a tail wildcard), or
    /// `"/api/"` (the subtree below).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] when `pattern` is not such a pattern (the
    /// message says why).
    pub fn bypass(mut self, pattern: &str) -> Result<Self, Error> {
        self.bypass.push(Pattern::parse(pattern)?);
        Ok(self)
    }

    /// Whether the protection is on.
    #[must_use]
    pub fn is_on(&self) -> bool {
        self.enabled
    }

    /// Why `request` is refused, if it is.
    pub(crate) fn check(&self, request: &impl RequestHead) -> Option<Forbidden> {
        if !self.enabled || is_safe(request.method()) {
            return None;
        }
        match header(request, "sec-fetch-site") {
            None => {}
            Some(site)
                if site.eq_ignore_ascii_case("same-origin")
                    || site.eq_ignore_ascii_case("none") =>
            {
                return None;
            }
            Some(_) => return (!self.exempt(request)).then_some(Forbidden::CrossOriginRequest),
        }
        let origin = header(request, "origin")?;
        let same = Origin::parse(origin)
            .zip(request.host())
            .is_some_and(|((origin, _), host)| same_host(&origin, host));
        if same || self.exempt(request) {
            return None;
        }
        Some(Forbidden::CrossOriginRequestFromOldBrowser)
    }

    fn exempt(&self, request: &impl RequestHead) -> bool {
        if self
            .bypass
            .iter()
            .any(|pattern| pattern.matches(request.method(), request.path()))
        {
            return true;
        }
        header(request, "origin")
            .and_then(Origin::parse)
            .is_some_and(|(origin, _)| self.trusted.contains(origin.as_str()))
    }
}

impl Default for CrossOrigin {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for CrossOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CrossOrigin")
            .field("on", &self.enabled)
            .field("trusted_origins", &self.trusted)
            .field("bypass", &self.bypass.len())
            .finish()
    }
}

/// The default largest form body read for its token: 64 KiB.
pub const DEFAULT_FORM_LIMIT: usize = 64 << 10;

/// Session-bound tokens against cross-site request forgery, as
/// `@remix-run/csrf-middleware@0.1.4` checks them: an unsafe request must
/// carry the session's token ([`Session::csrf_token`](crate::Session::csrf_token),
/// kept in the session under `_csrf`), in the `X-Csrf-Token`, `X-Xsrf-Token`
/// or `Csrf-Token` header, else as the `_csrf` field of an
/// `application/x-www-form-urlencoded` body (read up to a limit, and handed
/// on to the handler as it was), else as the `_csrf` query parameter,
/// compared in constant time; and its `Origin` (or its `Referer`'s origin)
/// must be the request's when it has one. A multipart form carries the
/// token in a header or the query.
///
/// ```
/// use session_schema::Csrf;
///
/// let csrf = Csrf::new().form_limit(16 * 1024);
/// # let _ = csrf;
/// ```
#[derive(Debug, Clone)]
pub struct Csrf {
    form_limit: usize,
}

impl Csrf {
    /// The check, reading form bodies of up to 64 KiB.
    #[must_use]
    pub fn new() -> Self {
        Csrf {
            form_limit: DEFAULT_FORM_LIMIT,
        }
    }

    /// The largest form body read for its token (default 64 KiB). A larger
    /// form body is refused with `413 Payload Too Large`, unless a header
    /// carries the token.
    #[must_use]
    pub fn form_limit(mut self, bytes: usize) -> Self {
        self.form_limit = bytes;
        self
    }

    /// The largest form body read for its token.
    #[must_use]
    pub fn limit(&self) -> usize {
        self.form_limit
    }

    /// Why `request`'s origin is refused, if it is: an `Origin` (or, without
    /// one, the `Referer`'s origin) that is not the request's. A `Referer`
    /// that is no URL counts as none, as in the reference.
    pub(crate) fn check_origin(request: &impl RequestHead) -> Option<Forbidden> {
        let origin = match header(request, "origin") {
            Some(origin) => Origin::parse(origin),
            None => Some(Origin::parse(header(request, "referer")?)?),
        };
        let same = origin
            .zip(request.host())
            .is_some_and(|((origin, _), host)| same_host(&origin, host));
        (!same).then_some(Forbidden::InvalidOrigin)
    }

    /// The token a header carries, if one does.
    pub(crate) fn header_token(request: &impl RequestHead) -> Option<&str> {
        ["x-csrf-token", "x-xsrf-token", "csrf-token"]
            .into_iter()
            .find_map(|name| header(request, name))
    }
}

impl Default for Csrf {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests;
