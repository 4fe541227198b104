use session_schema::{LoggedIn, Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    #[session(owner)]
    user_id: u64,
}

fn next_user(mut session: Session<App, LoggedIn>) {
    session.update(App::USER_ID, |id| *id += 1);
}

fn main() {
    let _ = next_user;
}
