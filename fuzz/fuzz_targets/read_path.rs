//! Fuzzes the read path from the outside: any `Cookie` header, through
//! signature checks and decoding, into the cookie storage and a typed session.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_fuzz::{App, block_on, exercise};
use session_schema::{Cookie, CookieStorage, Session, SessionStorage};

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };
    let signed = Cookie::new("session").secrets(["a fuzzing secret of 32 bytes...."]);
    for value in [
        Cookie::new("session").parse(Some(header)),
        signed.parse(Some(header)),
    ] {
        let session: Session<App> = block_on(CookieStorage::new().read(value.as_deref())).unwrap();
        exercise(&session);
    }
});
