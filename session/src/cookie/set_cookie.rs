//! Writing a `Set-Cookie` header value, attribute by attribute in the order
//! `@remix-run/headers` writes them.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use super::{Cookie, Protection};
use crate::error::Error;

/// The longest `Set-Cookie` value written. Browsers keep cookies of up to 4096
/// bytes of name and value and drop larger ones without a word.
pub const MAX_SET_COOKIE_LEN: usize = 4096;

/// The latest time `Expires` can hold: 9999-12-31T23:59:59Z.
const LATEST_EXPIRES_SECS: u64 = 253_402_300_799;

pub(super) fn write<P: Protection>(
    cookie: &Cookie<P>,
    value: &str,
    max_age: Option<Duration>,
    expires: Option<SystemTime>,
) -> Result<String, Error> {
    check_name(&cookie.name)?;
    check_prefix(cookie)?;
    let mut out = String::with_capacity(cookie.name.len() + value.len() * 4 / 3 + 128);
    out.push_str(&cookie.name);
    out.push('=');
    if !value.is_empty() {
        cookie.encode_value(value, &mut out)?;
    }
    if let Some(domain) = &cookie.domain {
        check_attribute("Domain", domain)?;
        out.push_str("; Domain=");
        out.push_str(domain);
    }
    if let Some(expires) = expires {
        out.push_str("; Expires=");
        out.push_str(&http_date(expires));
    }
    if cookie.is_http_only() {
        out.push_str("; HttpOnly");
    }
    if let Some(max_age) = max_age {
        // Writing to a `String` cannot fail.
        let _ = write!(out, "; Max-Age={}", max_age.as_secs());
    }
    if cookie.partitioned {
        out.push_str("; Partitioned");
    }
    if let Some(path) = &cookie.path {
        check_attribute("Path", path)?;
        out.push_str("; Path=");
        out.push_str(path);
    }
    out.push_str("; SameSite=");
    out.push_str(cookie.same_site.as_str());
    if cookie.secure {
        out.push_str("; Secure");
    }
    if out.len() > MAX_SET_COOKIE_LEN {
        return Err(Error::CookieTooLarge {
            size: out.len(),
            limit: MAX_SET_COOKIE_LEN,
        });
    }
    Ok(out)
}

/// A cookie name is an HTTP token (RFC 6265, section 4.1.1).
fn check_name(name: &str) -> Result<(), Error> {
    let is_tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(is_tchar) {
        return Err(Error::InvalidCookie(format!(
            "the name {name:?} is not a valid cookie name (letters, digits and !#$%&'*+-.^_`|~ only)"
        )));
    }
    Ok(())
}

/// The name prefixes browsers enforce: a `__Secure-` cookie must be `Secure`,
/// and a `__Host-` cookie must also have `Path=/` and no `Domain`. Browsers
/// drop a cookie that breaks them without a word, so it is an error here.
fn check_prefix<P: Protection>(cookie: &Cookie<P>) -> Result<(), Error> {
    let starts_with = |prefix: &str| {
        cookie
            .name
            .get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
    };
    let broken = if starts_with("__Host-") {
        if !cookie.secure {
            Some("must be `Secure`")
        } else if cookie.path.as_deref() != Some("/") {
            Some("must have `Path=/`")
        } else if cookie.domain.is_some() {
            Some("must not have a `Domain`")
        } else {
            None
        }
    } else if starts_with("__Secure-") && !cookie.secure {
        Some("must be `Secure`")
    } else {
        None
    };
    match broken {
        Some(rule) => Err(Error::InvalidCookie(format!(
            "the cookie {:?} {rule}: browsers drop cookies whose name prefix's rules are broken",
            cookie.name
        ))),
        None => Ok(()),
    }
}

/// An attribute value may not hold `;` or control characters, which would end
/// or break the header.
fn check_attribute(attribute: &str, value: &str) -> Result<(), Error> {
    if value.is_empty()
        || value
            .chars()
            .any(|c| c == ';' || c.is_control() || !c.is_ascii())
    {
        return Err(Error::InvalidCookie(format!(
            "the {attribute} attribute {value:?} must be non-empty printable ASCII without `;`"
        )));
    }
    Ok(())
}

/// An IMF-fixdate (`Wed, 02 Jan 2030 03:04:05 GMT`), clamped to what it can hold.
fn http_date(time: SystemTime) -> String {
    let latest = SystemTime::UNIX_EPOCH + Duration::from_secs(LATEST_EXPIRES_SECS);
    let clamped = time.clamp(SystemTime::UNIX_EPOCH, latest);
    httpdate::fmt_http_date(clamped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SameSite;

    #[test]
    fn defaults_match_the_reference() {
        assert_eq!(
            Cookie::new("s").serialize("hello").unwrap(),
            "s=aGVsbG8=; Path=/; SameSite=Lax"
        );
    }

    #[test]
    fn every_attribute_in_the_reference_order() {
        // createCookie("s", { secrets: ["k1"], maxAge: 3600, expires: new Date(Date.UTC(2030,0,2,3,4,5)),
        //   domain: "example.com", httpOnly: true, partitioned: true, sameSite: "Strict" }).serialize("hello")
        let cookie = Cookie::new("s")
            .secrets(["k1"])
            .max_age(Duration::from_secs(3600))
            .expires(SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_553_445))
            .domain("example.com")
            .http_only(true)
            .partitioned(true)
            .same_site(SameSite::Strict);
        assert_eq!(
            cookie.serialize("hello").unwrap(),
            "s=aGVsbG8=.ji4XXXXADDE8jlBEvlmIRtdpMWryWjIVYTuI+/fztEI; Domain=example.com; \
             Expires=Wed, 02 Jan 2030 03:04:05 GMT; HttpOnly; Max-Age=3600; Partitioned; Path=/; \
             SameSite=Strict; Secure"
        );
    }

    #[test]
    fn removal_cookie_expires_in_the_past() {
        let removal = Cookie::new("s")
            .http_only(true)
            .serialize_removal()
            .unwrap();
        assert_eq!(
            removal,
            "s=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Max-Age=0; Path=/; SameSite=Lax"
        );
    }

    #[test]
    fn header_breaking_names_and_attributes_are_errors() {
        for name in ["", "a b", "a;b", "a=b", "nam\u{e9}", "a\nb"] {
            assert!(
                matches!(
                    Cookie::new(name).serialize("v"),
                    Err(Error::InvalidCookie(_))
                ),
                "{name:?}"
            );
        }
        assert!(Cookie::new("s").path("/a;b").serialize("v").is_err());
        assert!(
            Cookie::new("s")
                .domain("x.com\r\nSet-Cookie: evil")
                .serialize("v")
                .is_err()
        );
    }

    #[test]
    fn oversized_cookies_are_errors() {
        let error = Cookie::new("s").serialize(&"x".repeat(4000)).unwrap_err();
        match error {
            Error::CookieTooLarge { size, limit } => {
                assert_eq!(limit, 4096);
                assert!(size > 4096);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(
            error_text(&Cookie::new("s").serialize(&"x".repeat(4000)).unwrap_err())
                .contains("4096")
        );
    }

    fn error_text(error: &Error) -> String {
        error.to_string()
    }

    #[test]
    fn name_prefixes_are_enforced() {
        let host = || Cookie::new("__Host-sid");
        assert!(host().serialize("v").is_err(), "not Secure");
        assert!(host().secure(true).serialize("v").is_ok());
        assert!(host().secure(true).path("/app").serialize("v").is_err());
        assert!(
            host()
                .secure(true)
                .domain("example.com")
                .serialize("v")
                .is_err()
        );
        let error = host().serialize("v").unwrap_err().to_string();
        assert!(error.contains("must be `Secure`"), "{error}");
        assert!(Cookie::new("__Secure-sid").serialize("v").is_err());
        assert!(
            Cookie::new("__secure-sid").serialize("v").is_err(),
            "any case"
        );
        assert!(
            Cookie::new("__Secure-sid")
                .secure(true)
                .domain("example.com")
                .path("/app")
                .serialize("v")
                .is_ok()
        );
        assert!(
            Cookie::new("__Host-sid")
                .partitioned(true)
                .serialize_removal()
                .is_ok(),
            "partitioned implies Secure"
        );
    }

    #[test]
    fn expires_out_of_range_is_clamped_not_a_panic() {
        let early = SystemTime::UNIX_EPOCH - Duration::from_secs(10);
        assert!(
            Cookie::new("s")
                .expires(early)
                .serialize("v")
                .unwrap()
                .contains("Thu, 01 Jan 1970")
        );
        let late = SystemTime::UNIX_EPOCH + Duration::from_secs(LATEST_EXPIRES_SECS * 2);
        assert!(
            Cookie::new("s")
                .expires(late)
                .serialize("v")
                .unwrap()
                .contains("9999")
        );
    }
}
