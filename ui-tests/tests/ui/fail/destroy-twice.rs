use session_schema::{Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    user_id: u64,
    #[session(flash)]
    notice: String,
}

fn main() {
    let destroyed = Session::<App>::new().destroy();
    let _ = destroyed.destroy();
}
