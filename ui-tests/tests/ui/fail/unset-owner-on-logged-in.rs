use session_schema::{LoggedIn, Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    #[session(owner)]
    user_id: u64,
}

fn forget_user(mut session: Session<App, LoggedIn>) {
    session.unset(App::USER_ID);
}

fn main() {
    let _ = forget_user;
}
