//! The axum integration (feature `axum`): a layer that loads the session a
//! handler asks for and saves it after the handler.
//!
//! ```no_run
//! use axum::{Router, response::Redirect, routing::{get, post}};
//! use session_schema::axum::SessionLayer;
//! use session_schema::{Cookie, LoggedIn, MemoryStorage, Session, SessionSchema};
//!
//! #[derive(SessionSchema)]
//! struct App {
//!     visits: u32,
//!     #[session(owner)]
//!     user_id: u64,
//!     #[session(flash)]
//!     notice: String,
//! }
//!
//! async fn home(mut session: Session<App>) -> String {
//!     session.update(App::VISITS, |visits| *visits += 1);
//!     let notice = session.get(App::NOTICE).cloned().unwrap_or_default();
//!     format!("visit {:?} {notice}", session.get(App::VISITS))
//! }
//!
//! async fn login(session: Session<App>) -> Redirect {
//!     // Sets the owner and renews the session id.
//!     let mut session = session.log_in(42);
//!     session.flash(App::NOTICE, "Welcome!".to_owned());
//!     Redirect::to("/account")
//! }
//!
//! // Runs only for a logged-in user: other requests get 401.
//! async fn account(session: Session<App, LoggedIn>) -> String {
//!     format!("the account of user {}", session.owner())
//! }
//!
//! async fn logout(session: Session<App, LoggedIn>) -> Redirect {
//!     session.destroy();
//!     Redirect::to("/")
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let cookie = Cookie::new("session").secrets(["a secret of at least 32 random bytes"]);
//! let layer = SessionLayer::<App, _>::new(cookie, MemoryStorage::new())?;
//! let app = Router::new()
//!     .route("/", get(home))
//!     .route("/login", post(login))
//!     .route("/account", get(account))
//!     .route("/logout", post(logout))
//!     .layer(layer);
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
//! - The cookie must be signed or encrypted: an unsigned `Cookie::new(..)`
//!   does not compile here, and [`SessionLayer::new`] refuses an empty secret
//!   or one shorter than 32 bytes (unless the cookie allows short ones). The
//!   cookie is `HttpOnly` unless you set `http_only(false)`.
//! - A storage error while loading or saving becomes a `500 Internal Server
//!   Error` ([`SessionLayer::on_error`] changes the response), and is logged.
//! - A server-error response (5xx) does not save the session by default, so a
//!   request that failed half-way does not store half its changes
//!   ([`SessionLayer::save_on_server_error`] changes that). A destroyed
//!   session is deleted whatever the status: a logout is never lost.
//! - A handler that takes `Session<App, LoggedIn>` runs only when the session
//!   has an owner; other requests get `401 Unauthorized`
//!   ([`SessionLayer::on_unauthenticated`] sends them to a login page
//!   instead), and nothing is saved for them.
//!
//! # What happens to the cookie
//!
//! After the handler, the layer saves the session and writes `Set-Cookie`
//! only when there is something to say:
//!
//! - a new or changed session: the cookie is set to the storage's value
//!   (the id, or the whole session for the cookie storage);
//! - a session read and not changed: no `Set-Cookie`, except when the storage
//!   has an idle timeout and more than a quarter of it has passed since the
//!   session was last touched; then it is set again, with `Max-Age` and
//!   `Expires` rolled forward to the session's new end;
//! - with timeouts, `Max-Age` and `Expires` are always the time left until the
//!   session ends (the idle timeout, or what the absolute timeout leaves);
//! - a destroyed session: the cookie is cleared (`Max-Age=0` and an `Expires`
//!   in 1970).
//!
//! Every response that sets or clears the cookie also gets
//! `Cache-Control: private, no-store` (unless the handler set its own
//! `Cache-Control`) and `Cookie` in `Vary`, so no shared cache keeps one
//! user's `Set-Cookie` and hands it to another.

mod extract;
mod layer;

pub use layer::{SessionLayer, SessionService};
