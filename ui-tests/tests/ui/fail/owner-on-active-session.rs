use session_schema::{Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    #[session(owner)]
    user_id: u64,
}

// A handler that forgot to ask for a logged-in session.
fn account(session: Session<App>) -> String {
    format!("account of {}", session.owner())
}

fn main() {
    let _ = account;
}
