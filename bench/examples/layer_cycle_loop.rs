//! The load route of `benches/layer_cycle.rs` through the axum layer, run
//! `CYCLES` times (default 20,000) without criterion around it: for
//! instruction counts per request, which the machine's noise does not move.
//! `ROUTE=bare` runs the route without a session layer instead, to subtract;
//! `OTHER_COOKIES=100` sends a hundred other cookies of the site (4.8 KB)
//! before the session's, as a browser on a site with analytics does.
//!
//! ```sh
//! cargo build --release -p session-schema-bench --example layer_cycle_loop
//! valgrind --tool=callgrind --callgrind-out-file=layer.out target/release/examples/layer_cycle_loop
//! ROUTE=bare valgrind --tool=callgrind --callgrind-out-file=bare.out target/release/examples/layer_cycle_loop
//! callgrind_annotate --inclusive=yes layer.out
//! ```

use std::fmt::Write as _;
use std::hint::black_box;

use axum::body::Body;
use axum::http::Request;
use session_schema::axum::SessionLayer;
use session_schema::{Cookie, MemoryStorage, Session};
use tower::ServiceExt as _;

#[path = "../benches/support/mod.rs"]
#[allow(
    dead_code,
    reason = "the benches' shared module; this loop uses part of it"
)]
mod support;
use support::{Bench, block_on};

async fn count(mut session: Session<Bench>) -> &'static str {
    session.update(Bench::VISITS, |visits| *visits += 1);
    "counted"
}

async fn bare() -> &'static str {
    "counted"
}

/// One request through the router; panics unless it answered 200.
#[inline(never)]
fn call(router: &axum::Router, cookie: Option<&str>) -> axum::response::Response {
    let mut request = Request::get("/");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = block_on(router.clone().oneshot(request.body(Body::empty()).unwrap())).unwrap();
    assert_eq!(response.status(), 200);
    response
}

fn main() {
    let cycles: usize = std::env::var("CYCLES")
        .ok()
        .and_then(|cycles| cycles.parse().ok())
        .unwrap_or(20_000);
    if std::env::var("ROUTE").is_ok_and(|route| route == "bare") {
        let router = axum::Router::new()
            .route("/", axum::routing::get(bare))
            .with_state(());
        for _ in 0..cycles {
            black_box(call(&router, None));
        }
        return;
    }
    let cookie = Cookie::new("session").secrets(["a sufficiently long secret, 32 bytes"]);
    let router = axum::Router::new()
        .route("/", axum::routing::get(count))
        .layer(SessionLayer::<Bench, _>::new(cookie, MemoryStorage::new()).unwrap())
        // Routes made once, as `axum::serve` makes them (a router without
        // its state would make them again for every request).
        .with_state(());
    let first = call(&router, None);
    let set_cookie = first.headers()["set-cookie"].to_str().unwrap();
    let mut user = String::new();
    // `OTHER_COOKIES=n` puts n other cookies of the site before the session's.
    let others: usize = std::env::var("OTHER_COOKIES")
        .ok()
        .and_then(|count| count.parse().ok())
        .unwrap_or(0);
    for n in 0..others {
        write!(user, "analytics_{n:03}=0123456789abcdef0123456789abcdef; ").unwrap();
    }
    user.push_str(set_cookie.split(';').next().unwrap());
    for _ in 0..cycles {
        let response = call(&router, Some(black_box(&user)));
        assert!(response.headers().get("set-cookie").is_none());
    }
}
