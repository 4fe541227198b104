mod web {
    pub use session_schema as sessions;
}

use web::sessions::SessionSchema;

#[derive(SessionSchema)]
#[session(crate = "web::sessions")]
struct App {
    user_id: u64,
}

fn main() {
    let mut session = web::sessions::Session::<App>::new();
    session.set(App::USER_ID, 1);
}
