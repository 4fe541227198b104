//! Fuzzes everything behind the encryption: the fuzzer's bytes are sealed
//! with a known secret, so every byte reaches decoding and the session as the
//! cookie storage's value; the raw bytes are also offered as a sealed value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_fuzz::cookie_value_cycle;
use session_schema::Cookie;

fuzz_target!(|data: &[u8]| {
    let cookie = Cookie::new("session").encrypted(["a fuzzing secret of 32 bytes...."]);
    let Ok(payload) = std::str::from_utf8(data) else {
        return;
    };
    // Forged sealed values never open (an empty value reads as empty).
    let forged = cookie.parse(Some(&format!("session={payload}")));
    assert!(matches!(forged.as_deref(), None | Some("")), "{forged:?}");
    let Ok(set_cookie) = cookie.serialize(payload) else {
        return;
    };
    let pair = set_cookie.split(';').next().unwrap_or_default();
    assert_eq!(cookie.parse(Some(pair)).as_deref(), Some(payload));
    cookie_value_cycle(payload);
});
