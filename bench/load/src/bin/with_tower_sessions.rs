//! The same route with `tower-sessions` and its memory store. Listens on `ADDR`.

use axum::Router;
use axum::routing::get;
use tower_sessions::{MemoryStore, Session, SessionManagerLayer};

async fn visit(session: Session) -> String {
    let visits: u64 = session.get("visits").await.ok().flatten().unwrap_or(0) + 1;
    session.insert("visits", visits).await.expect("the memory store accepts it");
    format!("visits {visits}")
}

#[tokio::main]
async fn main() {
    let layer = SessionManagerLayer::new(MemoryStore::default()).with_secure(false);
    let app = Router::new().route("/", get(visit)).layer(layer);
    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:3002".into());
    let listener = tokio::net::TcpListener::bind(addr).await.expect("a free address");
    axum::serve(listener, app).await.expect("serving");
}
