//! The demo app: a visit counter, a login form, a one-time welcome message.
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

mod page;
mod settings;

use axum::Form;
use axum::Router;
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use session_schema::axum::SessionLayer;
use session_schema::{Cookie, Session, SessionSchema, SessionStorage};

use settings::{NoStart, Secret, Settings, StorageKind};

/// What the demo keeps per visitor.
#[derive(SessionSchema)]
pub struct Demo {
    /// How many times the visitor loaded the page.
    visits: u64,
    /// The logged-in name.
    user: String,
    /// A message for the next page only.
    #[session(flash)]
    notice: String,
}

#[derive(Deserialize)]
struct Login {
    /// Missing from the form reads as empty, which gets its own message.
    #[serde(default)]
    name: String,
}

async fn home(mut session: Session<Demo>) -> Html<String> {
    let visits = session.get(Demo::VISITS).copied().unwrap_or(0) + 1;
    session.set(Demo::VISITS, visits);
    Html(page::render(
        visits,
        session.get(Demo::USER).map(String::as_str),
        session.get(Demo::NOTICE).map(String::as_str),
    ))
}

async fn login(mut session: Session<Demo>, Form(login): Form<Login>) -> Redirect {
    let name = login.name.trim();
    if name.is_empty() {
        session.flash(Demo::NOTICE, "Please enter a name.".to_owned());
        return Redirect::to("/");
    }
    // A new id after a privilege change, and the old one deleted.
    session.regenerate_id(true);
    session.set(Demo::USER, name.to_owned());
    session.flash(Demo::NOTICE, format!("Welcome, {name}!"));
    Redirect::to("/")
}

async fn logout(session: Session<Demo>) -> Redirect {
    session.destroy();
    Redirect::to("/")
}

fn app<Sto: SessionStorage + 'static>(
    cookie: Cookie,
    storage: Sto,
) -> Result<Router, session_schema::Error> {
    let layer = SessionLayer::<Demo, _>::new(cookie, storage)?;
    Ok(Router::new()
        .route("/", get(home))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .layer(layer))
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
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(NoStart::Help) => {
            println!("{}", settings::USAGE);
            return Ok(());
        }
        Err(NoStart::Invalid(reason)) => return Err(reason.into()),
    };
    if let Secret::Random(_) = settings.secret {
        println!(
            "demo: SESSION_SECRET is not set, so the cookie secret is a random one made now; \
             sessions end when the demo stops"
        );
    }
    let cookie = Cookie::new("demo_session").secrets([settings.secret.as_str()]);
    let router = match &settings.storage {
        StorageKind::Cookie => app(cookie, session_schema::CookieStorage::new())?,
        StorageKind::Memory => app(cookie, session_schema::MemoryStorage::new())?,
        StorageKind::Fs(dir) => app(cookie, session_schema::FsStorage::new(dir)?)?,
        StorageKind::Redis(url) => app(cookie, session_schema::RedisStorage::connect(url).await?)?,
    };
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
