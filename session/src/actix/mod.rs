//! The actix-web integration (feature `actix`): a middleware that loads the
//! session a handler asks for and saves it after the handler, with the axum
//! layer's behaviour.
//!
//! ```no_run
//! use actix_web::{App, HttpResponse, HttpServer, web};
//! use session_schema::actix::SessionMiddleware;
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
//!     format!("visit {:?}", session.get(Shop::VISITS))
//! }
//!
//! async fn login(session: Session<Shop>) -> HttpResponse {
//!     let mut session = session.log_in(42);
//!     session.flash(Shop::NOTICE, "Welcome!".to_owned());
//!     HttpResponse::SeeOther().insert_header(("Location", "/account")).finish()
//! }
//!
//! // Runs only for a logged-in user: other requests get 401.
//! async fn account(session: Session<Shop, LoggedIn>) -> String {
//!     format!("the account of user {}", session.owner())
//! }
//!
//! # fn run() -> std::io::Result<()> {
//! let cookie = Cookie::new("session").secrets(["a secret of at least 32 random bytes"]);
//! let middleware = SessionMiddleware::<Shop, _>::new(cookie, MemoryStorage::new())
//!     .map_err(std::io::Error::other)?;
//! actix_web::rt::System::new().block_on(async move {
//!     HttpServer::new(move || {
//!         App::new()
//!             .wrap(middleware.clone())
//!             .route("/", web::get().to(home))
//!             .route("/login", web::post().to(login))
//!             .route("/account", web::get().to(account))
//!     })
//!     .bind("127.0.0.1:3000")?
//!     .run()
//!     .await
//! })
//! # }
//! ```
//!
//! The schema is called `Shop` here, not `App`: a struct named `App` beside
//! `use actix_web::App` is two items of one name, and the compiler's errors
//! then point at the derive. Any name that is not `App` does.
//!
//! actix-web builds the app once per worker thread: build the middleware once
//! and clone it into the factory, as above. Its clones share one storage; a
//! middleware made inside the factory would give each thread a storage, and
//! sessions, of its own.
//!
//! # Reaching the storage from a handler
//!
//! "Log out everywhere" and the other storage calls need the storage in the
//! handler: keep it behind an [`Arc`](std::sync::Arc), give the middleware one
//! clone and the app data another (an `Arc` of a storage is a storage too;
//! `MemoryStorage` itself is not `Clone`, as two copies would hold two sets of
//! sessions):
//!
//! ```no_run
//! use std::sync::Arc;
//! use actix_web::{App, HttpResponse, web};
//! use session_schema::actix::SessionMiddleware;
//! use session_schema::{Cookie, LoggedIn, MemoryStorage, Session, SessionSchema};
//!
//! #[derive(SessionSchema)]
//! struct Shop {
//!     #[session(owner)]
//!     user_id: u64,
//! }
//!
//! async fn log_out_everywhere(
//!     storage: web::Data<Arc<MemoryStorage>>,
//!     session: Session<Shop, LoggedIn>,
//! ) -> HttpResponse {
//!     let user = *session.owner();
//!     match storage.destroy_owned_by::<Shop>(&user).await {
//!         Ok(_) => HttpResponse::SeeOther().insert_header(("Location", "/")).finish(),
//!         Err(_) => HttpResponse::InternalServerError().finish(),
//!     }
//! }
//!
//! # fn factory() -> Result<(), session_schema::Error> {
//! let storage = Arc::new(MemoryStorage::new());
//! let cookie = Cookie::new("session").secrets(["a secret of at least 32 random bytes"]);
//! let middleware = SessionMiddleware::<Shop, _>::new(cookie, Arc::clone(&storage))?;
//! let data = web::Data::new(storage);
//! let make_app = move || {
//!     App::new()
//!         .app_data(data.clone())
//!         .wrap(middleware.clone())
//!         .route("/log-out-everywhere", web::post().to(log_out_everywhere))
//! };
//! # let _ = make_app;
//! # Ok(())
//! # }
//! ```
//!
//! # What the middleware does
//!
//! Exactly what the [axum layer](crate::axum) does, through the same
//! framework-neutral core:
//!
//! - the storage is read only when a handler asks for the session, and once
//!   per request: a middleware that takes the session and gives it back
//!   shares it with the handler. Two `Session` arguments in one handler fail
//!   with a `500` (the second finds the session held by the first);
//! - a handler's session goes back to the request when the handler drops it,
//!   and is saved after the handler; `Set-Cookie`, `Cache-Control: private,
//!   no-store` and `Vary: Cookie` are added to the response when the cookie
//!   is set or cleared (see [what happens to the cookie](crate::axum#what-happens-to-the-cookie));
//! - a storage error becomes a `500` ([`SessionMiddleware::on_error`]);
//! - a 5xx response saves nothing unless
//!   [`save_on_server_error`](SessionMiddleware::save_on_server_error), except
//!   a destroyed session, which is always deleted;
//! - `Session<App, LoggedIn>` turns away requests without an owner
//!   ([`SessionMiddleware::on_unauthenticated`]);
//! - an unsigned cookie does not compile, and short or empty secrets are refused.
//!
//! # Cross-site requests
//!
//! The middleware refuses, with `403 Forbidden` and before the handler
//! and the storage run, an unsafe request (not `GET`, `HEAD` or `OPTIONS`)
//! that a browser sends from another origin ([`CrossOrigin`](crate::CrossOrigin),
//! on by default). A front end on another origin, or a webhook, needs
//! [`SessionMiddleware::cross_origin`]:
//!
//! ```
//! # use session_schema::{Cookie, CrossOrigin, Csrf, MemoryStorage, SessionSchema};
//! # use session_schema::actix::SessionMiddleware;
//! # #[derive(SessionSchema)] struct Shop { visits: u32 }
//! # fn make() -> Result<SessionMiddleware<Shop, MemoryStorage>, session_schema::Error> {
//! # let cookie = Cookie::new("session").secrets(["a secret of at least 32 random bytes"]);
//! let sessions = SessionMiddleware::<Shop, _>::new(cookie, MemoryStorage::new())?
//!     .cross_origin(CrossOrigin::new().trusted_origin("https://app.example.com")?)
//!     // Forms carry `session.csrf_token()` in a hidden `_csrf` field.
//!     .csrf(Csrf::new());
//! # Ok(sessions)
//! # }
//! ```
//!
//! With [`SessionMiddleware::csrf`], unsafe requests must also carry the session's
//! token ([`Session::csrf_token`](crate::Session::csrf_token)): see [`Csrf`](crate::Csrf)
//! for where. [`SessionMiddleware::on_forbidden`] changes the refusal.
//!
//! # Sessions in a header
//!
//! [`SessionMiddleware::transport`] with [`Transport::header`](crate::Transport::header)
//! or [`Transport::cookie_or_header`](crate::Transport::cookie_or_header)
//! serves API and mobile clients that keep the session's value themselves
//! and send it in a header; the response carries the new value in that header
//! (an empty one when the session ended). Requests that carry their session in
//! the header skip the cross-site checks: a browser never sends that header by
//! itself.

mod extract;
mod guard;
mod middleware;

pub use middleware::{SessionMiddleware, SessionService};
