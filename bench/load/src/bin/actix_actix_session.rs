//! The same route with actix-session on actix-web: `STORAGE=cookie` (its
//! cookie store, signed) or `redis` (its Redis store).

use actix_session::config::CookieContentSecurity;
use actix_session::storage::{CookieSessionStore, RedisSessionStore, SessionStore};
use actix_session::{Session, SessionMiddleware};
use actix_web::cookie::Key;
use actix_web::{App, HttpServer, web};

async fn visit(session: Session) -> String {
    let visits: u64 = session.get("visits").ok().flatten().unwrap_or(0) + 1;
    session.insert("visits", visits).unwrap();
    format!("visits {visits}")
}

async fn serve<Store: SessionStore + 'static>(
    store: impl Fn() -> Store + Send + Clone + 'static,
) -> std::io::Result<()> {
    let key = Key::from(session_load::SECRET.as_bytes());
    HttpServer::new(move || {
        let middleware = SessionMiddleware::builder(store(), key.clone())
            .cookie_secure(false)
            .cookie_content_security(CookieContentSecurity::Signed)
            .build();
        App::new().wrap(middleware).route("/", web::get().to(visit))
    })
    .workers(2)
    .bind(session_load::addr())?
    .run()
    .await
}

fn main() -> std::io::Result<()> {
    actix_web::rt::System::new().block_on(async {
        if session_load::storage() == "redis" {
            // Its clones share one connection manager.
            let store = RedisSessionStore::new(session_load::redis_url())
                .await
                .unwrap();
            serve(move || store.clone()).await
        } else {
            serve(CookieSessionStore::default).await
        }
    })
}
