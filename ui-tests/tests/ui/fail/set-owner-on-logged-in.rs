use session_schema::{LoggedIn, Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    #[session(owner)]
    user_id: u64,
}

fn switch_user(mut session: Session<App, LoggedIn>) {
    session.set(App::USER_ID, 2);
}

fn main() {
    let _ = switch_user;
}
