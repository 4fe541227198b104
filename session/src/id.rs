//! Session ids.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Random bytes in an id: 144 bits, more than the 128 that make guessing hopeless.
const ID_BYTES: usize = 18;

/// A new session id: 144 bits from the OS-seeded CSPRNG (`rand`'s thread-local
/// `ChaCha` generator, reseeded from the operating system), as 24 URL-safe
/// base64 characters (`A-Z a-z 0-9 - _`).
#[must_use]
pub fn new_session_id() -> String {
    let mut bytes = [0u8; ID_BYTES];
    rand::fill(&mut bytes[..]);
    URL_SAFE_NO_PAD.encode(bytes)
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
}
