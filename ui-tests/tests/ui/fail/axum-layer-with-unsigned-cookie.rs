use session_schema::axum::SessionLayer;
use session_schema::{Cookie, MemoryStorage, SessionSchema};

#[derive(SessionSchema)]
struct App {
    user_id: u64,
}

fn main() {
    let cookie = Cookie::new("session");
    let _layer = SessionLayer::<App, _>::new(cookie, MemoryStorage::new());
}
