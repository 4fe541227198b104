use session_schema::{Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    #[session(flsh)]
    notice: String,
}

fn takes_session(_session: Session<App>) {}

fn main() {
    takes_session(Session::new());
}
