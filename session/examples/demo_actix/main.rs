//! The demo app on actix-web: the same routes, pages, storages and options as
//! the axum demo (`demo`), sharing its schema, pages and settings.
//!
//! ```text
//! cargo run -p session-schema --example demo_actix                      # memory storage, 127.0.0.1:3000
//! cargo run -p session-schema --example demo_actix -- --storage cookie  # or fs, or redis (with REDIS_URL)
//! ```
//!
//! Environment: `ADDR`, `SESSION_SECRET`, `SESSION_DIR`, `REDIS_URL`, as for `demo`.

#[path = "../demo/app.rs"]
mod app;
#[path = "../demo/page.rs"]
mod page;
#[path = "../demo/settings.rs"]
mod settings;

use std::sync::Arc;

use actix_web::http::header::{ContentType, LOCATION, USER_AGENT};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use app::{Demo, Login, Next, Revoker, SignOut};
use session_schema::actix::SessionMiddleware;
use session_schema::{Cookie, Csrf, LoggedIn, Session, SessionStorage};
use settings::StorageKind;

fn html(page: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(page)
}

fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to))
        .finish()
}

async fn home(revoker: web::Data<Revoker>, mut session: Session<Demo>) -> HttpResponse {
    session.update(Demo::VISITS, |visits| *visits += 1);
    let csrf = session.csrf_token();
    html(page::home(
        session.get(Demo::VISITS).copied().unwrap_or_default(),
        session.get(Demo::USER).map(String::as_str),
        session.get(Demo::NOTICE).map(String::as_str),
        revoker.is_some(),
        &csrf,
    ))
}

async fn account(
    revoker: web::Data<Revoker>,
    mut session: Session<Demo, LoggedIn>,
) -> HttpResponse {
    let csrf = session.csrf_token();
    let devices = match revoker.as_ref() {
        Some(revoker) => match revoker.devices(session.owner(), &session.handle()).await {
            Ok(devices) => Some(devices),
            Err(error) => return failed("list the devices", &error),
        },
        None => None,
    };
    html(page::account(
        session.owner(),
        session.get(Demo::NOTICE).map(String::as_str),
        devices.as_deref(),
        &csrf,
    ))
}

async fn sign_out_device(
    revoker: web::Data<Revoker>,
    mut session: Session<Demo, LoggedIn>,
    form: web::Form<SignOut>,
) -> HttpResponse {
    let Some(revoker) = revoker.as_ref() else {
        return redirect("/account");
    };
    match revoker.sign_out(session.owner(), &form.handle).await {
        Ok(signed_out) => {
            session.flash(Demo::NOTICE, app::signed_out_notice(signed_out).to_owned());
            redirect("/account")
        }
        Err(error) => failed("sign the device out", &error),
    }
}

/// A `500` for a storage error, logged.
fn failed(what: &str, error: &session_schema::Error) -> HttpResponse {
    eprintln!("demo: could not {what}: {error}");
    HttpResponse::InternalServerError().body(format!("could not {what}"))
}

async fn login_page(next: web::Query<Next>, mut session: Session<Demo>) -> HttpResponse {
    let next = app::after_login(next.next.as_deref());
    let csrf = session.csrf_token();
    html(page::login(
        &next,
        session.get(Demo::NOTICE).map(String::as_str),
        &csrf,
    ))
}

async fn login(
    request: HttpRequest,
    mut session: Session<Demo>,
    login: web::Form<Login>,
) -> HttpResponse {
    let next = app::after_login(login.next.as_deref());
    match app::login_name(&login.name) {
        Ok(name) => {
            // A new id, the old one deleted: part of logging in.
            let mut session = session.log_in(name.clone());
            let agent = request
                .headers()
                .get(USER_AGENT)
                .and_then(|agent| agent.to_str().ok());
            session.set(Demo::DEVICE, app::device_name(agent));
            session.set_remembered(login.remember.is_some());
            session.flash(Demo::NOTICE, format!("Welcome, {name}!"));
            redirect(&next)
        }
        Err(message) => {
            session.flash(Demo::NOTICE, message.to_owned());
            redirect(if next == "/" { "/" } else { "/login" })
        }
    }
}

async fn logout(session: Session<Demo, LoggedIn>) -> HttpResponse {
    session.destroy();
    redirect("/")
}

async fn logout_everywhere(
    revoker: web::Data<Revoker>,
    session: Session<Demo, LoggedIn>,
) -> HttpResponse {
    let Some(revoker) = revoker.as_ref() else {
        return redirect("/");
    };
    if let Err(error) = revoker.revoke(session.owner()).await {
        eprintln!("demo: log out everywhere failed: {error}");
        return HttpResponse::InternalServerError().body("could not log out everywhere");
    }
    session.destroy();
    redirect("/")
}

/// Serves the demo with `storage`, shared by every worker thread.
async fn serve<Sto: SessionStorage + 'static>(
    addr: &str,
    cookie: Cookie,
    storage: Arc<Sto>,
    revoker: Revoker,
    storage_name: String,
) -> Result<(), Box<dyn std::error::Error>> {
    // Cross-origin protection is on by default; the CSRF check is added.
    let middleware = SessionMiddleware::<Demo, _>::new(cookie, storage)?
        .csrf(Csrf::new())
        .on_unauthenticated(|request| redirect(&format!("/login?next={}", request.path())));
    let revoker = web::Data::new(revoker);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(revoker.clone())
            .wrap(middleware.clone())
            .route("/", web::get().to(home))
            .route("/account", web::get().to(account))
            .route("/login", web::get().to(login_page))
            .route("/login", web::post().to(login))
            .route("/logout", web::post().to(logout))
            .route("/logout-everywhere", web::post().to(logout_everywhere))
            .route("/devices/sign-out", web::post().to(sign_out_device))
    })
    .workers(2)
    .bind(addr)?;
    for bound in server.addrs() {
        println!("demo: {storage_name} storage, listening on http://{bound} (actix-web)");
    }
    server.run().await?;
    Ok(())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let Some(settings) = settings::start()? else {
        return Ok(());
    };
    let cookie = Cookie::new("demo_session").secrets([settings.secret.as_str()]);
    let name = settings.storage.to_string();
    let addr = settings.addr.as_str();
    match &settings.storage {
        StorageKind::Cookie => {
            let storage = Arc::new(app::timed_cookies());
            serve(addr, cookie, storage, None, name).await
        }
        StorageKind::Memory => {
            let storage = Arc::new(app::timed(session_schema::MemoryStorage::new()));
            serve(addr, cookie, Arc::clone(&storage), Some(storage), name).await
        }
        StorageKind::Fs(dir) => {
            let storage = Arc::new(app::timed(session_schema::FsStorage::new(dir)?));
            serve(addr, cookie, Arc::clone(&storage), Some(storage), name).await
        }
        StorageKind::Redis(url) => {
            let storage = Arc::new(app::timed(
                session_schema::RedisStorage::connect(url).await?,
            ));
            serve(addr, cookie, Arc::clone(&storage), Some(storage), name).await
        }
    }
}

fn main() {
    // The library's events (storage errors, refused cookies) go to stderr.
    tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
        .with_writer(std::io::stderr)
        .init();
    let result = actix_web::rt::System::new().block_on(run());
    if let Err(error) = result {
        eprintln!("demo: {error}");
        std::process::exit(1);
    }
}
