use session_schema::{Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    #[session(owner)]
    user: String,
}

// The handler forgot to take `Session<App, LoggedIn>`.
async fn account(session: Session<App>) -> String {
    format!("the account of {}", session.owner())
}

fn main() {
    let _ = actix_web::web::get().to(account);
}
