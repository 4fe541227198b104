//! The cross-site checks through the axum layer, in process (a router called
//! as `axum::serve` calls it): the load comparison's read-and-write route,
//! for a returning user over the memory storage.
//!
//! - `GET`, with the checks off (the baseline), with cross-origin protection
//!   (the default), and with the CSRF check on too: a safe request, which
//!   neither check reads beyond its method;
//! - `POST` with the CSRF check on: the token in the `X-Csrf-Token` header,
//!   and in a form body (read, searched and handed on to the handler).

use criterion::{Criterion, criterion_group, criterion_main};
use session_schema::axum::SessionLayer;
use session_schema::{Cookie, CrossOrigin, Csrf, MemoryStorage, Session};
use tower::ServiceExt as _;

mod support;
use support::{Bench, block_on};

use axum::body::Body;
use axum::http::Request;

const SECRET: &str = "a sufficiently long secret, 32 bytes";

/// The route: reads the visit counter and writes it back, and answers the
/// session's token.
fn router(layer: SessionLayer<Bench, MemoryStorage>) -> axum::Router {
    let count = |mut session: Session<Bench>| async move {
        session.update(Bench::VISITS, |visits| *visits += 1);
        session.csrf_token()
    };
    axum::Router::new()
        .route("/", axum::routing::get(count).post(count))
        .layer(layer)
        .with_state(())
}

/// A returning user: their `Cookie` header and the session's token.
fn returning_user(router: &axum::Router) -> (String, String) {
    let first = block_on(
        router
            .clone()
            .oneshot(Request::get("/").body(Body::empty()).unwrap()),
    )
    .unwrap();
    let cookie = first.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let body = block_on(axum::body::to_bytes(first.into_body(), 1024)).unwrap();
    (cookie, String::from_utf8(body.to_vec()).unwrap())
}

/// One request through the router; panics unless it answered 200.
fn call(router: &axum::Router, request: Request<Body>) {
    let response = block_on(router.clone().oneshot(request)).unwrap();
    assert_eq!(response.status(), 200);
}

fn layer(cross_origin: CrossOrigin, csrf: bool) -> SessionLayer<Bench, MemoryStorage> {
    let cookie = Cookie::new("session").secrets([SECRET]);
    let layer = SessionLayer::new(cookie, MemoryStorage::new())
        .unwrap()
        .cross_origin(cross_origin);
    if csrf { layer.csrf(Csrf::new()) } else { layer }
}

fn cross_site(c: &mut Criterion) {
    let mut group = c.benchmark_group("cross-site");
    for (name, cross_origin, csrf) in [
        ("GET, checks off", CrossOrigin::off(), false),
        ("GET, cross-origin protection", CrossOrigin::new(), false),
        (
            "GET, cross-origin protection and CSRF",
            CrossOrigin::new(),
            true,
        ),
    ] {
        let router = router(layer(cross_origin, csrf));
        let (cookie, _) = returning_user(&router);
        group.bench_function(name, |b| {
            b.iter(|| {
                let request = Request::get("/")
                    .header("cookie", &cookie)
                    .header("sec-fetch-site", "same-origin")
                    .body(Body::empty())
                    .unwrap();
                call(&router, request);
            });
        });
    }
    let router = router(layer(CrossOrigin::new(), true));
    let (cookie, token) = returning_user(&router);
    group.bench_function("POST, token in a header", |b| {
        b.iter(|| {
            let request = Request::post("/")
                .header("cookie", &cookie)
                .header("sec-fetch-site", "same-origin")
                .header("x-csrf-token", &token)
                .body(Body::empty())
                .unwrap();
            call(&router, request);
        });
    });
    let form = format!("item=earl-grey&quantity=2&_csrf={token}");
    group.bench_function("POST, token in a form", |b| {
        b.iter(|| {
            let request = Request::post("/")
                .header("cookie", &cookie)
                .header("sec-fetch-site", "same-origin")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(form.clone()))
                .unwrap();
            call(&router, request);
        });
    });
    group.finish();
}

criterion_group!(benches, cross_site);
criterion_main!(benches);
