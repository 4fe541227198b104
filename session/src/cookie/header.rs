//! Reading one cookie out of a `Cookie` request header, as the reference
//! parser does: `;`-separated `name=value` pairs, whitespace trimmed, quoted
//! values unquoted. A header may hold several cookies of one name (a sibling
//! subdomain or a path can plant one); all of them are returned, in order.

use std::ops::ControlFlow;

/// A cookie's name, with the searcher that finds it in `Cookie` headers
/// (made once per cookie, not once per request). It reads as the name.
#[derive(Clone)]
pub(crate) struct CookieName {
    text: String,
    finder: memchr::memmem::Finder<'static>,
}

impl CookieName {
    pub(crate) fn new(text: String) -> Self {
        let finder = memchr::memmem::Finder::new(text.as_bytes()).into_owned();
        CookieName { text, finder }
    }

    /// Shows `visit` the raw value of every cookie of this name in `header`,
    /// unquoted, in header order, until it breaks.
    ///
    /// Only the `;`-separated pairs that contain the name are read: the
    /// others cannot have it, and a site's `Cookie` header may carry dozens
    /// of them (a hundred analytics cookies cost the pair-by-pair reading
    /// about 45,000 instructions per request). The values are the
    /// pair-by-pair reading's, in the same order (a property test checks it).
    /// (A visitor, not an iterator: the searcher's state is large, and an
    /// iterator holding it would be moved on every request.)
    ///
    /// The header is bytes, read as UTF-8 one pair at a time, where a byte
    /// that is not UTF-8 reads as U+FFFD: only the pairs that hold the name
    /// are checked, and another cookie set by a page script or a sibling
    /// subdomain (`theme=café` in Latin-1) cannot hide the session's.
    pub(crate) fn each_value<'a, B>(
        &self,
        header: &'a [u8],
        mut visit: impl FnMut(std::borrow::Cow<'a, str>) -> ControlFlow<B>,
    ) -> ControlFlow<B> {
        // A header of one cookie (no `;`) is that one pair: no search.
        if memchr::memchr(b';', header).is_none() {
            return value_in(header, &self.text).map_or(ControlFlow::Continue(()), visit);
        }
        // Where the next pair not yet read starts: a pair holding the name
        // twice is read once.
        let mut unread = 0;
        for at in self.finder.find_iter(header) {
            if at < unread {
                continue;
            }
            let start = memchr::memrchr(b';', &header[..at]).map_or(0, |semicolon| semicolon + 1);
            let end = memchr::memchr(b';', &header[at..])
                .map_or(header.len(), |semicolon| at + semicolon);
            unread = end + 1;
            if let Some(value) = value_in(&header[start..end], &self.text) {
                visit(value)?;
            }
        }
        ControlFlow::Continue(())
    }
}

impl std::ops::Deref for CookieName {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl std::fmt::Debug for CookieName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.text, f)
    }
}

/// The value of the pair `pair` if its name is `name`, the pair read as
/// UTF-8 with any byte that is not UTF-8 as U+FFFD (as reading the whole
/// header so would give it: `;` is ASCII, so no invalid sequence spans it).
fn value_in<'a>(pair: &'a [u8], name: &str) -> Option<std::borrow::Cow<'a, str>> {
    match std::str::from_utf8(pair) {
        Ok(pair) => value_if_named(pair, name),
        Err(_) => value_if_named(&String::from_utf8_lossy(pair), name)
            .map(|value| std::borrow::Cow::Owned(value.into_owned())),
    }
}

/// The value of `pair` (`name=value`, whitespace trimmed, unquoted) if its
/// name is `name`.
fn value_if_named<'a>(pair: &'a str, name: &str) -> Option<std::borrow::Cow<'a, str>> {
    let (key, value) = match pair.split_once('=') {
        Some((key, value)) => (key.trim(), value.trim()),
        None => (pair.trim(), ""),
    };
    (key == name).then(|| unquote(value))
}

/// `"a\"b"` -> `a"b`; anything not quoted is returned as it is.
fn unquote(value: &str) -> std::borrow::Cow<'_, str> {
    let Some(inner) = value
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    else {
        return value.into();
    };
    if !inner.contains('\\') {
        return inner.into();
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(ch) = chars.next() {
        if ch == '\\' {
            if let Some(escaped) = chars.next() {
                out.push(escaped);
            }
        } else {
            out.push(ch);
        }
    }
    out.trim().to_owned().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find_all(header: impl AsRef<[u8]>, name: &CookieName) -> Vec<String> {
        let mut found = Vec::new();
        let visited: ControlFlow<std::convert::Infallible> =
            name.each_value(header.as_ref(), |value| {
                found.push(value.into_owned());
                ControlFlow::Continue(())
            });
        assert!(visited.is_continue());
        found
    }

    fn find(header: &str, name: &str) -> Option<String> {
        let name = CookieName::new(name.to_owned());
        find_all(header, &name).into_iter().next()
    }

    #[test]
    fn finds_the_named_cookie() {
        let header = "theme=dark; session=abc.def;other=1";
        assert_eq!(find(header, "session").as_deref(), Some("abc.def"));
        assert_eq!(find(header, "other").as_deref(), Some("1"));
        assert_eq!(find(header, "missing"), None);
        assert_eq!(find(header, "sess"), None);
    }

    #[test]
    fn every_cookie_of_a_repeated_name_is_found_in_order() {
        let name = CookieName::new("s".to_owned());
        let all = find_all("s=first; t=x; s=second", &name);
        assert_eq!(all, ["first", "second"]);
    }

    /// The reading `each_value` must agree with: the whole header read as
    /// UTF-8 (bytes that are not, as U+FFFD), then every `;`-separated pair,
    /// one after the other.
    fn find_all_pair_by_pair(header: &[u8], name: &str) -> Vec<String> {
        String::from_utf8_lossy(header)
            .split(';')
            .filter_map(|pair| value_if_named(pair, name).map(std::borrow::Cow::into_owned))
            .collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// Reading only the pairs that hold the name finds what reading every
        /// pair finds, in the same order: for headers of short names and
        /// values, repeated names, names inside other names and values,
        /// quotes, escapes and whitespace, ASCII and not.
        #[test]
        fn only_the_pairs_holding_the_name_are_read_with_the_same_result(
            header in r#"([ \t\u{a0}]{0,2}(s|ss|sid|x|sid2|as)?[ \u{a0}]{0,2}(=([a-z."\\ ]|sid|s=){0,6})?[ \u{3000}]{0,2};?){0,8}"#,
            name in "s|sid|ss|x|=|;|sid2",
        ) {
            let every = find_all_pair_by_pair(header.as_bytes(), &name);
            let read = find_all(&header, &CookieName::new(name));
            proptest::prop_assert_eq!(read, every);
        }

        /// The same for headers with bytes that are not UTF-8 (a lone
        /// continuation byte, a cut sequence, Latin-1), anywhere, even
        /// around the `;` and inside the name's pair.
        #[test]
        fn bytes_that_are_not_utf8_read_as_in_the_whole_header(
            header in proptest::collection::vec(
                proptest::sample::select(vec![
                    b' ', b';', b'=', b's', b'i', b'd', b'x', b'"', b'\\', 0xff, 0xc3, 0xa9, 0xa0, 0xe2, 0x82,
                ]),
                0..40,
            ),
            name in "s|sid|x",
        ) {
            let every = find_all_pair_by_pair(&header, &name);
            let read = find_all(&header, &CookieName::new(name));
            proptest::prop_assert_eq!(read, every);
        }
    }

    #[test]
    fn trims_and_unquotes() {
        assert_eq!(find("  s =  value  ", "s").as_deref(), Some("value"));
        assert_eq!(
            find("s=\"quoted value\"", "s").as_deref(),
            Some("quoted value")
        );
        assert_eq!(find(r#"s="a\"b""#, "s").as_deref(), Some("a\"b"));
        assert_eq!(find("s=", "s").as_deref(), Some(""));
        assert_eq!(find("s", "s").as_deref(), Some(""));
    }
}
