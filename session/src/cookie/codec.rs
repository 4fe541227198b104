//! The cookie value codec of the reference implementation: base64 of the
//! value's UTF-8 bytes, read back leniently the way `atob` reads it.

use base64_simd::STANDARD;

/// Encodes a value as the reference does (`btoa(unescape(encodeURIComponent(v)))`,
/// which is standard base64 of the UTF-8 bytes, padded).
#[cfg(test)]
pub(crate) fn encode(value: &str) -> String {
    STANDARD.encode_to_string(value)
}

/// Appends the encoding of `value` to `out`.
pub(crate) fn encode_into(value: &str, out: &mut String) {
    STANDARD.encode_append(value, out);
}

/// Decodes a cookie value the way `atob` does (the WHATWG "forgiving-base64
/// decode": ASCII whitespace skipped, padding optional, trailing bits
/// ignored); `None` unless it is base64 of valid UTF-8.
pub(crate) fn decode(encoded: &str) -> Option<String> {
    // Canonical padded base64, as the reference and this crate write it,
    // decodes to the same bytes strictly, without the forgiving decoder's
    // pass over the input; anything else takes that pass.
    let bytes = STANDARD
        .decode_to_vec(encoded.as_bytes())
        .or_else(|_| base64_simd::forgiving_decode_to_vec(encoded.as_bytes()))
        .ok()?;
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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// The strict first try changes nothing: any text made of base64
        /// characters, padding and whitespace decodes as the forgiving
        /// decoder alone decodes it (`atob`'s reading).
        #[test]
        fn the_strict_try_decodes_as_the_forgiving_decoder(
            text in "[A-Za-z0-9+/= \t\n]{0,24}",
        ) {
            let forgiving = base64_simd::forgiving_decode_to_vec(text.as_bytes())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok());
            proptest::prop_assert_eq!(decode(&text), forgiving);
        }
    }
}
