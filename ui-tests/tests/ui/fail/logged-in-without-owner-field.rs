use session_schema::{LoggedIn, Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    user_id: u64,
}

fn account(session: Session<App, LoggedIn>) -> String {
    format!("account of {}", session.owner())
}

fn main() {
    let _ = account;
}
