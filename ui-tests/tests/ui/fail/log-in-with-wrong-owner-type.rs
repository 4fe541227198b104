use session_schema::{Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    #[session(owner)]
    user_id: u64,
}

fn main() {
    let session = Session::<App>::new();
    let _ = session.log_in("ada");
}
