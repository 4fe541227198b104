//! `Cookie` through its public API: reading a real `Cookie` header, writing
//! `Set-Cookie`, signing and rotation, and the errors.

use std::time::{Duration, SystemTime};

use session_schema::{Cookie, Error, SameSite};

fn signed() -> Cookie {
    Cookie::new("session").secrets(["secret"])
}

fn pair(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap()
}

#[test]
fn reads_its_cookie_among_several() {
    let cookie = signed();
    let value = pair(&cookie.serialize("hello").unwrap()).to_owned();
    let header = format!("theme=dark;  {value} ; lang=en");
    assert_eq!(cookie.parse(Some(&header)).as_deref(), Some("hello"));
    assert_eq!(cookie.parse(Some("theme=dark; lang=en")), None);
    assert_eq!(cookie.parse(None), None);
    assert_eq!(cookie.parse(Some("")), None);
}

#[test]
fn the_first_of_a_repeated_name_wins() {
    let cookie = signed();
    let first = pair(&cookie.serialize("first").unwrap()).to_owned();
    let second = pair(&cookie.serialize("second").unwrap()).to_owned();
    assert_eq!(
        cookie.parse(Some(&format!("{first}; {second}"))).as_deref(),
        Some("first")
    );
}

#[test]
fn quoted_values_are_unquoted() {
    let cookie = Cookie::new("c");
    // "aGk=" is base64 of "hi".
    assert_eq!(cookie.parse(Some("c=\"aGk=\"")).as_deref(), Some("hi"));
}

/// Every character of a signature counts: changing any one of them (or the
/// value it signs) makes the cookie read as absent.
#[test]
fn a_change_to_any_character_of_a_signed_cookie_is_refused() {
    let cookie = signed();
    let set_cookie = cookie.serialize("a value worth forging").unwrap();
    let value = pair(&set_cookie)
        .strip_prefix("session=")
        .unwrap()
        .to_owned();
    assert_eq!(
        cookie.parse(Some(&format!("session={value}"))).as_deref(),
        Some("a value worth forging")
    );
    let (_, signature) = value.rsplit_once('.').unwrap();
    assert_eq!(
        signature.len(),
        43,
        "32 bytes of HMAC-SHA256, unpadded base64"
    );
    for index in 0..value.len() {
        if value.as_bytes()[index] == b'.' {
            continue;
        }
        let mut tampered = value.clone().into_bytes();
        tampered[index] = if tampered[index] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert_eq!(
            cookie.parse(Some(&format!("session={tampered}"))),
            None,
            "character {index} of {value}"
        );
    }
}

#[test]
fn unverifiable_or_undecodable_values_read_as_absent() {
    let cookie = signed();
    let forged = Cookie::new("session")
        .secrets(["other"])
        .serialize("hello")
        .unwrap();
    assert_eq!(cookie.parse(Some(pair(&forged))), None);
    assert_eq!(cookie.parse(Some("session=not base64!")), None);
    assert_eq!(Cookie::new("session").parse(Some("session=%%%")), None);
    assert_eq!(
        Cookie::new("session").parse(Some("session=/w==")),
        None,
        "not UTF-8"
    );
}

#[test]
fn secrets_rotate() {
    let old = Cookie::new("s").secrets(["old"]);
    let rotated = Cookie::new("s").secrets(["new", "old"]);
    let written_before = old.serialize("v").unwrap();
    assert_eq!(
        rotated.parse(Some(pair(&written_before))).as_deref(),
        Some("v")
    );
    let written_after = rotated.serialize("v").unwrap();
    assert_eq!(
        old.parse(Some(pair(&written_after))),
        None,
        "the first secret signs"
    );
}

#[test]
fn set_cookie_has_every_attribute() {
    let cookie = Cookie::new("s")
        .domain("example.com")
        .path("/app")
        .max_age(Duration::from_secs(60))
        .expires(SystemTime::UNIX_EPOCH + Duration::from_secs(86_400))
        .http_only(true)
        .same_site(SameSite::None)
        .secure(true);
    assert_eq!(
        cookie.serialize("v").unwrap(),
        "s=dg==; Domain=example.com; Expires=Fri, 02 Jan 1970 00:00:00 GMT; HttpOnly; Max-Age=60; Path=/app; \
         SameSite=None; Secure"
    );
    let partitioned = Cookie::new("s").partitioned(true).serialize("v").unwrap();
    assert!(
        partitioned.ends_with("; Partitioned; Path=/; SameSite=Lax; Secure"),
        "{partitioned}"
    );
}

#[test]
fn a_removal_cookie_makes_browsers_drop_it() {
    let removal = signed().http_only(true).serialize_removal().unwrap();
    assert_eq!(
        removal,
        "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Max-Age=0; Path=/; SameSite=Lax"
    );
}

#[test]
fn errors_say_what_is_wrong() {
    let Err(Error::CookieTooLarge { size, limit }) = signed().serialize(&"x".repeat(3500)) else {
        panic!("a 3500-byte value does not fit")
    };
    assert!(size > limit);
    let message = signed()
        .serialize(&"x".repeat(3500))
        .unwrap_err()
        .to_string();
    assert!(
        message.contains(&size.to_string()) && message.contains("4096"),
        "{message}"
    );

    let error = Cookie::new("bad name").serialize("v").unwrap_err();
    assert!(matches!(error, Error::InvalidCookie(_)), "{error:?}");
    assert!(
        error.to_string().contains("not a valid cookie name"),
        "{error}"
    );
    assert!(Cookie::new("s").path("/;evil").serialize("v").is_err());
}

const LONG: &str = "a secret of at least thirty-two bytes";
const NEXT: &str = "the next secret, also over 32 bytes";

#[test]
fn an_encrypted_cookie_hides_the_value_and_rotates() {
    let old = Cookie::new("session").encrypted([LONG]);
    let set_cookie = old
        .serialize(r#"{"i":"id","d":[{"user_id":7},{}]}"#)
        .unwrap();
    assert!(
        !set_cookie.contains("user_id") && !set_cookie.contains("eyJ"),
        "{set_cookie}"
    );
    let sealed = pair(&set_cookie);
    let rotated = Cookie::new("session").encrypted([NEXT, LONG]);
    assert_eq!(
        rotated.parse(Some(sealed)).as_deref(),
        Some(r#"{"i":"id","d":[{"user_id":7},{}]}"#)
    );
    let resealed = rotated.serialize("v").unwrap();
    assert_eq!(
        old.parse(Some(pair(&resealed))),
        None,
        "the new secret seals"
    );
    let signed = Cookie::new("session").secrets([LONG]);
    assert_eq!(signed.parse(Some(sealed)), None, "not a signed value");
    let renamed = Cookie::new("other").encrypted([LONG]);
    let moved = sealed.replacen("session=", "other=", 1);
    assert_eq!(
        renamed.parse(Some(&moved)),
        None,
        "sealed for another cookie name"
    );
}

#[test]
fn a_tampered_encrypted_cookie_reads_as_absent() {
    let cookie = Cookie::new("s").encrypted([LONG]);
    let set_cookie = cookie.serialize("hello").unwrap();
    let sealed = &pair(&set_cookie)[2..];
    for index in 0..sealed.len() {
        let mut tampered = sealed.as_bytes().to_vec();
        tampered[index] = if tampered[index] == b'x' { b'y' } else { b'x' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert_eq!(
            cookie.parse(Some(&format!("s={tampered}"))),
            None,
            "byte {index}"
        );
    }
}

#[test]
fn an_encrypted_cookie_over_4096_bytes_is_an_error() {
    let cookie = Cookie::new("s").encrypted([LONG]);
    let error = cookie.serialize(&"x".repeat(3100)).unwrap_err();
    assert!(
        matches!(error, Error::CookieTooLarge { limit: 4096, .. }),
        "{error:?}"
    );
    assert!(cookie.serialize(&"x".repeat(2900)).is_ok());
    assert!(matches!(
        Cookie::new("s").encrypted([""]).serialize("v"),
        Err(Error::EmptySecret)
    ));
}
