//! The axum integration (feature `axum`): a layer that loads the session a
//! handler asks for and saves it after the handler.
//!
//! ```no_run
//! use axum::{Router, response::Redirect, routing::{get, post}};
//! use session_schema::axum::SessionLayer;
//! use session_schema::{Cookie, LoggedIn, MemoryStorage, Session, SessionSchema};
//!
//! #[derive(SessionSchema)]
//! struct Shop {
//!     visits: u32,
//!     #[session(owner)]
//!     user_id: u64,
//!     #[session(flash)]
//!     notice: String,
//! }
//!
//! async fn home(mut session: Session<Shop>) -> String {
//!     session.update(Shop::VISITS, |visits| *visits += 1);
//!     let notice = session.get(Shop::NOTICE).cloned().unwrap_or_default();
//!     format!("visit {:?} {notice}", session.get(Shop::VISITS))
//! }
//!
//! async fn login(session: Session<Shop>) -> Redirect {
//!     // Sets the owner and renews the session id.
//!     let mut session = session.log_in(42);
//!     session.flash(Shop::NOTICE, "Welcome!".to_owned());
//!     Redirect::to("/account")
//! }
//!
//! // Runs only for a logged-in user: other requests get 401.
//! async fn account(session: Session<Shop, LoggedIn>) -> String {
//!     format!("the account of user {}", session.owner())
//! }
//!
//! async fn logout(session: Session<Shop, LoggedIn>) -> Redirect {
//!     session.destroy();
//!     Redirect::to("/")
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let cookie = Cookie::new("session").secrets(["a secret of at least 32 random bytes"]);
//! let layer = SessionLayer::<Shop, _>::new(cookie, MemoryStorage::new())?;
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
//! A handler takes `Session<Shop>` as an argument, by value, and may change it,
//! destroy it, or do nothing with it. Whatever it does, the session is dropped
//! when the handler returns, and dropping a session that came from this layer
//! hands it back to its request: the layer then saves it and sets or clears
//! the cookie. So no change can be forgotten, and `destroy()` works as
//! everywhere else: the destroyed session is handed back and saving it deletes
//! it. A handler that sends its session elsewhere (into a spawned task) and so
//! keeps it past the response cannot have it saved: the layer logs a warning
//! (`a session was kept beyond its request`) and leaves the stored session as
//! it was.
//!
//! One handler takes the session once: two `Session` arguments in one
//! handler fail with a `500` (the second finds the session held by the
//! first). A middleware that takes the session and gives it back before the
//! handler runs shares it with the handler, with one storage read.
//!
//! # Reaching the storage from a handler
//!
//! "Log out everywhere" and the other storage calls need the storage in the
//! handler. Keep it behind an [`Arc`](std::sync::Arc), give the layer one
//! clone and the router's state another (an `Arc` of a storage is a storage
//! too):
//!
//! ```no_run
//! use std::sync::Arc;
//! use axum::{Router, extract::State, response::Redirect, routing::post};
//! use session_schema::axum::SessionLayer;
//! use session_schema::{Cookie, LoggedIn, MemoryStorage, Session, SessionSchema};
//!
//! #[derive(SessionSchema)]
//! struct Shop {
//!     #[session(owner)]
//!     user_id: u64,
//! }
//!
//! async fn log_out_everywhere(
//!     State(storage): State<Arc<MemoryStorage>>,
//!     session: Session<Shop, LoggedIn>,
//! ) -> Redirect {
//!     let user = *session.owner();
//!     if let Err(error) = storage.destroy_owned_by::<Shop>(&user).await {
//!         eprintln!("could not log user {user} out everywhere: {error}");
//!     }
//!     Redirect::to("/")
//! }
//!
//! # fn app() -> Result<Router, session_schema::Error> {
//! let storage = Arc::new(MemoryStorage::new());
//! let cookie = Cookie::new("session").secrets(["a secret of at least 32 random bytes"]);
//! let layer = SessionLayer::<Shop, _>::new(cookie, Arc::clone(&storage))?;
//! let app = Router::new()
//!     .route("/log-out-everywhere", post(log_out_everywhere))
//!     .with_state(storage)
//!     .layer(layer);
//! # Ok(app)
//! # }
//! ```
//!
//! (`MemoryStorage` itself is not `Clone`: it owns its sessions, and two
//! copies would hold two sets of them.)
//!
//! # When a handler does not compile
//!
//! axum reports a handler whose arguments it cannot extract with its own
//! generic message, "the trait bound `fn(..) {handler}: Handler<_, _>` is not
//! satisfied", which hides this crate's messages. Put
//! `#[axum::debug_handler]` (axum's `macros` feature) on the handler while
//! you fix it, and the compiler says what is wrong with which argument:
//!
//! ```text
//! error[E0277]: `Shop` has no owner field: logging in and finding sessions by owner need one
//!  --> src/main.rs:8:27
//!   |
//! 8 | async fn account(session: Session<Shop, LoggedIn>) -> String {
//!   |                           ^^^^^^^^^^^^^^^^^^^^^^ `Shop` has no `#[session(owner)]` field
//! ```
//!
//! (A `Session<Shop, LoggedIn>` for a schema without an owner is reported at
//! the type already, before axum's message.)
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
//! - A handler that takes `Session<Shop, LoggedIn>` runs only when the session
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
//!
//! # Cross-site requests
//!
//! The layer refuses, with `403 Forbidden` and before the handler
//! and the storage run, an unsafe request (not `GET`, `HEAD` or `OPTIONS`)
//! that a browser sends from another origin ([`CrossOrigin`](crate::CrossOrigin),
//! on by default). A front end on another origin, or a webhook, needs
//! [`SessionLayer::cross_origin`]:
//!
//! ```
//! # use session_schema::{Cookie, CrossOrigin, Csrf, MemoryStorage, SessionSchema};
//! # use session_schema::axum::SessionLayer;
//! # #[derive(SessionSchema)] struct Shop { visits: u32 }
//! # fn make() -> Result<SessionLayer<Shop, MemoryStorage>, session_schema::Error> {
//! # let cookie = Cookie::new("session").secrets(["a secret of at least 32 random bytes"]);
//! let sessions = SessionLayer::<Shop, _>::new(cookie, MemoryStorage::new())?
//!     .cross_origin(CrossOrigin::new().trusted_origin("https://app.example.com")?)
//!     // Forms carry `session.csrf_token()` in a hidden `_csrf` field.
//!     .csrf(Csrf::new());
//! # Ok(sessions)
//! # }
//! ```
//!
//! With [`SessionLayer::csrf`], unsafe requests must also carry the session's
//! token ([`Session::csrf_token`](crate::Session::csrf_token)): see [`Csrf`](crate::Csrf)
//! for where. [`SessionLayer::on_forbidden`] changes the refusal.
//!
//! # Sessions in a header
//!
//! [`SessionLayer::transport`] with [`Transport::header`](crate::Transport::header)
//! or [`Transport::cookie_or_header`](crate::Transport::cookie_or_header)
//! serves API and mobile clients that keep the session's value themselves
//! and send it in a header; the response carries the new value in that header
//! (an empty one when the session ended). Requests that carry their session in
//! the header skip the cross-site checks: a browser never sends that header by
//! itself.

mod extract;
mod guard;
mod layer;

pub use layer::{SessionLayer, SessionService};
