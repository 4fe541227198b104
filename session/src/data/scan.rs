//! A fast, strict reader of the records this crate writes: `[values, flash]`
//! (with times as a third element) and the cookie record `{"i": id, "d":
//! data}`. It reads what it accepts exactly as `serde_json` reads it, and
//! gives up (`None`) on anything else, escapes in names and `\u` escapes
//! among them: the caller then reads the text with `serde_json`, which also
//! reports why a text is not a record. Most records are read here, in one
//! pass and without the per-token machinery of a general parser.

use std::borrow::Cow;

use super::{DataSink, EntrySink, Half, StoredData};
use crate::times::Times;

/// Nesting deeper than this is left to `serde_json` (whose limit is 128).
const MAX_DEPTH: usize = 100;

/// Reads `[values, flash]` or `[values, flash, times]`, as
/// [`StoredData::parse`] does; `None` when this reader does not read it.
pub(crate) fn stored_data(json: &str) -> Option<StoredData<'_>> {
    let mut sink = DataSink::default();
    let times = stored_data_into(json, &mut sink).ok()?;
    Some(sink.into_data(times))
}

/// A text this reader leaves to `serde_json`: not a record, or one with
/// what this reader does not read (escapes in names, `\u` escapes).
#[derive(Debug)]
pub(crate) struct Unread;

/// Reads `[values, flash]` or `[values, flash, times]` into `sink`, entry by
/// entry, and gives the times; [`Unread`] when this reader does not read it
/// (`sink` may then have some of the entries).
pub(crate) fn stored_data_into<'a>(
    json: &'a str,
    sink: &mut impl EntrySink<'a>,
) -> Result<Option<Times>, Unread> {
    let mut scanner = Scanner::new(json);
    let times = scanner.data(sink).ok_or(Unread)?;
    scanner.end().ok_or(Unread)?;
    Ok(times)
}

/// Reads the cookie storage's record `{"i": id, "d": data}` (in either
/// order), as `serde_json` reads it into the id and the data; `None` when
/// this reader does not read it.
#[cfg(test)]
pub(crate) fn cookie_record(json: &str) -> Option<(&str, StoredData<'_>)> {
    let mut sink = DataSink::default();
    let (id, times) = cookie_record_into(json, &mut sink).ok()?;
    Some((id, sink.into_data(times)))
}

/// Reads the cookie storage's record `{"i": id, "d": data}` (in either
/// order) into `sink`, as `serde_json` reads it, and gives the id and the
/// times; [`Unread`] when this reader does not read it (`sink` may then
/// have some of the entries).
pub(crate) fn cookie_record_into<'a>(
    json: &'a str,
    sink: &mut impl EntrySink<'a>,
) -> Result<(&'a str, Option<Times>), Unread> {
    cookie_record_scan(json, sink).ok_or(Unread)
}

#[allow(
    clippy::option_option,
    reason = "`None`: not read here; `Some(None)`: read, without times"
)]
fn cookie_record_scan<'a>(
    json: &'a str,
    sink: &mut impl EntrySink<'a>,
) -> Option<(&'a str, Option<Times>)> {
    let mut scanner = Scanner::new(json);
    scanner.space();
    scanner.eat(b'{')?;
    let (mut id, mut times) = (None, None);
    for index in 0..2 {
        if index == 1 {
            scanner.space();
            scanner.eat(b',')?;
        }
        scanner.space();
        let name = scanner.plain_string()?;
        scanner.space();
        scanner.eat(b':')?;
        scanner.space();
        match name {
            "i" if id.is_none() => id = Some(scanner.plain_string()?),
            "d" if times.is_none() => times = Some(scanner.data(sink)?),
            _ => return None,
        }
    }
    scanner.space();
    scanner.eat(b'}')?;
    scanner.end()?;
    Some((id?, times?))
}

/// How many bytes at the start of `bytes` a JSON string holds as they are:
/// up to the first quote, backslash or control character, or all of them.
///
/// Looked at eight bytes at a time, as one `u64` ([`needs_look`]); the rest
/// of a record is usually long enough, so even a short string takes a word
/// or two, without a `memchr` call's set-up.
pub(crate) fn plain_len(bytes: &[u8]) -> usize {
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in words.by_ref() {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let flags = needs_look(u64::from_le_bytes(word));
        if flags != 0 {
            // The lowest flag is exact (see `needs_look`); bytes are
            // little-endian, so it is the first byte.
            return at + (flags.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    let rest = words.remainder();
    at + rest
        .iter()
        .position(|&byte| byte_needs_look(byte))
        .unwrap_or(rest.len())
}

/// Whether `byte` is a quote, a backslash or a control character: the rule
/// [`needs_look`] applies to eight bytes at once.
fn byte_needs_look(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// The high bit of each byte of `word` that is a quote, a backslash or a
/// control character: the lowest such bit exactly, later ones perhaps also
/// for a byte that is not (a borrow carries into the byte above a match,
/// never below one).
fn needs_look(word: u64) -> u64 {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGHS: u64 = ONES * 0x80;
    // The high bit of each byte below `n` (for `n` up to 0x80).
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGHS;
    below(word, 0x20)
        | below(word ^ (ONES * u64::from(b'"')), 1)
        | below(word ^ (ONES * u64::from(b'\\')), 1)
}

struct Scanner<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Scanner { text, at: 0 }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    #[inline]
    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    #[inline]
    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// Nothing but whitespace is left.
    fn end(&mut self) -> Option<()> {
        self.space();
        (self.at == self.text.len()).then_some(())
    }

    /// `[values, flash]` or `[values, flash, times]`; a missing or `null`
    /// half reads as empty.
    #[allow(
        clippy::option_option,
        reason = "`None`: not read here; `Some(None)`: read, without times"
    )]
    fn data(&mut self, sink: &mut impl EntrySink<'a>) -> Option<Option<Times>> {
        self.space();
        self.eat(b'[')?;
        let mut times = None;
        self.space();
        if self.eat(b']').is_some() {
            return Some(times);
        }
        for element in 0..3 {
            if element > 0 {
                self.eat(b',')?;
                self.space();
            }
            match element {
                0 => self.entries_or_null(Half::Values, sink)?,
                1 => self.entries_or_null(Half::Flash, sink)?,
                _ => times = Some(self.times()?),
            }
            self.space();
            if self.eat(b']').is_some() {
                return Some(times);
            }
        }
        None
    }

    /// An object's entries, into `sink` as the object `half`; or `null`.
    fn entries_or_null(&mut self, half: Half, sink: &mut impl EntrySink<'a>) -> Option<()> {
        if self.peek()? == b'n' {
            return self.literal(b"null");
        }
        self.eat(b'{')?;
        self.space();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            self.space();
            let name = self.plain_string()?;
            self.space();
            self.eat(b':')?;
            self.space();
            let value = self.raw_value()?;
            sink.entry(half, Cow::Borrowed(name), value);
            self.space();
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// The times as this crate writes them: `{"c":created,"t":touched}`,
    /// with `,"r":1` for a remembered session.
    fn times(&mut self) -> Option<Times> {
        self.literal(br#"{"c":"#)?;
        let created = self.seconds()?;
        self.literal(br#","t":"#)?;
        let touched = self.seconds()?;
        let remembered = self.literal(br#","r":1}"#).is_some();
        if !remembered {
            self.eat(b'}')?;
        }
        Some(Times {
            created,
            touched,
            remembered,
        })
    }

    /// A whole number of seconds that fits a `u64`, written without a
    /// fraction or an exponent.
    fn seconds(&mut self) -> Option<u64> {
        let start = self.at;
        while self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
            self.at += 1;
        }
        let digits = &self.text[start..self.at];
        if digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) {
            return None;
        }
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        digits.parse().ok()
    }

    #[inline]
    fn literal(&mut self, literal: &[u8]) -> Option<()> {
        let end = self.at.checked_add(literal.len())?;
        (self.text.as_bytes().get(self.at..end)? == literal).then(|| self.at = end)
    }

    /// A string without escapes, as its contents.
    #[inline]
    fn plain_string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        self.skip_plain();
        if self.peek()? != b'"' {
            return None;
        }
        let contents = &self.text[start..self.at];
        self.at += 1;
        Some(contents)
    }

    /// Moves past the characters of a string that need no look: up to its
    /// closing quote, a backslash, a control character or the end.
    #[inline]
    fn skip_plain(&mut self) {
        self.at += plain_len(&self.text.as_bytes()[self.at..]);
    }

    /// One JSON value, as its text.
    #[inline]
    fn raw_value(&mut self) -> Option<&'a str> {
        let start = self.at;
        self.skip_value(0)?;
        Some(&self.text[start..self.at])
    }

    #[inline]
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' => self.skip_container(depth, b'}', true),
            b'[' => self.skip_container(depth, b']', false),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.skip_number(),
            _ => None,
        }
    }

    /// An object (`named`) or an array, ending with `close`.
    #[inline(never)]
    fn skip_container(&mut self, depth: usize, close: u8, named: bool) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        self.at += 1;
        self.space();
        if self.eat(close).is_some() {
            return Some(());
        }
        loop {
            self.space();
            if named {
                self.skip_string()?;
                self.space();
                self.eat(b':')?;
                self.space();
            }
            self.skip_value(depth + 1)?;
            self.space();
            match self.peek()? {
                b',' => self.at += 1,
                byte if byte == close => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A string whose escapes, if any, are the one-character ones.
    #[inline]
    fn skip_string(&mut self) -> Option<()> {
        self.eat(b'"')?;
        loop {
            self.skip_plain();
            match self.peek()? {
                b'"' => {
                    self.at += 1;
                    return Some(());
                }
                b'\\' => {
                    self.at += 1;
                    match self.peek()? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.at += 1,
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    #[inline]
    fn skip_number(&mut self) -> Option<()> {
        let _ = self.eat(b'-');
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.eat(b'.').is_some() {
            self.some_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            self.some_digits()?;
        }
        // A digit right after a leading zero is not JSON.
        (!self.peek().is_some_and(|byte| byte.is_ascii_digit())).then_some(())
    }

    #[inline]
    fn digits(&mut self) {
        while self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
            self.at += 1;
        }
    }

    #[inline]
    fn some_digits(&mut self) -> Option<()> {
        let start = self.at;
        self.digits();
        (self.at > start).then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `serde_json` reads, for comparison: names, raw values, times.
    type Read<'a> = (
        Vec<(String, &'a str)>,
        Vec<(String, &'a str)>,
        Option<Times>,
    );

    fn summary<'a>(data: &StoredData<'a>) -> Read<'a> {
        let entries = |entries: &[(Cow<'a, str>, &'a str)]| {
            entries
                .iter()
                .map(|(name, value)| (name.to_string(), *value))
                .collect()
        };
        (entries(&data.values), entries(&data.flash), data.times)
    }

    /// Whatever the scanner reads, `serde_json` reads the same way.
    fn agrees(json: &str) -> bool {
        let scanned = stored_data(json);
        let parsed = serde_json::from_str::<StoredData<'_>>(json);
        if let Some(scanned) = &scanned {
            let parsed = parsed.unwrap_or_else(|error| {
                panic!("scanned what serde_json refuses ({error}): {json}")
            });
            assert_eq!(summary(scanned), summary(&parsed), "{json}");
        }
        scanned.is_some()
    }

    /// The cookie storage's record, as it reads it with `serde_json`.
    #[derive(serde::Deserialize)]
    struct CookieRecord<'a> {
        i: String,
        #[serde(borrow)]
        d: StoredData<'a>,
    }

    /// Whatever the scanner reads as a cookie record, `serde_json` reads the
    /// same way.
    fn cookie_agrees(json: &str) {
        if let Some((id, data)) = cookie_record(json) {
            let record = serde_json::from_str::<CookieRecord<'_>>(json).unwrap_or_else(|error| {
                panic!("scanned what serde_json refuses ({error}): {json}")
            });
            assert_eq!(id, record.i, "{json}");
            assert_eq!(summary(&data), summary(&record.d), "{json}");
        }
    }

    #[test]
    fn reads_what_this_crate_writes_as_serde_json_does() {
        for json in [
            "[]",
            "[{}]",
            "[{},{}]",
            "[null,null]",
            r#"[{"a":1},{"n":"hi"}]"#,
            r#"[ { "b" : 1.50 , "a" : {"x" : [1, -2e5, 0.5E+3, true, false, null]} } , {} ]"#,
            r#"[{"s":"a\"b\\c\/\n\t\r\b\f"},{}]"#,
            r#"[{"a":1,"a":2},{}]"#,
            r#"[{"a":1},{},{"c":10,"t":20}]"#,
            r#"[{},{},{"c":10,"t":20,"r":1}]"#,
            "[{}, {}] \n",
            r#"[{"deep":[[[[[[{"x":[]}]]]]]]},{}]"#,
            r#"[{"u":"héllo ✓"},{}]"#,
        ] {
            assert!(agrees(json), "not scanned: {json}");
        }
    }

    #[test]
    fn leaves_to_serde_json_what_it_does_not_read() {
        for json in [
            // Not JSON, or not a record: serde_json says why.
            "",
            "[",
            "[{},]",
            "[{},{},{},{}]",
            r#"{"a":1}"#,
            "[{\"a\":01},{}]",
            "[{\"a\":1.},{}]",
            "[{\"a\":-},{}]",
            "[{\"a\":1e},{}]",
            "[{\"a\":tru},{}]",
            "[{\"a\":\"x\ny\"},{}]",
            "[{\"a\":1,},{}]",
            "[{\"a\" 1},{}]",
            "[{},{}] x",
            "[1,{}]",
            // JSON this reader leaves to serde_json.
            r#"[{"a\"b":1},{}]"#,
            r#"[{"a":"\u00e9"},{}]"#,
            r#"[{},{},{"t":1,"c":2}]"#,
            r#"[{},{},{"c":1,"t":2,"r":0}]"#,
            r#"[{},{},{"c":1.5,"t":2}]"#,
            "[{},{},null]",
            r#"[{},{},{"c":01,"t":2}]"#,
            r#"[{},{},{"c":99999999999999999999,"t":2}]"#,
        ] {
            assert!(!agrees(json), "scanned: {json}");
        }
        let deep = format!("[{{\"a\":{}{}}},{{}}]", "[".repeat(150), "]".repeat(150));
        assert!(
            !agrees(&deep),
            "nesting past the limit is left to serde_json"
        );
    }

    #[test]
    fn reads_the_cookie_record_in_either_order() {
        for (json, id) in [
            (r#"{"i":"abc","d":[{"a":1},{}]}"#, "abc"),
            (r#"{ "d" : [{"a":1},{}] , "i" : "abc" }"#, "abc"),
        ] {
            let (read_id, data) = cookie_record(json).unwrap();
            assert_eq!(read_id, id);
            assert_eq!(data.values, [(Cow::Borrowed("a"), "1")]);
        }
        for json in [
            r#"{"i":"abc"}"#,
            r#"{"i":"a","i":"b","d":[]}"#,
            r#"{"i":"abc","d":[],"x":1}"#,
            r#"{"i":"a\"c","d":[]}"#,
            r#"{"i":1,"d":[]}"#,
        ] {
            assert!(cookie_record(json).is_none(), "{json}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// Records built from JSON-like pieces, many of them broken: the
        /// scanner never reads one otherwise than `serde_json`.
        #[test]
        fn never_reads_otherwise_than_serde_json(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "[", "]", "{", "}", ",", ":", " ", "\n", "\"a\"", "\"b\"", "\"c\"", "\"t\"",
                "\"r\"", "\"i\"", "\"d\"", "\"x\\\"y\"", "\"\\u0041\"", "\"\\n\"", "\"\\q\"", "0", "1", "-1",
                "01", "1.5", "1.", "2e3", "1E+2", "-", "true", "false", "null", "nul", "\"",
                "\\", "\t", "é", "✓", "\"é\"", "\"a string longer than one run of sixteen\"",
                "\"sixteen bytes ok\"", "\"seventeen bytes\\\"\"", "\"a control \u{1} past byte sixteen, then more\"",
            ]), 0..24),
        ) {
            let json: String = pieces.concat();
            agrees(&json);
            agrees(&format!("[{{{json}}},{{}}]"));
            agrees(&format!("[{{\"k\":{json}}},{{}}]"));
            agrees(&format!("[{{}},{{}},{json}]"));
            cookie_agrees(&format!("{{\"i\":\"id\",\"d\":[{{\"k\":{json}}},{{}}]}}"));
            cookie_agrees(&format!("{{\"d\":[{{}},{{}}],{json}}}"));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// The run a string holds as it is ends where a byte-by-byte look
        /// ends it, wherever the byte that ends it falls in a word of eight.
        #[test]
        fn a_plain_run_ends_at_the_first_byte_that_needs_a_look(
            bytes in proptest::collection::vec(proptest::sample::select(vec![
                b'a', b'z', b'0', b' ', b'!', b'#', b'[', b']', 0x7f, 0x80, 0xa2, 0xdc, 0xc3, 0xff,
                b'"', b'\\', 0x00, 0x1f, b'\n',
            ]), 0..80),
            plain_prefix in 0_usize..24,
        ) {
            let mut bytes = bytes;
            bytes.splice(0..0, std::iter::repeat_n(b'x', plain_prefix));
            let expected = bytes
                .iter()
                .position(|&byte| byte < 0x20 || byte == b'"' || byte == b'\\')
                .unwrap_or(bytes.len());
            proptest::prop_assert_eq!(plain_len(&bytes), expected);
        }
    }
}
