//! Cookie signing as the reference does it: `value + "." + base64(HMAC-SHA256(secret, value))`
//! with the padding stripped. Verification is in constant time.

use base64_simd::STANDARD_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// One secret, keyed once and cloned for each use.
#[derive(Clone)]
pub(crate) struct Signer {
    keyed: Hmac<Sha256>,
}

impl Signer {
    pub(crate) fn new(secret: &str) -> Self {
        // HMAC accepts keys of any length, so this cannot fail.
        let keyed = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
            .unwrap_or_else(|_| unreachable!());
        Signer { keyed }
    }

    /// Signs `out[start..]` in place: appends `"."` and its signature.
    pub(crate) fn sign_suffix(&self, out: &mut String, start: usize) {
        let mut mac = self.keyed.clone();
        mac.update(&out.as_bytes()[start..]);
        out.push('.');
        STANDARD_NO_PAD.encode_append(mac.finalize().into_bytes(), out);
    }

    /// Whether `signature` (unpadded base64) is this secret's signature of `value`.
    /// The comparison of the MAC runs in constant time.
    fn verifies(&self, value: &str, signature: &[u8]) -> bool {
        let mut mac = self.keyed.clone();
        mac.update(value.as_bytes());
        mac.verify_slice(signature).is_ok()
    }
}

/// The signed part of `signed` (`value.signature`) if any signer verifies it,
/// and whether the first did. The first signer signs; every signer verifies,
/// so secrets can be rotated.
pub(crate) fn unsign<'a>(signed: &'a str, signers: &[Signer]) -> Option<(&'a str, bool)> {
    // A signature is 32 bytes: 43 unpadded base64 characters after the last
    // `.`. Base64 has no `.`, so the last one is right before them or the
    // value is refused either way.
    let at = signed.len().checked_sub(SIGNATURE_LEN + 1)?;
    let (value, dot_signature) = signed.split_at_checked(at)?;
    let signature = dot_signature.strip_prefix('.')?;
    let mut decoded = [0_u8; 32];
    let length = STANDARD_NO_PAD
        .decode(
            signature.as_bytes(),
            base64_simd::Out::from_slice(&mut decoded),
        )
        .ok()?
        .len();
    if length != 32 {
        return None;
    }
    signers
        .iter()
        .position(|signer| signer.verifies(value, &decoded))
        .map(|index| (value, index == 0))
}

/// The length of an unpadded base64 HMAC-SHA256 signature.
const SIGNATURE_LEN: usize = 43;

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(value: &str, secret: &str) -> String {
        let mut out = value.to_owned();
        Signer::new(secret).sign_suffix(&mut out, 0);
        out
    }

    #[test]
    fn matches_the_reference() {
        // await sign("aGVsbG8=", "secret1") from @remix-run/cookie
        assert_eq!(
            sign("aGVsbG8=", "secret1"),
            "aGVsbG8=.jJVzhYNvCg/tE5344DYDSsrvP5Z/nQ2UwPFSc6tNx9w"
        );
    }

    #[test]
    fn verifies_with_any_secret() {
        let signed = sign("value", "old");
        let signers = [Signer::new("new"), Signer::new("old")];
        assert_eq!(
            unsign(&signed, &signers),
            Some(("value", false)),
            "not the current secret's"
        );
        assert_eq!(unsign(&signed, &signers[1..]), Some(("value", true)));
        assert_eq!(unsign(&signed, &signers[..1]), None);
    }

    #[test]
    fn rejects_tampering() {
        let signed = sign("value", "secret");
        let signers = [Signer::new("secret")];
        assert_eq!(unsign(&signed.replace("value", "valuf"), &signers), None);
        assert_eq!(unsign("value", &signers), None);
        assert_eq!(unsign("value.", &signers), None);
        assert_eq!(unsign(&format!("{signed}="), &signers), None);
        let mut last_changed = signed.clone();
        last_changed.pop();
        last_changed.push('A');
        assert_eq!(unsign(&last_changed, &signers), None);
    }
}
