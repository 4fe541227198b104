//! The load comparison's route in process, through the axum layer (a router
//! called as `axum::serve` calls it), for a returning user whose session
//! holds one key: what the session costs a request, against the same route
//! without a session layer, measured in the same run.
//!
//! - `bare route`: the handler answers a counter of its own, no layer;
//! - `memory storage`: reads the visit counter and writes it back (the id is
//!   unchanged, so the response carries no `Set-Cookie`);
//! - `memory storage, read only`: reads the counter, writes nothing;
//! - `memory storage, cookie with a Max-Age`: as the first, but the cookie has
//!   a `Max-Age` of its own, so every write sends it again (signing and
//!   `Set-Cookie` included): the cost of the header this layer leaves out;
//! - `cookie storage`: the counter in a signed cookie, written back each time;
//! - `memory storage, remembered session`: a storage with idle and remember
//!   timeouts, the session remembered ("keep me signed in"): the times are
//!   read, checked and kept on every request;
//! - `memory storage, 100 other cookies`: as the first, with a hundred other
//!   cookies of the site (4.8 KB, as analytics leave them) before the
//!   session's in the `Cookie` header, against `bare route, 100 other
//!   cookies`, the bare route sent the same header.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use session_schema::axum::SessionLayer;
use session_schema::{Cookie, CookieStorage, MemoryStorage, Session, SessionStorage};
use tower::ServiceExt as _;

mod support;
use support::{Bench, block_on};

use axum::body::Body;
use axum::http::Request;

const SECRET: &str = "a sufficiently long secret, 32 bytes";

async fn count(mut session: Session<Bench>) -> &'static str {
    session.update(Bench::VISITS, |visits| *visits += 1);
    "counted"
}

async fn remember(mut session: Session<Bench>) -> &'static str {
    session.set_remembered(true);
    "remembered"
}

async fn read(session: Session<Bench>) -> String {
    session
        .get(Bench::VISITS)
        .copied()
        .unwrap_or_default()
        .to_string()
}

fn router<Sto: SessionStorage + 'static>(layer: SessionLayer<Bench, Sto>) -> axum::Router {
    axum::Router::new()
        .route("/", axum::routing::get(count))
        .route("/read", axum::routing::get(read))
        .layer(layer)
        .with_state(())
}

/// A returning user's `Cookie` header: a first visit's cookie.
fn returning_user(router: &axum::Router) -> String {
    let first = call(router, "/", None);
    let cookie = first.headers()["set-cookie"].to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

/// One request through the router; panics unless it answered 200.
fn call(router: &axum::Router, path: &str, cookie: Option<&str>) -> axum::response::Response {
    let mut request = Request::get(path);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = block_on(router.clone().oneshot(request.body(Body::empty()).unwrap())).unwrap();
    assert_eq!(response.status(), 200);
    response
}

fn layer_cycle(c: &mut Criterion) {
    let mut group = c.benchmark_group("layer cycle");
    let visits = std::sync::Arc::new(AtomicU32::new(0));
    let bare = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let visits = std::sync::Arc::clone(&visits);
            async move { visits.fetch_add(1, Ordering::Relaxed).to_string() }
        }),
    );
    group.bench_function("bare route", |b| b.iter(|| call(&bare, "/", None)));

    let cookie = || Cookie::new("session").secrets([SECRET]);
    let memory = router(SessionLayer::new(cookie(), MemoryStorage::new()).unwrap());
    let user = returning_user(&memory);
    let again = call(&memory, "/", Some(&user));
    assert!(
        again.headers().get("set-cookie").is_none(),
        "the id is unchanged"
    );
    group.bench_function("memory storage", |b| {
        b.iter(|| call(&memory, "/", Some(&user)));
    });
    group.bench_function("memory storage, read only", |b| {
        b.iter(|| call(&memory, "/read", Some(&user)));
    });
    let mut crowded = String::new();
    for n in 0..100 {
        write!(
            crowded,
            "analytics_{n:03}=0123456789abcdef0123456789abcdef; "
        )
        .unwrap();
    }
    crowded.push_str(&user);
    group.bench_function("bare route, 100 other cookies", |b| {
        b.iter(|| call(&bare, "/", Some(&crowded)));
    });
    group.bench_function("memory storage, 100 other cookies", |b| {
        b.iter(|| call(&memory, "/", Some(&crowded)));
    });

    let lasting = cookie().max_age(Duration::from_secs(3600));
    let lasting = router(SessionLayer::new(lasting, MemoryStorage::new()).unwrap());
    let user = returning_user(&lasting);
    group.bench_function("memory storage, cookie with a Max-Age", |b| {
        b.iter(|| {
            let response = call(&lasting, "/", Some(&user));
            assert!(response.headers().get("set-cookie").is_some());
        });
    });

    let day = Duration::from_secs(24 * 3600);
    let remembering = MemoryStorage::new()
        .idle_timeout(Duration::from_secs(3600))
        .remember_timeouts(30 * day, 90 * day);
    let remembered = axum::Router::new()
        .route("/", axum::routing::get(count))
        .route("/remember", axum::routing::get(remember))
        .layer(SessionLayer::<Bench, _>::new(cookie(), remembering).unwrap())
        .with_state(());
    let user = returning_user(&remembered);
    let marked = call(&remembered, "/remember", Some(&user));
    let user = marked.headers()["set-cookie"].to_str().unwrap();
    assert!(user.contains("Max-Age=2592000"), "{user}");
    let user = user.split(';').next().unwrap().to_owned();
    group.bench_function("memory storage, remembered session", |b| {
        b.iter(|| call(&remembered, "/", Some(&user)));
    });

    let cookies = router(SessionLayer::new(cookie(), CookieStorage::new()).unwrap());
    let user = returning_user(&cookies);
    group.bench_function("cookie storage", |b| {
        b.iter(|| call(&cookies, "/", Some(&user)));
    });
    group.finish();
}

criterion_group!(benches, layer_cycle);
criterion_main!(benches);
