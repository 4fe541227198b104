// `Option<Session<App, LoggedIn>>` as a handler argument in both frameworks,
// alone and before a `Session<App>`; and `into_logged_in` for a page that
// does both with one argument.
use session_schema::{Cookie, LoggedIn, MemoryStorage, Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    visits: u32,
    #[session(owner)]
    user: String,
    #[session(flash)]
    notice: String,
}

async fn home(user: Option<Session<App, LoggedIn>>) -> String {
    match user {
        Some(session) => format!("hello {}", session.owner()),
        None => "hello, stranger".to_owned(),
    }
}

async fn home_with_notice(user: Option<Session<App, LoggedIn>>, session: Session<App>) -> String {
    // Reached for anonymous visitors only: with a logged-in one, the first
    // argument holds the session.
    let _ = user;
    format!("{:?}", session.get(App::NOTICE))
}

async fn either(session: Session<App>) -> String {
    match session.into_logged_in() {
        Ok(mut logged_in) => {
            logged_in.update(App::VISITS, |visits| *visits += 1);
            format!("hello {}", logged_in.owner())
        }
        Err(anonymous) => format!("{:?}", anonymous.get(App::NOTICE)),
    }
}

fn axum_app() -> axum::Router {
    use axum::routing::get;
    let cookie = Cookie::new("s").secrets(["a secret of at least thirty-two bytes"]);
    let layer = session_schema::axum::SessionLayer::<App, _>::new(cookie, MemoryStorage::new()).unwrap();
    axum::Router::new()
        .route("/", get(home))
        .route("/notice", get(home_with_notice))
        .route("/either", get(either))
        .layer(layer)
}

fn actix_app() {
    use actix_web::web;
    let cookie = Cookie::new("s").secrets(["a secret of at least thirty-two bytes"]);
    let middleware =
        session_schema::actix::SessionMiddleware::<App, _>::new(cookie, MemoryStorage::new()).unwrap();
    let _app = actix_web::App::new()
        .wrap(middleware)
        .route("/", web::get().to(home))
        .route("/notice", web::get().to(home_with_notice))
        .route("/either", web::get().to(either));
}

fn main() {
    let _ = axum_app();
    actix_app();
}
