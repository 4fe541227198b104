//! The read-and-write route (read the counter, write it back) with
//! session-schema on axum: `STORAGE=memory`, `cookie` or `redis`.

use axum::Router;
use axum::routing::get;
use session_load::{SECRET, Visit};
use session_schema::axum::SessionLayer;
use session_schema::{Cookie, CookieStorage, MemoryStorage, RedisStorage, Session, SessionStorage};

async fn visit(mut session: Session<Visit>) -> String {
    session.update(Visit::VISITS, |visits| *visits += 1);
    format!(
        "visits {}",
        session.get(Visit::VISITS).copied().unwrap_or_default()
    )
}

fn app(storage: impl SessionStorage + 'static) -> Router {
    let cookie = Cookie::new("id").secrets([SECRET]);
    let layer = SessionLayer::<Visit, _>::new(cookie, storage).unwrap();
    Router::new().route("/", get(visit)).layer(layer)
}

#[tokio::main]
async fn main() {
    let app = match session_load::storage().as_str() {
        "cookie" => app(CookieStorage::new()),
        "redis" => app(RedisStorage::connect(&session_load::redis_url())
            .await
            .unwrap()),
        _ => app(MemoryStorage::new()),
    };
    let listener = tokio::net::TcpListener::bind(session_load::addr())
        .await
        .unwrap();
    axum::serve(listener, app).await.unwrap();
}
