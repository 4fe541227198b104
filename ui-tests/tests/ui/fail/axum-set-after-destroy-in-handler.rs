use axum::response::Redirect;
use session_schema::{Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    user: String,
}

async fn logout(session: Session<App>) -> Redirect {
    let destroyed = session.destroy();
    let mut destroyed = destroyed;
    destroyed.set(App::USER, "still here".to_owned());
    Redirect::to("/")
}

async fn logout_then_use(mut session: Session<App>) -> Redirect {
    session.destroy();
    session.set(App::USER, "still here".to_owned());
    Redirect::to("/")
}

fn main() {
    let _ = (logout, logout_then_use);
}
