use session_schema::{Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    user_id: u64,
    #[session(flash)]
    notice: String,
}


#[derive(SessionSchema)]
struct Admin {
    user_id: u64,
    #[session(flash)]
    notice: String,
}

fn main() {
    let session = Session::<App>::new();
    let _ = session.has(AdminValueKey::UserId);
}
