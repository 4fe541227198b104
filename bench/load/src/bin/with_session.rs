//! The demo's read-and-write route (read the visit counter, write it back) with
//! `session` and its memory storage. Listens on `ADDR`.

use axum::Router;
use axum::routing::get;
use session_schema::axum::SessionLayer;
use session_schema::{Cookie, MemoryStorage, Session, SessionSchema};

#[derive(SessionSchema)]
struct Visit {
    visits: u64,
}

async fn visit(mut session: Session<Visit>) -> String {
    let visits = session.get(Visit::VISITS).copied().unwrap_or(0) + 1;
    session.set(Visit::VISITS, visits);
    format!("visits {visits}")
}

#[tokio::main]
async fn main() {
    let cookie = Cookie::new("id").secrets(["a load test secret of thirty-two bytes"]);
    let layer = SessionLayer::<Visit, _>::new(cookie, MemoryStorage::new()).expect("a signed cookie");
    let app = Router::new().route("/", get(visit)).layer(layer);
    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:3001".into());
    let listener = tokio::net::TcpListener::bind(addr).await.expect("a free address");
    axum::serve(listener, app).await.expect("serving");
}
