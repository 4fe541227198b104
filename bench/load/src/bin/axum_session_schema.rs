//! The read-and-write route (read the counter, write it back) with
//! session-schema on axum: `STORAGE=memory`, `cookie` or `redis`.
//!
//! `ROUTE` picks what else the route does (memory storage):
//! - `get` (the default): a `GET` of the route;
//! - `csrf`: the CSRF check on, and the route answers the session's token, so
//!   that the load sends it back in a `POST` (`X-Csrf-Token`);
//! - `remembered`: the storage has idle and remember timeouts, and `GET
//!   /remember` marks the session remembered ("keep me signed in"), which the
//!   load does once per user before it sends `GET /`.

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use session_load::{SECRET, Visit};
use session_schema::axum::SessionLayer;
use session_schema::{
    Cookie, CookieStorage, Csrf, MemoryStorage, RedisStorage, Session, SessionStorage,
};

async fn visit(mut session: Session<Visit>) -> String {
    session.update(Visit::VISITS, |visits| *visits += 1);
    format!(
        "visits {}",
        session.get(Visit::VISITS).copied().unwrap_or_default()
    )
}

async fn visit_with_token(mut session: Session<Visit>) -> String {
    session.update(Visit::VISITS, |visits| *visits += 1);
    session.csrf_token()
}

async fn remember(mut session: Session<Visit>) -> &'static str {
    session.set_remembered(true);
    "remembered"
}

fn layer<St: SessionStorage + 'static>(storage: St) -> SessionLayer<Visit, St> {
    let cookie = Cookie::new("id").secrets([SECRET]);
    SessionLayer::<Visit, _>::new(cookie, storage).unwrap()
}

fn app(storage: impl SessionStorage + 'static) -> Router {
    Router::new().route("/", get(visit)).layer(layer(storage))
}

fn csrf_app() -> Router {
    Router::new()
        .route("/", get(visit_with_token).post(visit_with_token))
        .layer(layer(MemoryStorage::new()).csrf(Csrf::new()))
}

fn remembered_app() -> Router {
    let day = Duration::from_secs(24 * 3600);
    let storage = MemoryStorage::new()
        .idle_timeout(Duration::from_secs(3600))
        .remember_timeouts(30 * day, 90 * day);
    Router::new()
        .route("/", get(visit))
        .route("/remember", get(remember))
        .layer(layer(storage))
}

#[tokio::main]
async fn main() {
    let route = std::env::var("ROUTE").unwrap_or_else(|_| "get".into());
    let app = match (route.as_str(), session_load::storage().as_str()) {
        ("csrf", _) => csrf_app(),
        ("remembered", _) => remembered_app(),
        (_, "cookie") => app(CookieStorage::new()),
        (_, "redis") => app(RedisStorage::connect(&session_load::redis_url())
            .await
            .unwrap()),
        _ => app(MemoryStorage::new()),
    };
    let listener = tokio::net::TcpListener::bind(session_load::addr())
        .await
        .unwrap();
    axum::serve(listener, app).await.unwrap();
}
