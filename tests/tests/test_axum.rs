//! The axum layer against a real server on loopback.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use session_schema::axum::SessionLayer;
use session_schema::{Cookie, Error, MemoryStorage, Session, SessionStorage, State};
use session_tests::App;
use session_tests::http::{Jar, send, serve};

const SECRET: &str = "a test secret of at least thirty-two bytes";

fn cookie() -> Cookie {
    Cookie::new("sid").secrets([SECRET])
}

async fn count(mut session: Session<App>) -> String {
    let visits = session.get(App::USER_ID).copied().unwrap_or(0) + 1;
    session.set(App::USER_ID, visits);
    let notice = session.get(App::NOTICE).cloned().unwrap_or_default();
    let name = session.get(App::NAME).cloned().unwrap_or_default();
    format!("visits={visits} name={name} notice={notice}")
}

async fn login(mut session: Session<App>) -> Redirect {
    session.regenerate_id(true);
    session.set(App::NAME, "Ada".into());
    session.flash(App::NOTICE, "welcome".into());
    Redirect::to("/")
}

async fn logout(session: Session<App>) -> Redirect {
    session.destroy();
    Redirect::to("/")
}

async fn no_session() -> &'static str {
    "no session here"
}

async fn fails(mut session: Session<App>) -> StatusCode {
    session.set(App::NAME, "half-done".into());
    StatusCode::INTERNAL_SERVER_ERROR
}

fn router<Sto: SessionStorage + 'static>(layer: SessionLayer<App, Sto>) -> Router {
    Router::new()
        .route("/", get(count))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/plain", get(no_session))
        .route("/fail", get(fails))
        .layer(layer)
}

async fn app() -> std::net::SocketAddr {
    serve(router(
        SessionLayer::new(cookie(), MemoryStorage::new()).unwrap(),
    ))
    .await
}

#[tokio::test]
async fn the_cookie_is_set_and_read_back() {
    let addr = app().await;
    let mut jar = Jar::default();
    let first = jar.send(addr, "GET", "/", None).await;
    assert!(first.body.starts_with("visits=1 "), "{}", first.body);
    let set_cookie = first.set_cookie().expect("a new session sets the cookie");
    assert!(set_cookie.starts_with("sid="));
    assert!(
        set_cookie.contains("; HttpOnly"),
        "HttpOnly by default: {set_cookie}"
    );
    assert!(set_cookie.contains("SameSite=Lax"));
    let second = jar.send(addr, "GET", "/", None).await;
    assert!(second.body.starts_with("visits=2 "), "{}", second.body);
}

#[tokio::test]
async fn flash_is_shown_exactly_once() {
    let addr = app().await;
    let mut jar = Jar::default();
    jar.send(addr, "GET", "/", None).await;
    let login = jar.send(addr, "POST", "/login", Some("")).await;
    assert_eq!(login.status, 303);
    let shown = jar.send(addr, "GET", "/", None).await;
    assert!(
        shown.body.contains("name=Ada notice=welcome"),
        "{}",
        shown.body
    );
    let gone = jar.send(addr, "GET", "/", None).await;
    assert!(gone.body.ends_with("notice="), "{}", gone.body);
    assert!(gone.body.contains("name=Ada"));
}

#[tokio::test]
async fn login_regenerates_the_id_and_kills_the_old_one() {
    let addr = app().await;
    let mut jar = Jar::default();
    jar.send(addr, "GET", "/", None).await;
    let before = jar.get("sid").unwrap().to_owned();
    jar.send(addr, "POST", "/login", Some("")).await;
    let after = jar.get("sid").unwrap().to_owned();
    assert_ne!(before, after, "login changes the cookie");

    // The old cookie now designates nothing: a fresh session.
    let replay = send(addr, "GET", "/", Some(&format!("sid={before}")), None).await;
    assert!(
        replay.body.starts_with("visits=1 name= "),
        "{}",
        replay.body
    );
}

#[tokio::test]
async fn logout_removes_the_cookie_and_the_session() {
    let addr = app().await;
    let mut jar = Jar::default();
    jar.send(addr, "POST", "/login", Some("")).await;
    let old = jar.get("sid").unwrap().to_owned();
    let logout = jar.send(addr, "POST", "/logout", Some("")).await;
    let removal = logout.set_cookie().unwrap();
    assert!(removal.starts_with("sid=;"), "{removal}");
    assert!(
        removal.contains("Max-Age=0") && removal.contains("Expires=Thu, 01 Jan 1970 00:00:00 GMT")
    );
    assert_eq!(jar.get("sid"), None);
    let replay = send(addr, "GET", "/", Some(&format!("sid={old}")), None).await;
    assert!(replay.body.contains("name= "), "{}", replay.body);
}

#[tokio::test]
async fn a_tampered_cookie_gives_a_fresh_session() {
    let addr = app().await;
    let mut jar = Jar::default();
    jar.send(addr, "GET", "/", None).await;
    jar.send(addr, "GET", "/", None).await;
    let value = jar.get("sid").unwrap().to_owned();
    let mut tampered = value.clone().into_bytes();
    tampered[0] = if tampered[0] == b'A' { b'B' } else { b'A' };
    jar.set("sid", &String::from_utf8(tampered).unwrap());
    let response = jar.send(addr, "GET", "/", None).await;
    assert_eq!(response.status, 200);
    assert!(response.body.starts_with("visits=1 "), "{}", response.body);
    assert_ne!(jar.get("sid"), Some(value.as_str()));
}

/// A storage that counts its calls, and can be told to fail.
#[derive(Default)]
struct Probe {
    inner: MemoryStorage,
    reads: AtomicUsize,
    saves: AtomicUsize,
    failing: bool,
}

impl SessionStorage for Probe {
    async fn read<S: session_schema::Schema>(
        &self,
        cookie_value: Option<&str>,
    ) -> Result<Session<S>, Error> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        if self.failing {
            return Err(Error::Backend("the backend is down".into()));
        }
        self.inner.read(cookie_value).await
    }

    async fn save<S: session_schema::Schema, St: State>(
        &self,
        session: &Session<S, St>,
    ) -> Result<Option<String>, Error> {
        self.saves.fetch_add(1, Ordering::SeqCst);
        self.inner.save(session).await
    }
}

#[tokio::test]
async fn handlers_without_a_session_cost_no_storage_call() {
    let probe = Arc::new(Probe::default());
    let addr = serve(router(
        SessionLayer::new(cookie(), Arc::clone(&probe)).unwrap(),
    ))
    .await;
    let mut jar = Jar::default();
    jar.send(addr, "GET", "/", None).await;
    assert_eq!(
        (
            probe.reads.load(Ordering::SeqCst),
            probe.saves.load(Ordering::SeqCst)
        ),
        (1, 1)
    );
    let plain = jar.send(addr, "GET", "/plain", None).await;
    assert_eq!(plain.body, "no session here");
    assert!(plain.set_cookie().is_none());
    assert_eq!(
        (
            probe.reads.load(Ordering::SeqCst),
            probe.saves.load(Ordering::SeqCst)
        ),
        (1, 1)
    );
}

#[tokio::test]
async fn a_storage_error_is_a_clean_500_and_configurable() {
    let probe = Arc::new(Probe {
        failing: true,
        ..Probe::default()
    });
    let addr = serve(router(
        SessionLayer::new(cookie(), Arc::clone(&probe)).unwrap(),
    ))
    .await;
    let response = send(addr, "GET", "/", None, None).await;
    assert_eq!(response.status, 500);
    assert!(
        !response.body.contains("backend is down"),
        "the cause is not revealed by default"
    );

    let layer = SessionLayer::new(cookie(), probe)
        .unwrap()
        .on_error(|error| {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("sessions unavailable: {error}"),
            )
                .into_response()
        });
    let addr = serve(router(layer)).await;
    let response = send(addr, "GET", "/", None, None).await;
    assert_eq!(response.status, 503);
    assert!(
        response.body.starts_with("sessions unavailable"),
        "{}",
        response.body
    );
}

#[tokio::test]
async fn a_server_error_response_does_not_save_unless_asked() {
    let probe = Arc::new(Probe::default());
    let addr = serve(router(
        SessionLayer::new(cookie(), Arc::clone(&probe)).unwrap(),
    ))
    .await;
    let response = send(addr, "GET", "/fail", None, None).await;
    assert_eq!(response.status, 500);
    assert!(response.set_cookie().is_none());
    assert_eq!(probe.saves.load(Ordering::SeqCst), 0);

    let layer = SessionLayer::new(cookie(), Arc::clone(&probe))
        .unwrap()
        .save_on_server_error(true);
    let addr = serve(router(layer)).await;
    let response = send(addr, "GET", "/fail", None, None).await;
    assert!(response.set_cookie().is_some());
    assert_eq!(probe.saves.load(Ordering::SeqCst), 1);
}

fn layer_error(cookie: Cookie) -> Option<Error> {
    SessionLayer::<App, _>::new(cookie, MemoryStorage::new()).err()
}

#[test]
fn short_secrets_are_refused_unless_allowed() {
    let short = Cookie::new("sid").secrets([SECRET, "node-secret"]);
    let error = layer_error(short.clone()).expect("a short secret is refused");
    assert!(
        matches!(
            error,
            Error::ShortSecret {
                length: 11,
                minimum: 32
            }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("11 bytes") && message.contains("allow_short_secrets()"),
        "{message}"
    );
    assert!(layer_error(short.allow_short_secrets()).is_none());
}

#[test]
fn empty_secrets_are_refused_even_when_short_ones_are_allowed() {
    for cookie in [
        Cookie::new("sid").secrets([""]),
        Cookie::new("sid").secrets(Vec::<String>::new()),
        Cookie::new("sid").secrets([SECRET, ""]),
    ] {
        let error = layer_error(cookie.allow_short_secrets()).expect("an empty secret is refused");
        assert!(matches!(error, Error::EmptySecret), "{error:?}");
        assert!(error.to_string().contains("signs nothing"), "{error}");
    }
}

#[tokio::test]
async fn http_only_can_be_turned_off_explicitly() {
    let layer = SessionLayer::new(cookie().http_only(false), MemoryStorage::new()).unwrap();
    let addr = serve(router(layer)).await;
    let response = send(addr, "GET", "/", None, None).await;
    assert!(!response.set_cookie().unwrap().contains("HttpOnly"));
}

#[tokio::test]
async fn a_route_without_the_layer_gets_a_clear_500() {
    let addr = serve(Router::new().route("/", get(count))).await;
    let response = send(addr, "GET", "/", None, None).await;
    assert_eq!(response.status, 500);
    assert!(
        response.body.contains("no SessionLayer<"),
        "{}",
        response.body
    );
}

#[tokio::test]
async fn a_session_dropped_by_its_handler_is_saved() {
    async fn set_and_drop(mut session: Session<App>) -> String {
        session.set(App::NAME, "first".into());
        drop(session);
        "ok".into()
    }
    let layer = SessionLayer::<App, _>::new(cookie(), MemoryStorage::new()).unwrap();
    let addr = serve(
        Router::new()
            .route("/", get(set_and_drop))
            .route("/read", get(count))
            .layer(layer),
    )
    .await;
    let mut jar = Jar::default();
    jar.send(addr, "GET", "/", None).await;
    let read = jar.send(addr, "GET", "/read", None).await;
    assert!(read.body.contains("name=first"), "{}", read.body);
}

#[tokio::test]
async fn two_extractors_in_one_request_share_the_session() {
    // A middleware takes the session first, changes it and gives it back; the
    // handler then gets the same session, change included, from one storage read.
    async fn stamp(
        mut session: Session<App>,
        request: axum::extract::Request,
        next: axum::middleware::Next,
    ) -> axum::response::Response {
        session.set(App::NAME, "from the middleware".into());
        drop(session);
        next.run(request).await
    }
    let probe = Arc::new(Probe::default());
    let layer = SessionLayer::<App, _>::new(cookie(), Arc::clone(&probe)).unwrap();
    let addr = serve(
        Router::new()
            .route("/", get(count))
            .layer(axum::middleware::from_fn(stamp))
            .layer(layer),
    )
    .await;
    let mut jar = Jar::default();
    let first = jar.send(addr, "GET", "/", None).await;
    assert!(
        first.body.contains("name=from the middleware"),
        "{}",
        first.body
    );
    assert_eq!(
        probe.reads.load(Ordering::SeqCst),
        1,
        "one storage read for both"
    );
    assert_eq!(probe.saves.load(Ordering::SeqCst), 1, "one save after both");
    let second = jar.send(addr, "GET", "/", None).await;
    assert!(second.body.starts_with("visits=2 "), "{}", second.body);
}

#[tokio::test]
async fn responses_that_set_the_cookie_are_private_to_caches() {
    async fn cached(mut session: Session<App>) -> impl IntoResponse {
        session.set(App::NAME, "x".into());
        (
            [
                (axum::http::header::CACHE_CONTROL, "max-age=60"),
                (axum::http::header::VARY, "Accept-Encoding"),
            ],
            "handler's own cache rule",
        )
    }
    let addr = serve(Router::new().route("/cached", get(cached)).merge(router(
        SessionLayer::new(cookie(), MemoryStorage::new()).unwrap(),
    )))
    .await;
    let mut jar = Jar::default();
    let set = jar.send(addr, "GET", "/", None).await;
    assert!(set.set_cookie().is_some());
    assert_eq!(set.all("cache-control"), ["private, no-store"]);
    assert_eq!(set.all("vary"), ["Cookie"]);

    let cleared = jar.send(addr, "POST", "/logout", Some("")).await;
    assert!(cleared.set_cookie().unwrap().contains("Max-Age=0"));
    assert_eq!(cleared.all("cache-control"), ["private, no-store"]);

    let plain = jar.send(addr, "GET", "/plain", None).await;
    assert!(plain.set_cookie().is_none());
    assert!(
        plain.all("cache-control").is_empty(),
        "no cookie, no change"
    );

    let layer = SessionLayer::<App, _>::new(cookie(), MemoryStorage::new()).unwrap();
    let addr = serve(Router::new().route("/cached", get(cached)).layer(layer)).await;
    let own = send(addr, "GET", "/cached", None, None).await;
    assert!(own.set_cookie().is_some());
    assert_eq!(
        own.all("cache-control"),
        ["max-age=60"],
        "the handler's own rule stays"
    );
    assert_eq!(own.all("vary"), ["Accept-Encoding", "Cookie"]);
}

#[tokio::test]
async fn a_logout_that_answers_a_server_error_still_ends_the_session() {
    async fn failing_logout(session: Session<App>) -> StatusCode {
        session.destroy();
        StatusCode::INTERNAL_SERVER_ERROR
    }
    let storage = Arc::new(MemoryStorage::new());
    let layer = SessionLayer::<App, _>::new(cookie(), Arc::clone(&storage)).unwrap();
    let addr = serve(
        Router::new()
            .route("/", get(count))
            .route("/logout", post(failing_logout))
            .layer(layer),
    )
    .await;
    let mut jar = Jar::default();
    jar.send(addr, "GET", "/", None).await;
    assert_eq!(storage.len(), 1);
    let logout = jar.send(addr, "POST", "/logout", Some("")).await;
    assert_eq!(logout.status, 500);
    assert!(
        logout.set_cookie().unwrap().contains("Max-Age=0"),
        "the cookie is cleared"
    );
    assert_eq!(storage.len(), 0, "the session is deleted");
}

#[tokio::test]
async fn the_cookie_rolls_forward_with_the_idle_timeout() {
    let clock = session_schema::ManualClock::new();
    let storage = MemoryStorage::new()
        .idle_timeout(std::time::Duration::from_secs(3600))
        .absolute_timeout(std::time::Duration::from_secs(8 * 3600))
        .clock(clock.clone());
    let addr = serve(router(SessionLayer::new(cookie(), storage).unwrap())).await;
    let mut jar = Jar::default();
    let first = jar.send(addr, "GET", "/plain", None).await;
    assert!(first.set_cookie().is_none());
    let first = jar.send(addr, "GET", "/", None).await;
    let set_cookie = first.set_cookie().unwrap();
    assert!(set_cookie.contains("; Max-Age=3600;"), "{set_cookie}");
    assert!(set_cookie.contains("; Expires="), "{set_cookie}");

    // Seven and a half hours later, with a visit every half hour: the cookie's
    // lifetime shrinks to what the absolute timeout leaves.
    for _ in 0..15 {
        clock.advance(std::time::Duration::from_secs(1800));
        let response = jar.send(addr, "GET", "/", None).await;
        assert!(!response.body.starts_with("visits=1 "), "{}", response.body);
    }
    let last = jar.send(addr, "GET", "/", None).await;
    let set_cookie = last.set_cookie().unwrap();
    assert!(set_cookie.contains("; Max-Age=1800;"), "{set_cookie}");
    clock.advance(std::time::Duration::from_secs(1800));
    let ended = jar.send(addr, "GET", "/", None).await;
    assert!(ended.body.starts_with("visits=1 "), "{}", ended.body);
}

#[tokio::test]
async fn an_encrypted_cookie_carries_a_cookie_session_unseen() {
    use session_schema::CookieStorage;
    let encrypted = Cookie::new("sid").encrypted([SECRET]);
    let addr = serve(router(
        SessionLayer::new(encrypted, CookieStorage::new()).unwrap(),
    ))
    .await;
    let mut jar = Jar::default();
    jar.send(addr, "POST", "/login", Some("")).await;
    let shown = jar.send(addr, "GET", "/", None).await;
    assert!(
        shown.body.contains("name=Ada notice=welcome"),
        "{}",
        shown.body
    );
    let value = jar.get("sid").unwrap().to_owned();
    assert!(
        !value.contains("eyJ"),
        "no base64 JSON in the cookie: {value}"
    );
    let again = jar.send(addr, "GET", "/", None).await;
    assert!(again.body.starts_with("visits=2 "), "{}", again.body);
    let short = Cookie::new("sid").encrypted(["short"]);
    assert!(matches!(
        SessionLayer::<App, _>::new(short, CookieStorage::new()),
        Err(Error::ShortSecret { .. })
    ));
}
