//! Encrypted cookie values: XChaCha20-Poly1305 with a key per secret derived
//! by HKDF-SHA256, the cookie's name bound into both the key and the
//! associated data.
//!
//! A sealed value is `base64url(nonce ‖ ciphertext ‖ tag)`, unpadded, with a
//! fresh random 192-bit nonce for every value. XChaCha20-Poly1305 rather than
//! AES-256-GCM: its nonces are long enough to draw at random for as many
//! cookies as a service will ever write (a 96-bit GCM nonce drawn at random
//! must not be used more than about 2^32 times per key), and it runs in
//! constant time in software on every CPU, with no need for AES instructions.

use base64_simd::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead as _, Payload};
use chacha20poly1305::{KeyInit as _, XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use rand::TryRng as _;
use rand::rngs::SysRng;
use sha2::Sha256;

/// The HKDF salt: fixed, so the same secret always gives the same key.
const SALT: &[u8] = b"session-schema encrypted cookie";
/// The start of the HKDF info; the cookie's name follows.
const INFO: &[u8] = b"session-schema/cookie-key/v1/";
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// One secret's key, for one cookie name.
#[derive(Clone)]
pub(crate) struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl Sealer {
    /// The key derived from `secret` for the cookie called `cookie_name`.
    pub(crate) fn new(secret: &str, cookie_name: &str) -> Self {
        let hkdf = Hkdf::<Sha256>::new(Some(SALT), secret.as_bytes());
        let mut key = [0_u8; 32];
        // 32 bytes is far below HKDF-SHA256's limit of 8160, so this cannot fail.
        let _ = hkdf.expand_multi_info(&[INFO, cookie_name.as_bytes()], &mut key);
        Sealer {
            cipher: XChaCha20Poly1305::new(&key.into()),
        }
    }

    /// Appends the sealed form of `value` to `out`.
    ///
    /// # Panics
    ///
    /// When the operating system's random number generator fails, as
    /// [`new_session_id`](crate::new_session_id) does: a nonce must never repeat.
    pub(crate) fn seal(&self, cookie_name: &str, value: &str, out: &mut String) {
        let mut nonce = [0_u8; NONCE_LEN];
        if let Err(error) = SysRng.try_fill_bytes(&mut nonce) {
            panic!("the operating system's random number generator failed: {error}");
        }
        let payload = Payload {
            msg: value.as_bytes(),
            aad: cookie_name.as_bytes(),
        };
        // XChaCha20-Poly1305 refuses only messages of more than 256 GiB.
        let sealed = self
            .cipher
            .encrypt(&XNonce::from(nonce), payload)
            .unwrap_or_default();
        let mut bytes = Vec::with_capacity(NONCE_LEN + sealed.len());
        bytes.extend_from_slice(&nonce);
        bytes.extend_from_slice(&sealed);
        URL_SAFE_NO_PAD.encode_append(bytes, out);
    }
}

/// The value behind a sealed cookie value, if one of the keys opens it (the
/// first one seals; all of them open, so secrets rotate).
pub(crate) fn open(sealed: &str, cookie_name: &str, sealers: &[Sealer]) -> Option<(String, bool)> {
    let bytes = URL_SAFE_NO_PAD.decode_to_vec(sealed).ok()?;
    if bytes.len() < NONCE_LEN + TAG_LEN {
        return None;
    }
    let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
    let nonce = XNonce::try_from(nonce).ok()?;
    let (index, value) = sealers.iter().enumerate().find_map(|(index, sealer)| {
        let payload = Payload {
            msg: ciphertext,
            aad: cookie_name.as_bytes(),
        };
        sealer
            .cipher
            .decrypt(&nonce, payload)
            .ok()
            .map(|value| (index, value))
    })?;
    Some((String::from_utf8(value).ok()?, index == 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seal(value: &str, sealer: &Sealer) -> String {
        let mut out = String::new();
        sealer.seal("sid", value, &mut out);
        out
    }

    #[test]
    fn a_sealed_value_opens_with_its_key_only() {
        let key = Sealer::new("secret one", "sid");
        let other = Sealer::new("secret two", "sid");
        let sealed = seal("hello ✓", &key);
        assert!(!sealed.contains("hello"));
        assert_eq!(
            open(&sealed, "sid", std::slice::from_ref(&key)),
            Some(("hello ✓".to_owned(), true))
        );
        assert_eq!(open(&sealed, "sid", std::slice::from_ref(&other)), None);
        assert_eq!(
            open(&sealed, "sid", &[other, key]),
            Some(("hello ✓".to_owned(), false)),
            "rotation: any key opens, and the layer knows it was not the current one"
        );
    }

    #[test]
    fn the_cookie_name_is_bound_in() {
        let key = Sealer::new("secret", "sid");
        let sealed = seal("hello", &key);
        assert_eq!(open(&sealed, "other", &[key]), None, "associated data");
        let renamed = Sealer::new("secret", "other");
        assert_eq!(open(&sealed, "other", &[renamed]), None, "derived key");
    }

    #[test]
    fn the_key_itself_depends_on_the_cookie_name() {
        // The associated data alone refuses a value opened under another
        // name; the derived key must differ too: with the associated data
        // of the right name, another name's key still opens nothing.
        let sealed = seal("hello", &Sealer::new("secret", "sid"));
        assert_eq!(
            open(&sealed, "sid", &[Sealer::new("secret", "other")]),
            None
        );
        assert_eq!(
            open(&sealed, "sid", &[Sealer::new("secret", "sid")]).map(|(value, _)| value),
            Some("hello".to_owned())
        );
    }

    #[test]
    fn every_value_gets_a_fresh_nonce() {
        let key = Sealer::new("secret", "sid");
        assert_ne!(seal("same", &key), seal("same", &key));
    }

    #[test]
    fn tampered_truncated_or_garbage_values_do_not_open() {
        let key = Sealer::new("secret", "sid");
        let sealed = seal("hello", &key);
        for index in 0..sealed.len() {
            let mut tampered = sealed.clone().into_bytes();
            tampered[index] = if tampered[index] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(tampered).unwrap();
            assert_eq!(
                open(&tampered, "sid", std::slice::from_ref(&key)),
                None,
                "byte {index}"
            );
        }
        assert_eq!(
            open(
                &sealed[..sealed.len() - 1],
                "sid",
                std::slice::from_ref(&key)
            ),
            None
        );
        for garbage in ["", "AAAA", "!!!", &"A".repeat(54)] {
            assert_eq!(
                open(garbage, "sid", std::slice::from_ref(&key)),
                None,
                "{garbage}"
            );
        }
    }
}
