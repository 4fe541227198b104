use actix_web::HttpResponse;
use session_schema::{Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    user: String,
    #[session(flash)]
    notice: String,
}

async fn logout(session: Session<App>) -> HttpResponse {
    let mut destroyed = session.destroy();
    destroyed.set(App::USER, "still here".to_owned());
    HttpResponse::Ok().finish()
}

async fn welcome(mut session: Session<App>) -> HttpResponse {
    session.set(App::NOTICE, "welcome".to_owned());
    HttpResponse::Ok().finish()
}

fn main() {
    let _ = (logout, welcome);
}
