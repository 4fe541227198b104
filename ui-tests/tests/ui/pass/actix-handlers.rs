use actix_web::http::header::LOCATION;
use actix_web::{App as ActixApp, HttpResponse, web};
use session_schema::actix::SessionMiddleware;
use session_schema::{Cookie, LoggedIn, MemoryStorage, Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    visits: u32,
    #[session(owner)]
    user: String,
    #[session(flash)]
    notice: String,
}

async fn home(mut session: Session<App>) -> String {
    session.update(App::VISITS, |visits| *visits += 1);
    format!("{:?} {:?}", session.get(App::VISITS), session.get(App::NOTICE))
}

async fn login(session: Session<App>) -> HttpResponse {
    let mut session = session.log_in("ada".to_owned());
    session.flash(App::NOTICE, "welcome".to_owned());
    HttpResponse::SeeOther().insert_header((LOCATION, "/account")).finish()
}

async fn account(session: Session<App, LoggedIn>) -> String {
    format!("the account of {}", session.owner())
}

async fn logout(session: Session<App, LoggedIn>) -> HttpResponse {
    let mut anonymous = session.log_out();
    anonymous.flash(App::NOTICE, "bye".to_owned());
    HttpResponse::SeeOther().insert_header((LOCATION, "/")).finish()
}

async fn close(session: Session<App, LoggedIn>) -> HttpResponse {
    session.destroy();
    HttpResponse::SeeOther().insert_header((LOCATION, "/")).finish()
}

fn main() {
    let cookie = Cookie::new("s").secrets(["a secret of at least thirty-two bytes"]);
    let middleware = SessionMiddleware::<App, _>::new(cookie, MemoryStorage::new()).unwrap();
    let _app = ActixApp::new()
        .wrap(middleware)
        .route("/", web::get().to(home))
        .route("/login", web::post().to(login))
        .route("/account", web::get().to(account))
        .route("/logout", web::post().to(logout))
        .route("/close", web::post().to(close));
}
