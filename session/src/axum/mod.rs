//! The axum integration (feature `axum`): a layer that loads the session a
//! handler asks for and saves it after the handler.
//!
//! ```no_run
//! use axum::{Router, response::Redirect, routing::{get, post}};
//! use session_schema::axum::SessionLayer;
//! use session_schema::{Cookie, MemoryStorage, Session, SessionSchema};
//!
//! #[derive(SessionSchema)]
//! struct App {
//!     visits: u32,
//!     #[session(flash)]
//!     notice: String,
//! }
//!
//! async fn home(mut session: Session<App>) -> String {
//!     let visits = session.get(App::VISITS).copied().unwrap_or(0) + 1;
//!     session.set(App::VISITS, visits);
//!     let notice = session.get(App::NOTICE).cloned().unwrap_or_default();
//!     format!("visit {visits} {notice}")
//! }
//!
//! async fn logout(session: Session<App>) -> Redirect {
//!     session.destroy();
//!     Redirect::to("/")
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let cookie = Cookie::new("session").secrets(["a long random secret"]);
//! let layer = SessionLayer::<App, _>::new(cookie, MemoryStorage::new())?;
//! let app = Router::new().route("/", get(home)).route("/logout", post(logout)).layer(layer);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # How a session gets back to the layer
//!
//! A handler takes `Session<App>` as an argument, by value, and may change it,
//! destroy it, or do nothing with it. Whatever it does, the session is dropped
//! when the handler returns, and dropping a session that came from this layer
//! hands it back to its request: the layer then saves it and sets or clears
//! the cookie. So no change can be forgotten, and `destroy()` works as
//! everywhere else: the destroyed session is handed back and saving it deletes
//! it. A handler that sends its session elsewhere (into a spawned task) and so
//! keeps it past the response cannot have it saved; debug builds assert on that.
//!
//! # What the layer does
//!
//! - A handler that does not take a `Session` costs nothing: the storage is
//!   read only when a handler asks for the session.
//! - The cookie must be signed ([`SessionLayer::new`] refuses an unsigned one)
//!   and is `HttpOnly` unless you set `http_only(false)`.
//! - A storage error while loading or saving becomes a `500 Internal Server
//!   Error` ([`SessionLayer::on_error`] changes the response).
//! - A server-error response (5xx) does not save the session by default, so a
//!   request that failed half-way does not store half its changes
//!   ([`SessionLayer::save_on_server_error`] changes that).

mod extract;
mod layer;

pub use layer::{SessionLayer, SessionService};
