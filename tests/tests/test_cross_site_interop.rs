//! The cross-site protections against the reference middlewares
//! (`@remix-run/cop-middleware@0.1.4`, `@remix-run/csrf-middleware@0.1.4`,
//! run by `tests/node/cross-site.mjs`):
//!
//! - the tokenless check gives the reference's verdict on the same requests,
//!   in both frameworks;
//! - a Rust service and a Node.js service sharing sessions (through the
//!   cookie, and through one directory) accept each other's CSRF tokens and
//!   both refuse a wrong one.

use std::net::SocketAddr;

use serde_json::{Value, json};
use session_schema::{CrossOrigin, Csrf};
use session_tests::http::{Body, Jar, request};
use session_tests::reference::{cookie_pair, run_script};
use session_tests::servers::actix::Actix;
use session_tests::servers::axum::Axum;
use session_tests::web::{Framework, Probe, SECRET, Setup};

/// A request both checks judge: method, path, headers.
type Case = (&'static str, &'static str, Vec<(String, String)>);

/// The requests both checks judge.
fn cop_cases(addr: SocketAddr) -> Vec<Case> {
    let own = format!("http://{addr}");
    let other_port = format!("http://127.0.0.1:{}", addr.port().wrapping_add(1).max(1));
    let h = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    };
    let mut cases = Vec::new();
    for method in ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"] {
        cases.push((method, "/submit", h(&[("Sec-Fetch-Site", "cross-site")])));
    }
    for site in [
        "same-origin",
        "none",
        "same-site",
        "cross-site",
        "Same-Origin",
        "bogus",
        " ",
    ] {
        cases.push((
            "POST",
            "/submit",
            h(&[("Sec-Fetch-Site", site), ("Origin", "https://evil.example")]),
        ));
    }
    for origin in [
        own.as_str(),
        other_port.as_str(),
        "https://evil.example",
        "https://app.example",
        "https://APP.example:443",
        "https://app.example:8443",
        "null",
        "not a url",
        "",
    ] {
        cases.push(("POST", "/submit", h(&[("Origin", origin)])));
        cases.push((
            "POST",
            "/submit",
            h(&[("Sec-Fetch-Site", "cross-site"), ("Origin", origin)]),
        ));
    }
    for (method, path) in [
        ("POST", "/webhooks/stripe"),
        ("PUT", "/webhooks/stripe"),
        ("POST", "/webhooks/stripe/x"),
        ("POST", "/webhooks"),
        ("DELETE", "/api"),
        ("DELETE", "/api/a/b/c"),
        ("POST", "/apis"),
    ] {
        cases.push((method, path, h(&[("Sec-Fetch-Site", "cross-site")])));
        cases.push((method, path, h(&[("Origin", "https://evil.example")])));
    }
    cases.push(("POST", "/submit", Vec::new()));
    cases
}

/// The reference's verdict (its 403 text, or `None`) on each case.
fn reference_verdicts(addr: SocketAddr, options: &Value, cases: &[Case]) -> Vec<Option<String>> {
    let requests: Vec<Value> = cases
        .iter()
        .map(|(method, path, headers)| {
            let headers: serde_json::Map<String, Value> = headers
                .iter()
                .map(|(name, value)| (name.clone(), json!(value)))
                .collect();
            json!({"method": method, "url": format!("http://{addr}{path}"), "headers": headers})
        })
        .collect();
    let output = run_script(
        "cross-site.mjs",
        &json!({"mode": "cop", "options": options, "requests": requests}),
    );
    serde_json::from_value(output["verdicts"].clone()).unwrap()
}

async fn verdicts_agree<F: Framework>(configured: bool) {
    let probe = Probe::memory();
    let mut setup = Setup::over(&probe);
    let options = if configured {
        setup.cross_origin = Some(
            CrossOrigin::new()
                .trusted_origin("https://app.example")
                .unwrap()
                .bypass("POST /webhooks/{name}")
                .unwrap()
                .bypass("/api/{rest...}")
                .unwrap(),
        );
        json!({
            "trustedOrigins": ["https://app.example"],
            "insecureBypassPatterns": ["POST /webhooks/{name}", "/api/{rest...}"],
        })
    } else {
        json!({})
    };
    let addr = F::start(setup).await;
    let cases = cop_cases(addr);
    let expected = reference_verdicts(addr, &options, &cases);
    for ((method, path, headers), expected) in cases.iter().zip(&expected) {
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        let response = request(addr, method, path, &headers, Body::Sized(b"")).await;
        let verdict = (response.status == 403).then_some(response.body.clone());
        assert_eq!(
            &verdict, expected,
            "{method} {path} {headers:?}: {response:?}"
        );
    }
    // The table exercises every outcome: passing, and both refusals.
    let count = |wanted: Option<&str>| {
        expected
            .iter()
            .filter(|got| got.as_deref() == wanted)
            .count()
    };
    let passed = count(None);
    let by_header = count(Some(
        "Forbidden: cross-origin request detected from Sec-Fetch-Site header",
    ));
    let by_origin = expected.len() - passed - by_header;
    assert!(
        passed >= 5 && by_header >= 5 && by_origin >= 3,
        "{passed} passed, {by_header} and {by_origin} refused"
    );
}

#[tokio::test]
async fn axum_cross_origin_verdicts_are_the_references() {
    verdicts_agree::<Axum>(false).await;
    verdicts_agree::<Axum>(true).await;
}

#[tokio::test]
async fn actix_cross_origin_verdicts_are_the_references() {
    verdicts_agree::<Actix>(false).await;
    verdicts_agree::<Actix>(true).await;
}

/// Where the two services keep sessions.
#[derive(Clone, Copy)]
enum Shared<'a> {
    Cookie,
    Directory(&'a std::path::Path),
}

impl Shared<'_> {
    fn probe(self) -> std::sync::Arc<Probe> {
        match self {
            Shared::Cookie => Probe::cookie(),
            Shared::Directory(dir) => Probe::fs(dir),
        }
    }

    /// One request through the Node.js service: the reference's session and
    /// CSRF middlewares in front of a handler answering `token=<token>`.
    fn node(
        self,
        addr: SocketAddr,
        jar: &Jar,
        (method, path): (&str, &str),
        headers: &[(&str, &str)],
        form: Option<&str>,
    ) -> Value {
        let mut all: serde_json::Map<String, Value> = headers
            .iter()
            .map(|(name, value)| ((*name).to_owned(), json!(value)))
            .collect();
        if let Some(cookie) = jar.header() {
            all.insert("Cookie".into(), json!(cookie));
        }
        if form.is_some() {
            all.insert(
                "Content-Type".into(),
                json!("application/x-www-form-urlencoded"),
            );
        }
        let (storage, dir) = match self {
            Shared::Cookie => ("cookie", Value::Null),
            Shared::Directory(dir) => ("fs", json!(dir.to_str().unwrap())),
        };
        run_script(
            "cross-site.mjs",
            &json!({
                "mode": "csrf", "storage": storage, "dir": dir,
                "cookieName": "sid", "secrets": [SECRET],
                "method": method, "url": format!("http://{addr}{path}"),
                "headers": all, "body": form,
            }),
        )
    }
}

/// Keeps the session cookie a Node.js response set.
fn keep(jar: &mut Jar, node: &Value) {
    if let Some(set_cookie) = node["setCookie"].as_str() {
        let (name, value) = cookie_pair(set_cookie).split_once('=').unwrap();
        jar.set(name, value);
    }
}

/// A Rust service with the CSRF check over the shared storage.
async fn rust_service(shared: Shared<'_>) -> SocketAddr {
    let mut setup = Setup::over(&shared.probe());
    setup.csrf = Some(Csrf::new());
    Axum::start(setup).await
}

/// Node.js makes the token; Rust sees the same one, accepts it in a header
/// and a form, and refuses another.
async fn a_node_token_passes_rust(shared: Shared<'_>) {
    let addr = rust_service(shared).await;
    let wrong = "f".repeat(64);
    let mut jar = Jar::default();
    let issued = shared.node(addr, &jar, ("GET", "/"), &[], None);
    keep(&mut jar, &issued);
    let node_token = issued["body"]
        .as_str()
        .unwrap()
        .strip_prefix("token=")
        .unwrap()
        .to_owned();
    assert_eq!(node_token.len(), 64);
    let seen = jar.send(addr, "GET", "/csrf-token", None).await;
    assert_eq!(seen.body, node_token, "Rust reads the token Node.js stored");
    for (headers, form) in [
        (vec![("X-Csrf-Token", node_token.as_str())], None),
        (vec![], Some(format!("_csrf={node_token}&item=tea"))),
    ] {
        let response = jar
            .request(
                addr,
                "POST",
                "/submit",
                &with_form(&headers, form.as_deref()),
                body(form.as_deref()),
            )
            .await;
        assert_eq!(response.status, 200, "{headers:?} {form:?}: {response:?}");
    }
    let refused = jar
        .request(
            addr,
            "POST",
            "/submit",
            &[("X-Csrf-Token", &wrong)],
            Body::Sized(b""),
        )
        .await;
    assert_eq!(
        (refused.status, refused.body.as_str()),
        (403, "Forbidden: invalid CSRF token")
    );
}

/// Rust makes the token; Node.js sees the same one and accepts it in a
/// header and a form; both refuse the same wrong requests with the same words.
async fn a_rust_token_passes_node(shared: Shared<'_>) {
    let addr = rust_service(shared).await;
    let wrong = "f".repeat(64);
    let mut jar = Jar::default();
    let rust_token = jar.send(addr, "GET", "/csrf-token", None).await.body;
    assert_eq!(rust_token.len(), 64);
    let seen = shared.node(addr, &jar, ("GET", "/"), &[], None);
    assert_eq!(
        seen["body"],
        json!(format!("token={rust_token}")),
        "Node.js reads the token Rust stored"
    );
    let by_header = shared.node(
        addr,
        &jar,
        ("POST", "/"),
        &[("X-Csrf-Token", &rust_token)],
        None,
    );
    assert_eq!(by_header["status"], json!(200), "{by_header}");
    let form = format!("item=tea&_csrf={rust_token}");
    let by_form = shared.node(addr, &jar, ("POST", "/"), &[], Some(&form));
    assert_eq!(by_form["status"], json!(200), "{by_form}");
    let origin = format!("http://{addr}");
    let with_origin = shared.node(
        addr,
        &jar,
        ("POST", "/"),
        &[("Origin", &origin), ("X-Csrf-Token", &rust_token)],
        None,
    );
    assert_eq!(with_origin["status"], json!(200), "{with_origin}");
    // Both refuse what they should, with the same words.
    let wrong_form = format!("_csrf={wrong}");
    for (headers, form, reason) in [
        (
            vec![("X-Csrf-Token", wrong.as_str())],
            None,
            "Forbidden: invalid CSRF token",
        ),
        (
            vec![],
            Some(wrong_form.as_str()),
            "Forbidden: invalid CSRF token",
        ),
        (vec![], Some("item=tea"), "Forbidden: missing CSRF token"),
        (
            vec![
                ("Origin", "https://evil.example"),
                ("X-Csrf-Token", rust_token.as_str()),
            ],
            None,
            "Forbidden: invalid CSRF origin",
        ),
    ] {
        let node = shared.node(addr, &jar, ("POST", "/"), &headers, form);
        assert_eq!(
            (node["status"].clone(), node["body"].clone()),
            (json!(403), json!(reason)),
            "Node.js: {headers:?} {form:?}"
        );
        // Rust sees the Origin through Sec-Fetch-Site: same-origin, as a browser sends it.
        let mut rust_headers = with_form(&headers, form);
        rust_headers.push(("Sec-Fetch-Site", "same-origin"));
        let rust = jar
            .request(addr, "POST", "/submit", &rust_headers, body(form))
            .await;
        assert_eq!(
            (rust.status, rust.body.as_str()),
            (403, reason),
            "Rust: {headers:?} {form:?}"
        );
    }
}

fn with_form<'a>(headers: &[(&'a str, &'a str)], form: Option<&str>) -> Vec<(&'a str, &'a str)> {
    let mut all = headers.to_vec();
    if form.is_some() {
        all.push(("Content-Type", "application/x-www-form-urlencoded"));
    }
    all
}

fn body(form: Option<&str>) -> Body<'_> {
    Body::Sized(form.map_or(&b""[..], str::as_bytes))
}

#[tokio::test]
async fn csrf_tokens_cross_between_node_and_rust_through_the_cookie() {
    a_node_token_passes_rust(Shared::Cookie).await;
    a_rust_token_passes_node(Shared::Cookie).await;
}

#[tokio::test]
async fn csrf_tokens_cross_between_node_and_rust_through_one_directory() {
    let dir = tempfile::tempdir().unwrap();
    a_node_token_passes_rust(Shared::Directory(dir.path())).await;
    a_rust_token_passes_node(Shared::Directory(dir.path())).await;
}
