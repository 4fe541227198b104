use session_schema::{Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    user_id: u64,
    #[session(flash)]
    notice: String,
}

fn main() {
    let mut session = Session::<App>::new();
    session.set(App::NOTICE, "saved".to_owned());
}
