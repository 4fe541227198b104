//! The read-and-write route with session-schema on actix-web:
//! `STORAGE=memory`, `cookie` or `redis`.

use actix_web::{App, HttpServer, web};
use session_load::{SECRET, Visit};
use session_schema::actix::SessionMiddleware;
use session_schema::{Cookie, CookieStorage, MemoryStorage, RedisStorage, Session, SessionStorage};

async fn visit(mut session: Session<Visit>) -> String {
    session.update(Visit::VISITS, |visits| *visits += 1);
    format!(
        "visits {}",
        session.get(Visit::VISITS).copied().unwrap_or_default()
    )
}

async fn serve(storage: impl SessionStorage + 'static) -> std::io::Result<()> {
    let cookie = Cookie::new("id").secrets([SECRET]);
    let middleware = SessionMiddleware::<Visit, _>::new(cookie, storage).unwrap();
    HttpServer::new(move || {
        App::new()
            .wrap(middleware.clone())
            .route("/", web::get().to(visit))
    })
    .workers(2)
    .bind(session_load::addr())?
    .run()
    .await
}

fn main() -> std::io::Result<()> {
    actix_web::rt::System::new().block_on(async {
        match session_load::storage().as_str() {
            "cookie" => serve(CookieStorage::new()).await,
            "redis" => {
                serve(
                    RedisStorage::connect(&session_load::redis_url())
                        .await
                        .unwrap(),
                )
                .await
            }
            _ => serve(MemoryStorage::new()).await,
        }
    })
}
