//! The cookie value codec of the reference implementation: base64 of the
//! value's UTF-8 bytes, read back leniently the way `atob` reads it.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};

/// `atob`'s reading: padding optional, non-zero trailing bits accepted.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Encodes a value as the reference does (`btoa(unescape(encodeURIComponent(v)))`,
/// which is standard base64 of the UTF-8 bytes, padded).
#[cfg(test)]
pub(crate) fn encode(value: &str) -> String {
    STANDARD.encode(value)
}

/// Appends the encoding of `value` to `out`.
pub(crate) fn encode_into(value: &str, out: &mut String) {
    STANDARD.encode_string(value, out);
}

/// Decodes a cookie value; `None` unless it is base64 of valid UTF-8. ASCII
/// whitespace is skipped, as `atob` skips it (looked for only when the value
/// does not decode as it is, which values this crate writes always do).
pub(crate) fn decode(encoded: &str) -> Option<String> {
    let bytes = match LENIENT.decode(encoded) {
        Ok(bytes) => bytes,
        Err(_) if encoded.bytes().any(|b| b.is_ascii_whitespace()) => {
            let trimmed: String = encoded
                .chars()
                .filter(|c| !c.is_ascii_whitespace())
                .collect();
            LENIENT.decode(trimmed).ok()?
        }
        Err(_) => return None,
    };
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_utf8() {
        for value in [
            "",
            "a",
            "hello world",
            "{\"i\":\"x\",\"d\":[{},{}]}",
            "héllo ✓ 🎉",
            "%20+/",
        ] {
            assert_eq!(decode(&encode(value)).as_deref(), Some(value));
        }
    }

    #[test]
    fn matches_the_reference_bytes() {
        // btoa(unescape(encodeURIComponent("héllo ✓"))) in Node.js
        assert_eq!(encode("héllo ✓"), "aMOpbGxvIOKckw==");
        assert_eq!(encode("ab"), "YWI=");
    }

    #[test]
    fn reads_like_atob() {
        assert_eq!(decode("YWI").as_deref(), Some("ab"), "padding is optional");
        assert_eq!(
            decode("YWJ=").as_deref(),
            Some("ab"),
            "trailing bits are ignored"
        );
        assert_eq!(
            decode("Y W I =").as_deref(),
            Some("ab"),
            "ASCII whitespace is skipped"
        );
        assert_eq!(decode("Y"), None);
        assert_eq!(decode("!!!!"), None);
        assert_eq!(decode("/w=="), None, "0xFF is not UTF-8");
    }
}
