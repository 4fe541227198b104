//! Sessions carried in a header ([`Transport`]), written once for every
//! framework (the routes of [`Framework`]): a client that keeps the value
//! itself, a service that browsers and API clients share, tampered values,
//! the login and logout that change the value, and the cross-site checks a
//! header-borne session skips.
#![allow(
    clippy::missing_panics_doc,
    reason = "every flow panics when the behaviour it checks is broken: it is a test"
)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use session_schema::Transport;

use crate::http::{Body, Jar, Response, request};
use crate::web::{Framework, Probe, Setup};

/// The header the tests carry sessions in (requests spell it in mixed case).
const HEADER: &str = "X-Session";

/// How the servers answer it: lowercase.
const ANSWER: &str = "x-session";

/// An API client: it keeps the value of the session header and sends it
/// back, as a native app or a script would.
#[derive(Debug, Default)]
pub struct HeaderClient {
    /// The value it sends; `None` sends no header.
    pub value: Option<String>,
}

impl HeaderClient {
    /// Sends a request with the header (and `extra` headers), then keeps the
    /// value the response carries: a new one, or none after an empty one.
    pub async fn send(
        &mut self,
        addr: SocketAddr,
        method: &str,
        path: &str,
        extra: &[(&str, &str)],
    ) -> Response {
        let mut headers = extra.to_vec();
        if let Some(value) = &self.value {
            headers.push((HEADER, value));
        }
        let response = request(addr, method, path, &headers, Body::Sized(b"")).await;
        match response.all(ANSWER).as_slice() {
            [] => {}
            [""] => self.value = None,
            [value] => self.value = Some((*value).to_owned()),
            many => panic!("one session header at most: {many:?}"),
        }
        response
    }
}

fn setup(storage: &Arc<Probe>, transport: Transport) -> Setup {
    Setup {
        transport: Some(transport),
        ..Setup::over(storage)
    }
}

/// The one value of the session header in `response`.
fn answered(response: &Response) -> &str {
    match response.all(ANSWER).as_slice() {
        [value] => value,
        other => panic!("one session header expected, got {other:?}: {response:?}"),
    }
}

/// With `Transport::header`, the header carries the session both ways, the
/// cookie plays no part, responses that carry it are private to caches and
/// vary on it, and a route without the session answers nothing of it.
pub async fn a_header_carries_the_session_instead_of_the_cookie<F: Framework>() {
    let probe = Probe::memory();
    let addr = F::start(setup(&probe, Transport::header(HEADER))).await;
    let mut client = HeaderClient::default();
    let first = client.send(addr, "GET", "/", &[]).await;
    assert!(first.body.starts_with("visits=1 "), "{}", first.body);
    let value = answered(&first).to_owned();
    assert!(value.len() > 40, "a signed id: {value}");
    assert_eq!(first.all("set-cookie"), Vec::<&str>::new(), "no cookie");
    assert_eq!(first.all("cache-control"), ["private, no-store"]);
    assert!(
        first
            .all("vary")
            .iter()
            .any(|vary| vary.eq_ignore_ascii_case(ANSWER)),
        "{first:?}"
    );
    let second = client.send(addr, "GET", "/", &[]).await;
    assert!(second.body.starts_with("visits=2 "), "{}", second.body);
    assert_eq!(second.all("set-cookie"), Vec::<&str>::new());

    // The same value in the cookie is not looked at.
    let as_cookie = format!("sid={value}");
    let cookie_only = request(
        addr,
        "GET",
        "/",
        &[("Cookie", &as_cookie)],
        Body::Sized(b""),
    )
    .await;
    assert!(
        cookie_only.body.starts_with("visits=1 "),
        "{}",
        cookie_only.body
    );
    assert_eq!(cookie_only.all("set-cookie"), Vec::<&str>::new());
    assert_ne!(answered(&cookie_only), value, "a fresh session of its own");

    // A route that takes no session reads nothing and answers nothing of it.
    let reads = probe.reads.load(Ordering::SeqCst);
    let plain = client.send(addr, "GET", "/plain", &[]).await;
    assert_eq!(plain.body, "no session here");
    assert_eq!(plain.all(ANSWER), Vec::<&str>::new());
    assert_eq!(probe.reads.load(Ordering::SeqCst), reads);
    let third = client.send(addr, "GET", "/", &[]).await;
    assert!(third.body.starts_with("visits=3 "), "{}", third.body);

    // The 5xx rule holds: a failed request saves nothing, a logout that
    // fails still ends the session, answered with an empty value.
    let failed = client.send(addr, "GET", "/fail", &[]).await;
    assert_eq!(failed.status, 500);
    assert_eq!(failed.all(ANSWER), Vec::<&str>::new());
    let kept = client.send(addr, "GET", "/", &[]).await;
    assert!(kept.body.starts_with("visits=4 name= "), "{}", kept.body);
    let ended = client.send(addr, "POST", "/failing-logout", &[]).await;
    assert_eq!(ended.status, 500);
    assert_eq!(ended.all(ANSWER), [""], "{ended:?}");
    let replay = request(addr, "GET", "/", &[(HEADER, &value)], Body::Sized(b"")).await;
    assert!(replay.body.starts_with("visits=1 "), "{}", replay.body);
}

/// A header value that is tampered with, not signed, or empty reads as a
/// fresh session, on an id-based storage and on the cookie storage, and
/// the real session is untouched.
pub async fn a_tampered_header_reads_as_a_fresh_session<F: Framework>() {
    for probe in [Probe::memory(), Probe::cookie()] {
        let addr = F::start(setup(&probe, Transport::header(HEADER))).await;
        let mut client = HeaderClient::default();
        client.send(addr, "GET", "/", &[]).await;
        let value = client.value.clone().expect("a session header");
        let mut tampered = value.clone().into_bytes();
        let middle = tampered.len() / 2;
        tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        for bad in [tampered.as_str(), "not-a-signed-value", ""] {
            let response = request(addr, "GET", "/", &[(HEADER, bad)], Body::Sized(b"")).await;
            assert_eq!(response.status, 200, "{bad:?}: {response:?}");
            assert!(
                response.body.starts_with("visits=1 "),
                "{bad:?}: {}",
                response.body
            );
            assert_ne!(answered(&response), value, "{bad:?}");
        }
        let again = client.send(addr, "GET", "/", &[]).await;
        assert!(again.body.starts_with("visits=2 "), "{}", again.body);
    }
}

/// With `Transport::cookie_or_header`, a browser keeps the cookie and an
/// API client the header, each answered on its own transport; a request
/// with both is the header's, and is answered in the header only.
pub async fn cookie_or_header_answers_on_the_transport_the_request_used<F: Framework>() {
    let probe = Probe::memory();
    let addr = F::start(setup(&probe, Transport::cookie_or_header(HEADER))).await;
    let mut browser = Jar::default();
    let browser_page = browser.send(addr, "GET", "/", None).await;
    assert!(browser_page.set_cookie().is_some(), "{browser_page:?}");
    assert_eq!(browser_page.all(ANSWER), Vec::<&str>::new());
    let browser_page = browser.send(addr, "GET", "/", None).await;
    assert!(
        browser_page.body.starts_with("visits=2 "),
        "{}",
        browser_page.body
    );

    // An API client starts a session in the header by sending it empty.
    let mut client = HeaderClient {
        value: Some(String::new()),
    };
    let api_page = client.send(addr, "GET", "/", &[]).await;
    assert!(api_page.body.starts_with("visits=1 "), "{}", api_page.body);
    assert_eq!(
        api_page.all("set-cookie"),
        Vec::<&str>::new(),
        "{api_page:?}"
    );
    assert!(client.value.is_some());

    let cookie = browser.header().expect("the browser's cookie");
    let both = client.send(addr, "GET", "/", &[("Cookie", &cookie)]).await;
    assert!(
        both.body.starts_with("visits=2 "),
        "the header's session: {}",
        both.body
    );
    assert_eq!(both.all("set-cookie"), Vec::<&str>::new(), "{both:?}");
    // A new id must reach the client: on the header, not the cookie.
    let before = client.value.clone();
    let login = client
        .send(addr, "POST", "/login", &[("Cookie", &cookie)])
        .await;
    assert_eq!(login.status, 303, "{login:?}");
    assert_eq!(login.all("set-cookie"), Vec::<&str>::new(), "{login:?}");
    assert_ne!(
        Some(answered(&login)),
        before.as_deref(),
        "a new id, in the header"
    );
    let after = client.send(addr, "GET", "/", &[]).await;
    assert!(
        after.body.starts_with("visits=3 name=Ada "),
        "{}",
        after.body
    );
    let browser_again = browser.send(addr, "GET", "/", None).await;
    assert!(
        browser_again.body.starts_with("visits=3 "),
        "the cookie's session was not touched: {}",
        browser_again.body
    );
}

/// A client that follows the header gets the new value a login gives (the
/// old one is dead), and an empty value at logout, after which it is
/// anonymous; on an id-based storage the last value is dead too.
pub async fn a_header_client_follows_the_value_across_log_in_and_logout<F: Framework>() {
    for (probe, id_based) in [(Probe::memory(), true), (Probe::cookie(), false)] {
        let addr = F::start(setup(&probe, Transport::header(HEADER))).await;
        let mut client = HeaderClient::default();
        client.send(addr, "GET", "/", &[]).await;
        let anonymous = client.value.clone().expect("a session header");
        let login = client.send(addr, "POST", "/log-in", &[]).await;
        assert_eq!(login.status, 303, "{login:?}");
        let logged_in = client.value.clone().expect("a new value at login");
        assert_ne!(logged_in, anonymous, "log_in renews the id");
        let account = client.send(addr, "GET", "/account", &[]).await;
        assert_eq!(account.body, "account of user 9");
        let old = request(
            addr,
            "GET",
            "/account",
            &[(HEADER, &anonymous)],
            Body::Sized(b""),
        )
        .await;
        assert_eq!(old.status, 401, "the value from before the login: {old:?}");

        let logout = client.send(addr, "POST", "/logout", &[]).await;
        assert_eq!(logout.status, 303);
        assert_eq!(logout.all(ANSWER), [""], "{logout:?}");
        assert_eq!(client.value, None);
        let after = client.send(addr, "GET", "/account", &[]).await;
        assert_eq!(after.status, 401, "{after:?}");
        let replay = request(
            addr,
            "GET",
            "/account",
            &[(HEADER, &logged_in)],
            Body::Sized(b""),
        )
        .await;
        if id_based {
            assert_eq!(
                replay.status, 401,
                "the logged-out value is dead: {replay:?}"
            );
        }
    }
}

/// A session in a header is no ambient credential: requests that carry one
/// skip the cross-origin and CSRF checks, while a cookie-borne request on
/// the same service is still refused.
pub async fn header_borne_requests_skip_the_cross_site_checks<F: Framework>() {
    let probe = Probe::memory();
    let addr = F::start(Setup {
        csrf: Some(session_schema::Csrf::new()),
        ..setup(&probe, Transport::cookie_or_header(HEADER))
    })
    .await;
    let cross_site = [("Sec-Fetch-Site", "cross-site")];
    let mut client = HeaderClient {
        value: Some(String::new()),
    };
    client.send(addr, "GET", "/", &[]).await;
    let posted = client.send(addr, "POST", "/submit", &cross_site).await;
    assert_eq!(posted.status, 200, "{posted:?}");
    assert!(posted.body.starts_with("handled POST"), "{}", posted.body);

    let mut browser = Jar::default();
    browser.send(addr, "GET", "/", None).await;
    let cookie = browser.header().expect("the browser's cookie");
    let handled = probe.handled.load(Ordering::SeqCst);
    let refused = request(
        addr,
        "POST",
        "/submit",
        &[("Cookie", &cookie), cross_site[0]],
        Body::Sized(b""),
    )
    .await;
    assert_eq!(refused.status, 403, "{refused:?}");
    let same_origin = request(
        addr,
        "POST",
        "/submit",
        &[("Cookie", &cookie), ("Sec-Fetch-Site", "same-origin")],
        Body::Sized(b""),
    )
    .await;
    assert_eq!(
        same_origin.status, 403,
        "the cookie needs its token: {same_origin:?}"
    );
    assert!(
        same_origin.body.contains("missing CSRF token"),
        "{}",
        same_origin.body
    );
    assert_eq!(probe.handled.load(Ordering::SeqCst), handled);
}
