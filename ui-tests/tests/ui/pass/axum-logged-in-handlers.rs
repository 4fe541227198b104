use axum::Router;
use axum::response::Redirect;
use axum::routing::{get, post};
use session_schema::axum::SessionLayer;
use session_schema::{Cookie, LoggedIn, MemoryStorage, Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    #[session(owner)]
    user: String,
    theme: String,
    #[session(flash)]
    notice: String,
}

async fn login(session: Session<App>) -> Redirect {
    let mut session = session.log_in("ada".to_owned());
    session.flash(App::NOTICE, "Welcome".to_owned());
    Redirect::to("/account")
}

async fn account(mut session: Session<App, LoggedIn>) -> String {
    session.set(App::THEME, "dark".to_owned());
    session.unset(App::THEME);
    format!("{} {:?}", session.owner(), session.get(App::NOTICE))
}

async fn logout(session: Session<App, LoggedIn>) -> Redirect {
    let _anonymous = session.log_out();
    Redirect::to("/")
}

async fn close_account(session: Session<App, LoggedIn>) -> Redirect {
    session.destroy();
    Redirect::to("/")
}

fn main() {
    let cookie = Cookie::new("s").secrets(["a secret of at least thirty-two bytes"]);
    let layer = SessionLayer::<App, _>::new(cookie, MemoryStorage::new()).unwrap();
    let _app: Router = Router::new()
        .route("/login", post(login))
        .route("/account", get(account))
        .route("/logout", post(logout))
        .route("/close", post(close_account))
        .layer(layer);
}
