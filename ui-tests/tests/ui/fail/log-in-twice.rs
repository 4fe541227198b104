use session_schema::{LoggedIn, Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    #[session(owner)]
    user_id: u64,
}

fn become_someone_else(session: Session<App, LoggedIn>) -> Session<App, LoggedIn> {
    session.log_in(2)
}

fn main() {
    let _ = become_someone_else;
}
