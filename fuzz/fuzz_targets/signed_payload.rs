//! Fuzzes everything behind the signature: the fuzzer's bytes are signed with
//! a known secret, so every byte reaches decoding, the session, merging and
//! saving, as the cookie storage's value and as a stored record.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_fuzz::{cookie_value_cycle, stored_record_cycle};
use session_schema::Cookie;

fuzz_target!(|data: &[u8]| {
    stored_record_cycle(data);
    let Ok(payload) = std::str::from_utf8(data) else {
        return;
    };
    let cookie = Cookie::new("session").secrets(["a fuzzing secret of 32 bytes...."]);
    let Ok(set_cookie) = cookie.serialize(payload) else {
        return;
    };
    let pair = set_cookie.split(';').next().unwrap_or_default();
    let value = cookie.parse(Some(pair));
    assert_eq!(value.as_deref(), Some(payload), "a signed value reads back");
    cookie_value_cycle(payload);
});
