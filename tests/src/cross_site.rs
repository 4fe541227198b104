//! The cross-site protections of the session layers, rule by rule, written
//! once for every framework (the routes of [`Framework`]).
#![allow(
    clippy::missing_panics_doc,
    reason = "every flow panics when the behaviour it checks is broken: it is a test"
)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use session_schema::{CrossOrigin, Csrf};

use crate::http::{Body, Jar, Response, request};
use crate::web::{Framework, Probe, Setup};

/// The reference's refusal texts.
const CROSS_SITE: &str = "Forbidden: cross-origin request detected from Sec-Fetch-Site header";
const OLD_BROWSER: &str = "Forbidden: cross-origin request detected, and/or browser is out of date: Sec-Fetch-Site is missing, and Origin does not match Host";
const INVALID_ORIGIN: &str = "Forbidden: invalid CSRF origin";
const MISSING_TOKEN: &str = "Forbidden: missing CSRF token";
const INVALID_TOKEN: &str = "Forbidden: invalid CSRF token";

/// The origin of the test server, as a browser on it sends it.
fn own_origin(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// What a case expects: the handler's answer, or a refusal with this body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Handled,
    Refused(&'static str),
}

/// Sends a request without a body or cookie and checks the answer, and that
/// a refused request ran neither the handler nor the storage.
async fn check(
    addr: SocketAddr,
    probe: &Probe,
    (method, path): (&str, &str),
    headers: &[(&str, &str)],
    expect: Expect,
) {
    let before = (
        probe.handled.load(Ordering::SeqCst),
        probe.reads.load(Ordering::SeqCst),
    );
    let response = request(addr, method, path, headers, Body::Sized(b"")).await;
    let after = (
        probe.handled.load(Ordering::SeqCst),
        probe.reads.load(Ordering::SeqCst),
    );
    match expect {
        Expect::Handled => {
            assert_eq!(
                response.status, 200,
                "{method} {path} {headers:?}: {response:?}"
            );
            if method != "HEAD" {
                assert!(
                    response.body.starts_with(&format!("handled {method} ")),
                    "{method} {path} {headers:?}: {}",
                    response.body
                );
            }
            assert_eq!(
                after.0,
                before.0 + 1,
                "{method} {path} {headers:?}: the handler ran once"
            );
        }
        Expect::Refused(text) => {
            assert_eq!(
                response.status, 403,
                "{method} {path} {headers:?}: {response:?}"
            );
            assert_eq!(response.body, text, "{method} {path} {headers:?}");
            assert_eq!(
                after, before,
                "{method} {path} {headers:?}: neither handler nor storage ran"
            );
        }
    }
}

/// Every branch of the tokenless check with the default settings: safe
/// methods pass; `Sec-Fetch-Site` decides when present; without it, the
/// `Origin` decides; with neither, the request passes. A refusal runs
/// neither the handler nor the storage.
pub async fn cross_origin_requests_are_refused_by_default<F: Framework>() {
    let probe = Probe::memory();
    let addr = F::start(Setup::over(&probe)).await;
    let own = own_origin(addr);
    let other_port = format!("http://127.0.0.1:{}", addr.port().wrapping_add(1).max(1));
    let post = ("POST", "/submit");
    let cross = [
        ("Sec-Fetch-Site", "cross-site"),
        ("Origin", "https://evil.example"),
    ];
    for method in ["GET", "HEAD", "OPTIONS"] {
        check(addr, &probe, (method, "/submit"), &cross, Expect::Handled).await;
    }
    for method in ["POST", "PUT", "PATCH", "DELETE"] {
        check(
            addr,
            &probe,
            (method, "/submit"),
            &cross,
            Expect::Refused(CROSS_SITE),
        )
        .await;
    }
    for (site, expect) in [
        ("same-origin", Expect::Handled),
        ("none", Expect::Handled),
        ("SAME-ORIGIN", Expect::Handled),
        ("cross-site", Expect::Refused(CROSS_SITE)),
        ("same-site", Expect::Refused(CROSS_SITE)),
        ("something-else", Expect::Refused(CROSS_SITE)),
    ] {
        // Sec-Fetch-Site wins over an Origin that says otherwise.
        check(
            addr,
            &probe,
            post,
            &[("Sec-Fetch-Site", site), ("Origin", "https://evil.example")],
            expect,
        )
        .await;
    }
    check(
        addr,
        &probe,
        post,
        &[("Sec-Fetch-Site", "cross-site"), ("Origin", &own)],
        Expect::Refused(CROSS_SITE),
    )
    .await;
    // No Sec-Fetch-Site: an older browser, judged by its Origin.
    for (origin, expect) in [
        (own.as_str(), Expect::Handled),
        ("https://evil.example", Expect::Refused(OLD_BROWSER)),
        (other_port.as_str(), Expect::Refused(OLD_BROWSER)),
        ("null", Expect::Refused(OLD_BROWSER)),
        ("not a url", Expect::Refused(OLD_BROWSER)),
    ] {
        check(addr, &probe, post, &[("Origin", origin)], expect).await;
    }
    // Neither header: not a browser.
    check(addr, &probe, post, &[], Expect::Handled).await;
    check(
        addr,
        &probe,
        post,
        &[("Sec-Fetch-Site", ""), ("Origin", " ")],
        Expect::Handled,
    )
    .await;
}

/// Trusted origins and bypass patterns (with and without a method, with a
/// tail wildcard) let unsafe cross-origin requests through; nothing else.
pub async fn trusted_origins_and_bypass_patterns_let_requests_through<F: Framework>() {
    let probe = Probe::memory();
    let mut setup = Setup::over(&probe);
    setup.cross_origin = Some(
        CrossOrigin::new()
            .trusted_origin("https://app.example")
            .unwrap()
            .bypass("POST /webhooks/{name}")
            .unwrap()
            .bypass("/api/{rest...}")
            .unwrap(),
    );
    let addr = F::start(setup).await;
    let site = ("Sec-Fetch-Site", "cross-site");
    let evil = ("Origin", "https://evil.example");
    for (method, path, origin, expect) in [
        ("POST", "/submit", "https://app.example", Expect::Handled),
        (
            "POST",
            "/submit",
            "https://APP.example:443",
            Expect::Handled,
        ),
        (
            "POST",
            "/submit",
            "https://app.example:8443",
            Expect::Refused(CROSS_SITE),
        ),
        (
            "POST",
            "/submit",
            "http://app.example",
            Expect::Refused(CROSS_SITE),
        ),
        ("POST", "/webhooks/stripe", evil.1, Expect::Handled),
        (
            "PUT",
            "/webhooks/stripe",
            evil.1,
            Expect::Refused(CROSS_SITE),
        ),
        (
            "POST",
            "/webhooks/stripe/extra",
            evil.1,
            Expect::Refused(CROSS_SITE),
        ),
        ("DELETE", "/api/carts/7/items", evil.1, Expect::Handled),
        ("PATCH", "/api", evil.1, Expect::Handled),
        ("POST", "/submit", evil.1, Expect::Refused(CROSS_SITE)),
    ] {
        check(
            addr,
            &probe,
            (method, path),
            &[site, ("Origin", origin)],
            expect,
        )
        .await;
    }
    // The exemptions apply to older browsers too.
    check(
        addr,
        &probe,
        ("POST", "/submit"),
        &[("Origin", "https://app.example")],
        Expect::Handled,
    )
    .await;
    check(
        addr,
        &probe,
        ("POST", "/webhooks/github"),
        &[evil],
        Expect::Handled,
    )
    .await;
    check(
        addr,
        &probe,
        ("POST", "/submit"),
        &[evil],
        Expect::Refused(OLD_BROWSER),
    )
    .await;
}

/// `CrossOrigin::off()` lets everything through, and `on_forbidden`
/// replaces the refusal.
pub async fn the_protection_can_be_turned_off_or_answer_otherwise<F: Framework>() {
    let probe = Probe::memory();
    let mut setup = Setup::over(&probe);
    setup.cross_origin = Some(CrossOrigin::off());
    let addr = F::start(setup).await;
    let cross = [
        ("Sec-Fetch-Site", "cross-site"),
        ("Origin", "https://evil.example"),
    ];
    check(addr, &probe, ("POST", "/submit"), &cross, Expect::Handled).await;

    let probe = Probe::memory();
    let mut setup = Setup::over(&probe);
    setup.custom_forbidden = true;
    let addr = F::start(setup).await;
    let response = request(addr, "DELETE", "/submit", &cross, Body::Sized(b"")).await;
    assert_eq!(response.status, 451);
    assert_eq!(response.body, "refused: cross-origin-request on /submit");
    let response = request(addr, "POST", "/submit", &cross[1..], Body::Sized(b"")).await;
    assert_eq!(
        response.body,
        "refused: cross-origin-request-from-old-browser on /submit"
    );
    assert_eq!(probe.handled.load(Ordering::SeqCst), 0);
}

/// A server with the CSRF check, and a browser holding a session and its token.
async fn with_token<F: Framework>(csrf: Csrf) -> (SocketAddr, Arc<Probe>, Jar, String) {
    let probe = Probe::memory();
    let mut setup = Setup::over(&probe);
    setup.csrf = Some(csrf);
    let addr = F::start(setup).await;
    let mut jar = Jar::default();
    let token = jar.send(addr, "GET", "/csrf-token", None).await;
    assert_eq!(token.status, 200);
    assert_eq!(token.body.len(), 64, "{}", token.body);
    assert!(
        token
            .body
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert!(jar.header().is_some(), "the token is kept in the session");
    let again = jar.send(addr, "GET", "/csrf-token", None).await;
    assert_eq!(again.body, token.body, "one token for the session");
    (addr, probe, jar, token.body)
}

const FORM: &str = "application/x-www-form-urlencoded";

/// Sends `body` as a form (or without a type when `content_type` is empty).
async fn post(
    jar: &mut Jar,
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    content_type: &str,
    body: &str,
) -> Response {
    let mut all = headers.to_vec();
    if !content_type.is_empty() {
        all.push(("Content-Type", content_type));
    }
    jar.request(addr, "POST", path, &all, Body::Sized(body.as_bytes()))
        .await
}

/// The token is taken from the headers (in the reference's order), then the
/// form body, then the query; the first place that has one decides, and a
/// wrong token there is refused even if a later place has the right one.
pub async fn csrf_tokens_come_from_headers_then_the_form_then_the_query<F: Framework>() {
    let (addr, probe, mut jar, token) = with_token::<F>(Csrf::new()).await;
    let wrong = "0".repeat(64);
    let form_with = |value: &str| format!("name=Ada+Lovelace&_csrf={value}&note=%C3%A9");
    let query_with = |value: &str| format!("/submit?_csrf={value}");
    let handled = |response: &Response| {
        assert_eq!(response.status, 200, "{response:?}");
        response.body.clone()
    };
    // Nothing anywhere.
    let none = post(&mut jar, addr, "/submit", &[], FORM, "name=Ada").await;
    assert_eq!((none.status, none.body.as_str()), (403, MISSING_TOKEN));
    // Each header alone.
    for name in ["X-Csrf-Token", "X-Xsrf-Token", "Csrf-Token", "x-csrf-token"] {
        let response = post(&mut jar, addr, "/submit", &[(name, &token)], "", "").await;
        assert_eq!(handled(&response), "handled POST body= name=", "{name}");
        let response = post(&mut jar, addr, "/submit", &[(name, &wrong)], "", "").await;
        assert_eq!(
            (response.status, response.body.as_str()),
            (403, INVALID_TOKEN),
            "{name}"
        );
    }
    // A blank header counts as none; the next place is looked at.
    let blank = post(
        &mut jar,
        addr,
        "/submit",
        &[("X-Csrf-Token", "  ")],
        FORM,
        &form_with(&token),
    )
    .await;
    assert_eq!(blank.status, 200, "{blank:?}");
    // Headers before the form, the form before the query.
    let header_first = post(
        &mut jar,
        addr,
        "/submit",
        &[("X-Csrf-Token", &wrong)],
        FORM,
        &form_with(&token),
    )
    .await;
    assert_eq!(header_first.body, INVALID_TOKEN);
    let header_wins = post(
        &mut jar,
        addr,
        "/submit",
        &[("X-Csrf-Token", &token)],
        FORM,
        &form_with(&wrong),
    )
    .await;
    assert_eq!(header_wins.status, 200);
    let form_first = post(
        &mut jar,
        addr,
        &query_with(&token),
        &[],
        FORM,
        &form_with(&wrong),
    )
    .await;
    assert_eq!(form_first.body, INVALID_TOKEN);
    let form_wins = post(
        &mut jar,
        addr,
        &query_with(&wrong),
        &[],
        FORM,
        &form_with(&token),
    )
    .await;
    assert_eq!(form_wins.status, 200);
    assert_eq!(probe.handled.load(Ordering::SeqCst), 4 + 1 + 1 + 1);
    // One storage read per request that had a token to compare (the
    // handler got that session, with no second read), none for a request
    // refused for having none: 2 token pages, 8 header cases, 5 with a
    // form or query token.
    assert_eq!(probe.reads.load(Ordering::SeqCst), 2 + 8 + 5);
}

/// The form body reaches the handler intact; a form without the field, or
/// a body that is no form, is looked for in the query; every unsafe method
/// is checked.
pub async fn csrf_forms_reach_the_handler_and_other_bodies_use_the_query<F: Framework>() {
    let (addr, probe, mut jar, token) = with_token::<F>(Csrf::new()).await;
    let query_with = |value: &str| format!("/submit?_csrf={value}");
    let handled = |response: &Response| {
        assert_eq!(response.status, 200, "{response:?}");
        response.body.clone()
    };
    // The form body reaches the handler intact.
    let body = format!("name=Ada+Lovelace&_csrf={token}&note=%C3%A9");
    let form = post(
        &mut jar,
        addr,
        "/submit",
        &[],
        "application/x-www-form-urlencoded; charset=UTF-8",
        &body,
    )
    .await;
    assert_eq!(handled(&form), format!("handled POST body={body} name="));
    // A form without the field: the query.
    let query = post(&mut jar, addr, &query_with(&token), &[], FORM, "name=Ada").await;
    assert_eq!(handled(&query), "handled POST body=name=Ada name=");
    // Not a form: the query only, and the body is not looked at.
    let json = post(
        &mut jar,
        addr,
        &query_with(&token),
        &[],
        "application/json",
        r#"{"_csrf":"x"}"#,
    )
    .await;
    assert_eq!(handled(&json), r#"handled POST body={"_csrf":"x"} name="#);
    let json = post(
        &mut jar,
        addr,
        "/submit",
        &[],
        "application/json",
        &format!(r#"{{"_csrf":"{token}"}}"#),
    )
    .await;
    assert_eq!(json.body, MISSING_TOKEN);
    // The right token in the right place for every unsafe method.
    for method in ["PUT", "PATCH", "DELETE"] {
        let response = jar
            .request(
                addr,
                method,
                "/submit",
                &[("X-Csrf-Token", &token)],
                Body::Sized(b""),
            )
            .await;
        assert_eq!(response.status, 200, "{method}");
        let response = jar
            .request(addr, method, "/submit", &[], Body::Sized(b""))
            .await;
        assert_eq!(response.body, MISSING_TOKEN, "{method}");
    }
    assert_eq!(probe.handled.load(Ordering::SeqCst), 3 + 3);
    // One read per request with a token: 2 token pages, 3 bodies, 3 methods.
    assert_eq!(probe.reads.load(Ordering::SeqCst), 2 + 3 + 3);
}

/// A multipart form is not read for its token: it carries the token in a
/// header or the query.
pub async fn a_multipart_form_carries_the_token_in_a_header_or_the_query<F: Framework>() {
    let (addr, _, mut jar, token) = with_token::<F>(Csrf::new()).await;
    let multipart = "multipart/form-data; boundary=XyZ";
    let body = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{token}\r\n--XyZ--\r\n"
    );
    let in_body = post(&mut jar, addr, "/submit", &[], multipart, &body).await;
    assert_eq!(
        (in_body.status, in_body.body.as_str()),
        (403, MISSING_TOKEN)
    );
    let in_query = post(
        &mut jar,
        addr,
        &format!("/submit?_csrf={token}"),
        &[],
        multipart,
        &body,
    )
    .await;
    assert_eq!(in_query.status, 200, "{in_query:?}");
    assert!(
        in_query.body.contains("name=\"_csrf\""),
        "the body is handed on: {}",
        in_query.body
    );
    let in_header = post(
        &mut jar,
        addr,
        "/submit",
        &[("Csrf-Token", &token)],
        multipart,
        &body,
    )
    .await;
    assert_eq!(in_header.status, 200);
}

/// A form body larger than the limit is refused with 413 before the handler,
/// whether its length is declared or found by reading; a token in a header
/// lets a large body through unread.
pub async fn a_form_larger_than_the_limit_is_refused<F: Framework>() {
    let (addr, probe, mut jar, token) = with_token::<F>(Csrf::new().form_limit(1024)).await;
    let large = format!("_csrf={token}&text={}", "a".repeat(2000));
    let fits = format!("_csrf={token}&text={}", "a".repeat(1024 - 76));
    assert_eq!(fits.len(), 1024);
    let fitting = post(&mut jar, addr, "/submit", &[], FORM, &fits).await;
    assert_eq!(fitting.status, 200, "a body of exactly the limit is read");
    for body in [
        Body::Sized(large.as_bytes()),
        Body::Chunked(large.as_bytes()),
    ] {
        let response = jar
            .request(addr, "POST", "/submit", &[("Content-Type", FORM)], body)
            .await;
        assert_eq!(response.status, 413, "{body:?}: {response:?}");
        assert!(
            response.body.contains("send the token in a header"),
            "{}",
            response.body
        );
    }
    let chunked = jar
        .request(
            addr,
            "POST",
            "/submit",
            &[("Content-Type", FORM)],
            Body::Chunked(fits.as_bytes()),
        )
        .await;
    assert_eq!(
        chunked.status, 200,
        "a chunked body within the limit is read: {chunked:?}"
    );
    assert!(chunked.body.ends_with("aaa name="), "and handed on whole");
    let with_header = post(
        &mut jar,
        addr,
        "/submit",
        &[("X-Csrf-Token", &token)],
        FORM,
        &large,
    )
    .await;
    assert_eq!(with_header.status, 200);
    assert!(with_header.body.contains(&large));
    assert_eq!(probe.handled.load(Ordering::SeqCst), 3);
}

/// A token is bound to its session: another session's token, or any token
/// sent by a session that has none, is refused.
pub async fn a_token_of_another_session_is_refused<F: Framework>() {
    let (addr, _, mut jar, token) = with_token::<F>(Csrf::new()).await;
    let mut other = Jar::default();
    let other_token = other.send(addr, "GET", "/csrf-token", None).await.body;
    assert_ne!(other_token, token);
    let crossed = post(
        &mut jar,
        addr,
        "/submit",
        &[("X-Csrf-Token", &other_token)],
        "",
        "",
    )
    .await;
    assert_eq!(crossed.body, INVALID_TOKEN);
    let crossed = post(
        &mut other,
        addr,
        "/submit",
        &[("X-Csrf-Token", &token)],
        "",
        "",
    )
    .await;
    assert_eq!(crossed.body, INVALID_TOKEN);
    let mut stranger = Jar::default();
    let without = post(
        &mut stranger,
        addr,
        "/submit",
        &[("X-Csrf-Token", &token)],
        "",
        "",
    )
    .await;
    assert_eq!(without.body, INVALID_TOKEN, "a request without a session");
    let mut fresh = Jar::default();
    fresh.send(addr, "GET", "/", None).await;
    let fresh = post(
        &mut fresh,
        addr,
        "/submit",
        &[("X-Csrf-Token", &token)],
        "",
        "",
    )
    .await;
    assert_eq!(
        fresh.body, INVALID_TOKEN,
        "a session that never made a token"
    );
    // A prefix of the right token is not the token.
    let prefix = post(
        &mut jar,
        addr,
        "/submit",
        &[("X-Csrf-Token", &token[..63])],
        "",
        "",
    )
    .await;
    assert_eq!(prefix.body, INVALID_TOKEN);
}

/// With the token check, the `Origin` (or the `Referer`'s origin) must be
/// the request's own when present; a `Referer` that is no URL counts as none.
pub async fn the_csrf_check_refuses_another_origin<F: Framework>() {
    let (addr, _, mut jar, token) = with_token::<F>(Csrf::new()).await;
    let own = own_origin(addr);
    let own_page = format!("{own}/form?x=1");
    let token_header = ("X-Csrf-Token", token.as_str());
    // `Sec-Fetch-Site: same-origin` passes the tokenless check, so the
    // CSRF origin check is the one that answers.
    let same_site = ("Sec-Fetch-Site", "same-origin");
    for (headers, expect) in [
        (vec![("Origin", own.as_str())], 200),
        (vec![("Referer", own_page.as_str())], 200),
        (vec![("Referer", "not a url")], 200),
        (vec![], 200),
        (vec![same_site, ("Origin", "https://evil.example")], 403),
        (vec![("Referer", "https://evil.example/page")], 403),
        (
            vec![
                same_site,
                ("Origin", "https://evil.example"),
                ("Referer", own_page.as_str()),
            ],
            403,
        ),
        (vec![same_site, ("Origin", "null")], 403),
    ] {
        let mut all = headers.clone();
        all.push(token_header);
        let response = post(&mut jar, addr, "/submit", &all, "", "").await;
        assert_eq!(response.status, expect, "{headers:?}: {response:?}");
        if expect == 403 {
            assert_eq!(response.body, INVALID_ORIGIN, "{headers:?}");
        }
    }
    // The origin is checked before the token.
    let response = post(
        &mut jar,
        addr,
        "/submit",
        &[("Referer", "https://evil.example/")],
        "",
        "",
    )
    .await;
    assert_eq!(response.body, INVALID_ORIGIN);
}

/// With the token check on, safe requests are not checked: a route without
/// a session reads none, and one with a session reads it once, for the handler.
pub async fn safe_requests_pass_the_csrf_check_unread<F: Framework>() {
    let probe = Probe::memory();
    let mut setup = Setup::over(&probe);
    setup.csrf = Some(Csrf::new());
    let addr = F::start(setup).await;
    let response = request(addr, "GET", "/plain", &[], Body::Sized(b"")).await;
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(probe.reads.load(Ordering::SeqCst), 0);
    for method in ["GET", "HEAD", "OPTIONS"] {
        let response = request(addr, method, "/submit", &[], Body::Sized(b"")).await;
        assert_eq!(response.status, 200, "{method}: {response:?}");
    }
    assert_eq!(probe.handled.load(Ordering::SeqCst), 3);
    assert_eq!(probe.reads.load(Ordering::SeqCst), 3);
}
