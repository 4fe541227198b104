//! Where a request carries its CSRF token, and comparing it with the
//! session's in constant time.

/// The field and parameter that carry the token.
const FIELD: &str = "_csrf";

/// The first non-blank `_csrf` value of `application/x-www-form-urlencoded` text.
fn field(encoded: &[u8]) -> Option<String> {
    form_urlencoded::parse(encoded)
        .find(|(name, _)| name == FIELD)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// The token of a form body.
pub(crate) fn form_token(body: &[u8]) -> Option<String> {
    field(body)
}

/// The token of a query.
pub(crate) fn query_token(query: &str) -> Option<String> {
    field(query.as_bytes())
}

/// Whether `submitted` is `expected`, in a time that depends on neither's
/// content: every byte of the longer is looked at, and a length that
/// differs counts as a mismatch, not as a reason to stop early.
pub(crate) fn tokens_match(submitted: &str, expected: &str) -> bool {
    let (a, b) = (submitted.as_bytes(), expected.as_bytes());
    let mut mismatch = u8::from(a.len() != b.len());
    for index in 0..a.len().max(b.len()) {
        #[cfg(test)]
        tests::compared();
        let left = a.get(index).copied().unwrap_or(0);
        let right = b.get(index).copied().unwrap_or(0);
        mismatch |= left ^ right;
    }
    // One read of the result, at the end: no branch on the bytes before it.
    std::hint::black_box(mismatch) == 0
}

/// Whether a `Content-Type` is `application/x-www-form-urlencoded` (with
/// any parameters, such as a charset).
pub(crate) fn is_form(content_type: &str) -> bool {
    content_type.split(';').next().is_some_and(|media| {
        media
            .trim()
            .eq_ignore_ascii_case("application/x-www-form-urlencoded")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static COMPARED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    pub(super) fn compared() {
        COMPARED.with(|count| count.set(count.get() + 1));
    }

    fn comparisons(submitted: &str, expected: &str) -> (bool, usize) {
        COMPARED.with(|count| count.set(0));
        let equal = tokens_match(submitted, expected);
        (equal, COMPARED.with(std::cell::Cell::get))
    }

    #[test]
    fn the_comparison_looks_at_every_byte_whatever_the_lengths() {
        let expected = "a".repeat(64);
        assert_eq!(comparisons(&expected, &expected), (true, 64));
        // A wrong first byte does not stop it, nor does a length that differs.
        assert_eq!(
            comparisons(&format!("b{}", &expected[1..]), &expected),
            (false, 64)
        );
        assert_eq!(comparisons("a", &expected), (false, 64));
        assert_eq!(comparisons("", &expected), (false, 64));
        assert_eq!(comparisons(&format!("{expected}a"), &expected), (false, 65));
        // A prefix of the token is not the token.
        assert!(!comparisons(&expected[..63], &expected).0);
    }

    #[test]
    fn tokens_are_found_in_forms_and_queries() {
        assert_eq!(form_token(b"name=Ada&_csrf=abc").as_deref(), Some("abc"));
        assert_eq!(
            form_token(b"_csrf=a%20b+c&_csrf=second").as_deref(),
            Some("a b c")
        );
        assert_eq!(form_token(b"_csrf=%20%20").as_deref(), None);
        assert_eq!(form_token(b"name=Ada").as_deref(), None);
        assert_eq!(query_token("next=%2F&_csrf=q").as_deref(), Some("q"));
    }

    #[test]
    fn form_content_types() {
        assert!(is_form("application/x-www-form-urlencoded"));
        assert!(is_form("Application/X-WWW-Form-Urlencoded; charset=UTF-8"));
        assert!(!is_form("multipart/form-data; boundary=x"));
        assert!(!is_form("application/json"));
    }
}
