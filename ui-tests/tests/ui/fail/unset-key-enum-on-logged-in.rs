use session_schema::{LoggedIn, Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    #[session(owner)]
    user_id: u64,
    theme: String,
}

fn clear(mut session: Session<App, LoggedIn>) {
    for key in AppValueKey::ALL {
        session.unset(*key);
    }
}

fn main() {
    let _ = clear;
}
