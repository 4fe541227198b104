//! Session ids.

use base64_simd::URL_SAFE_NO_PAD;
use rand::TryRng as _;
use rand::rngs::SysRng;

/// Random bytes in an id: 144 bits, more than the 128 that make guessing hopeless.
const ID_BYTES: usize = 18;

/// A new session id: 144 bits from the operating system's random number
/// generator (`getrandom`, through `rand::rngs::SysRng`), as 24 URL-safe
/// base64 characters (`A-Z a-z 0-9 - _`).
///
/// Each id is read from the operating system directly, with no generator
/// state in the process, so a parent and its `fork()`ed child never produce
/// the same ids.
///
/// # Panics
///
/// When the operating system cannot provide random bytes, which a session id
/// cannot do without: a guessable id would be worse than no session.
#[must_use]
pub fn new_session_id() -> String {
    let mut bytes = [0u8; ID_BYTES];
    if let Err(error) = SysRng.try_fill_bytes(&mut bytes) {
        panic!("the operating system's random number generator failed: {error}");
    }
    URL_SAFE_NO_PAD.encode_to_string(bytes)
}

/// The public handle of the session with id `id`: 22 URL-safe base64
/// characters, the first 128 bits of SHA-256 over a label and the id. It
/// tells sessions apart on a page (it is safe in HTML and in a URL) without
/// giving the id away: finding an id from its handle means inverting
/// SHA-256 over 144 random bits. Two sessions' handles collide with
/// probability about n²/2¹²⁹ for n sessions: never, in practice.
pub(crate) fn session_handle(id: &str) -> String {
    use sha2::{Digest as _, Sha256};
    let digest = Sha256::new()
        .chain_update(b"session-schema handle\0")
        .chain_update(id.as_bytes())
        .finalize();
    URL_SAFE_NO_PAD.encode_to_string(&digest[..16])
}

/// A new CSRF token: 32 bytes from the operating system's generator, as 64
/// lowercase hex characters (the form of `@remix-run/csrf-middleware`).
///
/// # Panics
///
/// As [`new_session_id`]: when the operating system cannot provide random bytes.
pub(crate) fn new_csrf_token() -> String {
    use std::fmt::Write as _;
    let mut bytes = [0u8; 32];
    if let Err(error) = SysRng.try_fill_bytes(&mut bytes) {
        panic!("the operating system's random number generator failed: {error}");
    }
    let mut token = String::with_capacity(64);
    for byte in bytes {
        // Writing to a `String` cannot fail.
        let _ = write!(token, "{byte:02x}");
    }
    token
}

/// How many characters of an id logs and `Debug` output show: 4 characters
/// are 24 of the id's 144 bits, enough to tell sessions apart in a log and
/// far too few to use or guess the id.
const SHOWN_ID_CHARS: usize = 4;

/// An id as logs and `Debug` output show it: its first few characters and an
/// ellipsis, never the whole id.
pub(crate) struct Redacted<'a>(pub(crate) &'a str);

impl std::fmt::Display for Redacted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let end = self
            .0
            .char_indices()
            .nth(SHOWN_ID_CHARS)
            .map_or(self.0.len(), |(index, _)| index);
        write!(f, "{}…", &self.0[..end])
    }
}

impl std::fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "\"{self}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_url_safe_long_and_distinct() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| new_session_id()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            assert_eq!(id.len(), 24);
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{id}"
            );
        }
    }

    #[test]
    fn redacted_ids_show_a_short_prefix_only() {
        let id = new_session_id();
        let shown = Redacted(&id).to_string();
        assert_eq!(shown, format!("{}…", &id[..4]));
        assert!(!shown.contains(&id[..5]));
        assert_eq!(Redacted("ab").to_string(), "ab…");
        assert_eq!(Redacted("ééééé").to_string(), "éééé…");
    }
}
