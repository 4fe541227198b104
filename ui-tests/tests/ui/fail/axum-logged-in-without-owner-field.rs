use session_schema::{LoggedIn, Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    user_id: u64,
}

async fn account(session: Session<App, LoggedIn>) -> String {
    format!("{:?}", session.get(App::USER_ID))
}

fn main() {
    let _app: axum::Router = axum::Router::new().route("/account", axum::routing::get(account));
}
