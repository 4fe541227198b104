use session_schema::actix::SessionMiddleware;
use session_schema::{Cookie, MemoryStorage, SessionSchema};

#[derive(SessionSchema)]
struct App {
    user_id: u64,
}

fn main() {
    let _middleware = SessionMiddleware::<App, _>::new(Cookie::new("session"), MemoryStorage::new());
}
