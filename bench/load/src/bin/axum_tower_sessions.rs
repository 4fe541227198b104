//! The same route with tower-sessions (memory store, signed cookie), on axum.

use axum::Router;
use axum::routing::get;
use tower_sessions::cookie::Key;
use tower_sessions::{MemoryStore, Session, SessionManagerLayer};

async fn visit(session: Session) -> String {
    let visits: u64 = session.get("visits").await.ok().flatten().unwrap_or(0) + 1;
    session.insert("visits", visits).await.unwrap();
    format!("visits {visits}")
}

#[tokio::main]
async fn main() {
    let key = Key::from(session_load::SECRET.as_bytes());
    let layer = SessionManagerLayer::new(MemoryStore::default())
        .with_secure(false)
        .with_signed(key);
    let app = Router::new().route("/", get(visit)).layer(layer);
    let listener = tokio::net::TcpListener::bind(session_load::addr())
        .await
        .unwrap();
    axum::serve(listener, app).await.unwrap();
}
