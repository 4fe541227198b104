//! The demo app on axum: a visit counter, a login form, a one-time welcome
//! message, a page for logged-in users only, and "log out everywhere"; its
//! forms carry the session's CSRF token, and cross-site posts are refused.
//!
//! ```text
//! cargo run -p session-schema --example demo                      # memory storage, 127.0.0.1:3000
//! cargo run -p session-schema --example demo -- --storage cookie  # or fs, or redis (with REDIS_URL)
//! ADDR=127.0.0.1:8080 cargo run -p session-schema --example demo
//! ```
//!
//! Environment: `ADDR` (listen address), `SESSION_SECRET` (cookie secret;
//! random at each start if unset, which logs everyone out on restart),
//! `SESSION_DIR` (fs storage directory), `REDIS_URL` (redis storage).
//! `demo_actix` serves the same app with actix-web.

mod app;
mod page;
mod settings;

use std::sync::Arc;

use app::{Demo, Login, Next, Revoker, SignOut};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::http::header::USER_AGENT;
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use session_schema::axum::SessionLayer;
use session_schema::{Cookie, Csrf, LoggedIn, Session, SessionStorage};
use settings::{Settings, StorageKind};

async fn home(State(revoker): State<Revoker>, mut session: Session<Demo>) -> Html<String> {
    session.update(Demo::VISITS, |visits| *visits += 1);
    let csrf = session.csrf_token();
    Html(page::home(
        session.get(Demo::VISITS).copied().unwrap_or_default(),
        session.get(Demo::USER).map(String::as_str),
        session.get(Demo::NOTICE).map(String::as_str),
        revoker.is_some(),
        &csrf,
    ))
}

async fn account(
    State(revoker): State<Revoker>,
    mut session: Session<Demo, LoggedIn>,
) -> axum::response::Response {
    let csrf = session.csrf_token();
    let devices = match &revoker {
        Some(revoker) => match revoker.devices(session.owner(), &session.handle()).await {
            Ok(devices) => Some(devices),
            Err(error) => return failed("list the devices", &error),
        },
        None => None,
    };
    Html(page::account(
        session.owner(),
        session.get(Demo::NOTICE).map(String::as_str),
        devices.as_deref(),
        &csrf,
    ))
    .into_response()
}

async fn sign_out_device(
    State(revoker): State<Revoker>,
    mut session: Session<Demo, LoggedIn>,
    Form(form): Form<SignOut>,
) -> axum::response::Response {
    let Some(revoker) = revoker else {
        return Redirect::to("/account").into_response();
    };
    match revoker.sign_out(session.owner(), &form.handle).await {
        Ok(signed_out) => {
            session.flash(Demo::NOTICE, app::signed_out_notice(signed_out).to_owned());
            Redirect::to("/account").into_response()
        }
        Err(error) => failed("sign the device out", &error),
    }
}

/// A `500` for a storage error, logged.
fn failed(what: &str, error: &session_schema::Error) -> axum::response::Response {
    eprintln!("demo: could not {what}: {error}");
    (
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        format!("could not {what}"),
    )
        .into_response()
}

async fn login_page(Query(next): Query<Next>, mut session: Session<Demo>) -> Html<String> {
    let next = app::after_login(next.next.as_deref());
    let csrf = session.csrf_token();
    Html(page::login(
        &next,
        session.get(Demo::NOTICE).map(String::as_str),
        &csrf,
    ))
}

async fn login(
    mut session: Session<Demo>,
    headers: HeaderMap,
    Form(login): Form<Login>,
) -> Redirect {
    let next = app::after_login(login.next.as_deref());
    match app::login_name(&login.name) {
        Ok(name) => {
            // A new id, the old one deleted: part of logging in.
            let mut session = session.log_in(name.clone());
            let agent = headers
                .get(USER_AGENT)
                .and_then(|agent| agent.to_str().ok());
            session.set(Demo::DEVICE, app::device_name(agent));
            session.set_remembered(login.remember.is_some());
            session.flash(Demo::NOTICE, format!("Welcome, {name}!"));
            Redirect::to(&next)
        }
        Err(message) => {
            session.flash(Demo::NOTICE, message.to_owned());
            Redirect::to(if next == "/" { "/" } else { "/login" })
        }
    }
}

async fn logout(session: Session<Demo, LoggedIn>) -> Redirect {
    session.destroy();
    Redirect::to("/")
}

async fn logout_everywhere(
    State(revoker): State<Revoker>,
    session: Session<Demo, LoggedIn>,
) -> axum::response::Response {
    let Some(revoker) = revoker else {
        return Redirect::to("/").into_response();
    };
    if let Err(error) = revoker.revoke(session.owner()).await {
        eprintln!("demo: log out everywhere failed: {error}");
        return (
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "could not log out everywhere",
        )
            .into_response();
    }
    session.destroy();
    Redirect::to("/").into_response()
}

fn app<Sto: SessionStorage + 'static>(
    cookie: Cookie,
    storage: Sto,
    revoker: Revoker,
) -> Result<Router, session_schema::Error> {
    // Cross-origin protection is on by default; the CSRF check is added.
    let layer = SessionLayer::<Demo, _>::new(cookie, storage)?
        .csrf(Csrf::new())
        .on_unauthenticated(|request| {
            Redirect::to(&format!("/login?next={}", request.uri.path())).into_response()
        });
    Ok(Router::new()
        .route("/", get(home))
        .route("/account", get(account))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/logout-everywhere", post(logout_everywhere))
        .route("/devices/sign-out", post(sign_out_device))
        .layer(layer)
        .with_state(revoker))
}

/// The router with the storage the settings name, and its revoker if any.
async fn router(settings: &Settings, cookie: Cookie) -> Result<Router, Box<dyn std::error::Error>> {
    fn backend<St: SessionStorage + app::Revoke + 'static>(
        cookie: Cookie,
        storage: St,
    ) -> Result<Router, session_schema::Error> {
        let storage = Arc::new(storage);
        let revoker: Revoker = Some(Arc::clone(&storage) as Arc<dyn app::Revoke>);
        app(cookie, storage, revoker)
    }
    Ok(match &settings.storage {
        StorageKind::Cookie => app(cookie, app::timed_cookies(), None)?,
        StorageKind::Memory => backend(cookie, app::timed(session_schema::MemoryStorage::new()))?,
        StorageKind::Fs(dir) => backend(cookie, app::timed(session_schema::FsStorage::new(dir)?))?,
        StorageKind::Redis(url) => backend(
            cookie,
            app::timed(session_schema::RedisStorage::connect(url).await?),
        )?,
    })
}

#[tokio::main]
async fn main() {
    // The library's events (storage errors, refused cookies) go to stderr.
    tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
        .with_writer(std::io::stderr)
        .init();
    if let Err(error) = run().await {
        eprintln!("demo: {error}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let Some(settings) = settings::start()? else {
        return Ok(());
    };
    let cookie = Cookie::new("demo_session").secrets([settings.secret.as_str()]);
    let router = router(&settings, cookie).await?;
    let listener = tokio::net::TcpListener::bind(&settings.addr).await?;
    println!(
        "demo: {} storage, listening on http://{}",
        settings.storage,
        listener.local_addr()?
    );
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
