//! Every branch of the cross-origin algorithm, and the CSRF origin check.

use super::*;

/// A request for the checks.
struct Head {
    method: &'static str,
    path: &'static str,
    headers: Vec<(&'static str, &'static str)>,
}

impl RequestHead for Head {
    fn method(&self) -> &str {
        self.method
    }
    fn path(&self) -> &str {
        self.path
    }
    fn query(&self) -> Option<&str> {
        None
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map(|(_, value)| *value)
    }
    fn host(&self) -> Option<&str> {
        self.header("host")
    }
}

fn request(method: &'static str, headers: &[(&'static str, &'static str)]) -> Head {
    let mut all = vec![("host", "example.com")];
    all.extend_from_slice(headers);
    Head {
        method,
        path: "/form",
        headers: all,
    }
}

#[test]
fn safe_methods_always_pass() {
    let cop = CrossOrigin::new();
    for method in ["GET", "HEAD", "OPTIONS"] {
        let cross = request(
            method,
            &[
                ("sec-fetch-site", "cross-site"),
                ("origin", "https://evil.example"),
            ],
        );
        assert_eq!(cop.check(&cross), None, "{method}");
    }
    for method in ["POST", "PUT", "PATCH", "DELETE"] {
        let cross = request(method, &[("sec-fetch-site", "cross-site")]);
        assert_eq!(
            cop.check(&cross),
            Some(Forbidden::CrossOriginRequest),
            "{method}"
        );
    }
}

#[test]
fn sec_fetch_site_decides_when_present() {
    let cop = CrossOrigin::new();
    for (site, expected) in [
        ("same-origin", None),
        ("none", None),
        ("Same-Origin", None),
        ("cross-site", Some(Forbidden::CrossOriginRequest)),
        ("same-site", Some(Forbidden::CrossOriginRequest)),
        ("garbage", Some(Forbidden::CrossOriginRequest)),
    ] {
        // The Origin, matching or not, does not matter once Sec-Fetch-Site speaks.
        let post = request(
            "POST",
            &[("sec-fetch-site", site), ("origin", "https://example.com")],
        );
        assert_eq!(cop.check(&post), expected, "{site}");
    }
    // A blank Sec-Fetch-Site counts as absent.
    let blank = request(
        "POST",
        &[("sec-fetch-site", "  "), ("origin", "https://evil.example")],
    );
    assert_eq!(
        cop.check(&blank),
        Some(Forbidden::CrossOriginRequestFromOldBrowser)
    );
}

#[test]
fn without_sec_fetch_site_the_origin_decides() {
    let cop = CrossOrigin::new();
    let cases = [
        (vec![], None),
        (vec![("origin", "  ")], None),
        (vec![("origin", "https://example.com")], None),
        (vec![("origin", "http://example.com")], None),
        (
            vec![("origin", "https://example.com:8443")],
            Some(Forbidden::CrossOriginRequestFromOldBrowser),
        ),
        (
            vec![("origin", "https://evil.example")],
            Some(Forbidden::CrossOriginRequestFromOldBrowser),
        ),
        (
            vec![("origin", "null")],
            Some(Forbidden::CrossOriginRequestFromOldBrowser),
        ),
        (
            vec![("origin", "not a url")],
            Some(Forbidden::CrossOriginRequestFromOldBrowser),
        ),
    ];
    for (headers, expected) in cases {
        let post = request("POST", &headers);
        assert_eq!(cop.check(&post), expected, "{headers:?}");
    }
}

#[test]
fn trusted_origins_and_bypass_patterns_let_requests_through() {
    let cop = CrossOrigin::new()
        .trusted_origin("https://App.Example.com:443")
        .unwrap()
        .bypass("POST /webhooks/{name}")
        .unwrap()
        .bypass("/api/{rest...}")
        .unwrap();
    let from_app = request(
        "POST",
        &[
            ("sec-fetch-site", "same-site"),
            ("origin", "https://app.example.com"),
        ],
    );
    assert_eq!(cop.check(&from_app), None, "trusted, normalized");
    let old_browser = request("POST", &[("origin", "https://app.example.com")]);
    assert_eq!(cop.check(&old_browser), None);
    let other = request(
        "POST",
        &[
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://evil.example"),
        ],
    );
    assert_eq!(cop.check(&other), Some(Forbidden::CrossOriginRequest));

    let hook = |method, path| Head {
        method,
        path,
        headers: vec![("host", "example.com"), ("sec-fetch-site", "cross-site")],
    };
    assert_eq!(cop.check(&hook("POST", "/webhooks/stripe")), None);
    assert_eq!(
        cop.check(&hook("PUT", "/webhooks/stripe")),
        Some(Forbidden::CrossOriginRequest),
        "the pattern names POST"
    );
    assert_eq!(
        cop.check(&hook("DELETE", "/api/a/b")),
        None,
        "tail wildcard"
    );
    assert_eq!(
        cop.check(&hook("POST", "/apis")),
        Some(Forbidden::CrossOriginRequest)
    );
}

#[test]
fn invalid_trusted_origins_are_refused() {
    for (origin, why) in [
        ("", "must not be empty"),
        ("https://example.com/", "trailing slash"),
        ("https://example.com/path", "path, query or fragment"),
        ("https://example.com?q", "path, query or fragment"),
        ("https://example.com#f", "path, query or fragment"),
        ("example.com", "invalid origin"),
        ("https://user@example.com", "invalid origin"),
    ] {
        let error = CrossOrigin::new()
            .trusted_origin(origin)
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains(why), "{origin}: {error}");
    }
}

#[test]
fn off_lets_everything_through() {
    let cross = request("POST", &[("sec-fetch-site", "cross-site")]);
    assert_eq!(CrossOrigin::off().check(&cross), None);
    assert!(!CrossOrigin::off().is_on());
}

#[test]
fn the_csrf_origin_is_the_origin_or_the_referer() {
    let check =
        |headers: &[(&'static str, &'static str)]| Csrf::check_origin(&request("POST", headers));
    assert_eq!(check(&[]), None, "a missing origin is allowed");
    assert_eq!(check(&[("origin", "https://example.com")]), None);
    assert_eq!(
        check(&[("origin", "https://evil.example")]),
        Some(Forbidden::InvalidOrigin)
    );
    assert_eq!(check(&[("referer", "https://example.com/form?x")]), None);
    assert_eq!(
        check(&[("referer", "https://evil.example/page")]),
        Some(Forbidden::InvalidOrigin)
    );
    assert_eq!(
        check(&[
            ("origin", "https://example.com"),
            ("referer", "https://evil.example/")
        ]),
        None,
        "the Origin wins"
    );
    assert_eq!(check(&[("referer", "garbage")]), None, "no URL: no origin");
    assert_eq!(
        check(&[("origin", "garbage")]),
        Some(Forbidden::InvalidOrigin)
    );
}

#[test]
fn header_tokens_in_the_reference_order() {
    let head = request(
        "POST",
        &[
            ("csrf-token", "third"),
            ("x-xsrf-token", "second"),
            ("x-csrf-token", " first "),
        ],
    );
    assert_eq!(Csrf::header_token(&head), Some("first"));
    let head = request("POST", &[("csrf-token", "third"), ("x-csrf-token", "  ")]);
    assert_eq!(
        Csrf::header_token(&head),
        Some("third"),
        "a blank header is skipped"
    );
}

#[test]
fn reasons_and_messages_are_the_references() {
    assert_eq!(
        Forbidden::CrossOriginRequest.reason(),
        "cross-origin-request"
    );
    assert_eq!(
        Forbidden::InvalidToken.message(),
        "Forbidden: invalid CSRF token"
    );
    assert_eq!(Forbidden::MissingToken.to_string(), "missing-token");
}
