//! Reading one cookie out of a `Cookie` request header, as the reference
//! parser does: `;`-separated `name=value` pairs, whitespace trimmed, quoted
//! values unquoted. A header may hold several cookies of one name (a sibling
//! subdomain or a path can plant one); all of them are returned, in order.

/// The raw values of every cookie called `name`, unquoted, in header order.
pub(crate) fn find_all<'a>(
    header: &'a str,
    name: &'a str,
) -> impl Iterator<Item = std::borrow::Cow<'a, str>> + 'a {
    pairs(header).filter_map(move |pair| {
        let (key, value) = match pair.split_once('=') {
            Some((key, value)) => (key.trim(), value.trim()),
            None => (pair.trim(), ""),
        };
        (key == name).then(|| unquote(value))
    })
}

/// The `;`-separated parts of `header`, as `header.split(';')` gives them,
/// found with a vectorized search: a session cookie's value is long, and
/// most of a `Cookie` header.
fn pairs(header: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(header);
    std::iter::from_fn(move || {
        let text = rest?;
        if let Some(at) = memchr::memchr(b';', text.as_bytes()) {
            rest = Some(&text[at + 1..]);
            Some(&text[..at])
        } else {
            rest = None;
            Some(text)
        }
    })
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

    fn find<'a>(header: &'a str, name: &'a str) -> Option<std::borrow::Cow<'a, str>> {
        find_all(header, name).next()
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
        let all: Vec<_> = find_all("s=first; t=x; s=second", "s").collect();
        assert_eq!(all, ["first", "second"]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// The parts are the ones `str::split(';')` gives, empty ones included.
        #[test]
        fn a_header_is_split_as_str_split_splits_it(header in "[a-z=; ]{0,40}") {
            let parts: Vec<&str> = pairs(&header).collect();
            let split: Vec<&str> = header.split(';').collect();
            proptest::prop_assert_eq!(parts, split);
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
