use axum::Router;
use axum::response::Redirect;
use axum::routing::{get, post};
use session_schema::axum::SessionLayer;
use session_schema::{Cookie, MemoryStorage, Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    visits: u32,
    #[session(flash)]
    notice: String,
}

async fn home(mut session: Session<App>) -> String {
    let visits = session.get(App::VISITS).copied().unwrap_or(0) + 1;
    session.set(App::VISITS, visits);
    format!("{visits}")
}

async fn login(mut session: Session<App>) -> Redirect {
    session.regenerate_id(true);
    session.flash(App::NOTICE, "welcome".to_owned());
    Redirect::to("/")
}

async fn logout(session: Session<App>) -> Redirect {
    session.destroy();
    Redirect::to("/")
}

fn main() {
    let layer = SessionLayer::<App, _>::new(Cookie::new("s").secrets(["a secret of at least thirty-two bytes"]), MemoryStorage::new()).unwrap();
    let _app: Router = Router::new()
        .route("/", get(home))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .layer(layer);
}
