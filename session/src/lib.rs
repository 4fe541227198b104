//! Typed HTTP sessions whose misuse does not compile.
//!
//! A web app keeps per-user data across requests: who is logged in, a cart, a
//! one-time "saved!" message. With this crate you describe that data as a
//! struct, and the compiler checks every access: a value of the wrong type, a
//! flash key used as a value key, a key of another schema, or a change to a
//! destroyed session is a compile error that says what is wrong.
//!
//! ```
//! use session_schema::{Cookie, CookieStorage, Session, SessionSchema, SessionStorage};
//!
//! #[derive(SessionSchema)]
//! struct Shop {
//!     user_id: u64,
//!     #[session(flash)]
//!     notice: String,
//! }
//!
//! # async fn handle(cookie_header: Option<&str>) -> Result<Option<String>, session_schema::Error> {
//! let cookie = Cookie::new("session").secrets(["a secret of at least 32 random bytes"]);
//! let storage = CookieStorage::new();
//!
//! let mut session: Session<Shop> = storage.read(cookie.parse(cookie_header).as_deref()).await?;
//! if session.get(Shop::USER_ID).is_none() {
//!     session.regenerate_id(true);
//!     session.set(Shop::USER_ID, 42);
//!     session.flash(Shop::NOTICE, "Welcome!".to_owned());
//! }
//! // `session.set(Shop::NOTICE, ..)` would not compile: a flash key is set with `flash()`.
//! let set_cookie = match storage.save(&session).await? {
//!     Some(value) if value.is_empty() => Some(cookie.serialize_removal()?),
//!     Some(value) => Some(cookie.serialize(&value)?),
//!     None => None,
//! };
//! # Ok(set_cookie)
//! # }
//! ```
//!
//! Most apps do not call the storage themselves: a web framework integration
//! reads the session before the handler and saves it after. With axum (feature
//! `axum`), see [`axum`]; with actix-web (feature `actix`), see [`actix`].
//! Both refuse unsafe cross-origin requests from browsers by default, and
//! check a session-bound CSRF token when asked to (`CrossOrigin`, `Csrf`,
//! [`Session::csrf_token`]).
//!
//! # The schema
//!
//! `#[derive(SessionSchema)]` on a struct with named fields makes each field a
//! key. `Shop::USER_ID` is a [`ValueKey<Shop, u64>`](ValueKey), and a field marked
//! `#[session(flash)]` gives a [`FlashKey`]: a value kept for the next request
//! only. Every key is optional in a session (absent until set), so fields are
//! written `u64`, not `Option<u64>`. The derive also generates two enums,
//! `ShopValueKey` and `ShopFlashKey`, with `ALL`, `name()`, `Display` and
//! `FromStr`, for code that handles keys by name.
//!
//! | attribute | on | effect |
//! | --- | --- | --- |
//! | `#[session(flash)]` | field | a flash key |
//! | `#[session(rename = "cart-items")]` | field | the name the value is stored under |
//! | `#[session(rename_all = "camelCase")]` | struct | serde's case names for every stored name |
//! | `#[session(crate = "my_app::sessions")]` | struct | the path of this crate, when it is re-exported |
//!
//! # The session
//!
//! [`Session<Shop>`](Session) follows the reference API (`get`, `has`, `set`,
//! `unset`, `flash`, `regenerate_id`, `destroy`), with one twist:
//! [`destroy`](Session::destroy) consumes the session and returns a
//! [`DestroyedSession`], which reads as empty and cannot be changed. The
//! [`typestate`] module explains how the compiler enforces this.
//!
//! Mark the field that identifies the user `#[session(owner)]` and sessions
//! get a third state, [`Session<Shop, LoggedIn>`](LoggedIn): [`log_in`](Session::log_in)
//! sets the owner and renews the id, [`owner`](Session::owner) returns it (on
//! that state only), and a handler that takes a logged-in session runs only
//! for logged-in users.
//!
//! Stored values the schema does not know, and stored values that do not fit
//! their field's type, are kept and written back unchanged: two services with
//! different schemas can share sessions without losing each other's data.
//!
//! # Storages
//!
//! A [`SessionStorage`] turns a cookie value into a session and back:
//!
//! - [`CookieStorage`]: the whole session in the signed (or encrypted) cookie;
//! - [`MemoryStorage`]: in this process;
//! - [`FsStorage`]: one file per session in a directory;
//! - `RedisStorage` (feature `redis`): in Redis or a Redis Cluster;
//! - `MemcacheStorage` (feature `memcache`): in Memcached;
//! - `PostgresStorage` (feature `postgres`): in a PostgreSQL table;
//! - `SqliteStorage` (feature `sqlite`): in a table of an SQLite file;
//! - [`BackendStorage`] over a [`SessionBackend`] of your own.
//!
//! Every storage ends sessions on the server, with an `idle_timeout` and an
//! `absolute_timeout`; the id-based ones can destroy every session of one
//! user at once ([`BackendStorage::destroy_owned_by`]).
//!
//! The data format is the one of the reference implementation
//! (`@remix-run/session` and `@remix-run/cookie`), so a Rust service and a
//! Node.js service with the same secret share sessions.
//!
//! # Feature flags
//!
//! | feature | what it adds |
//! | --- | --- |
//! | `axum` | [`axum::SessionLayer`] and `Session<Shop>` as a handler argument |
//! | `actix` | [`actix::SessionMiddleware`] and `Session<Shop>` as a handler argument |
//! | `redis` | `RedisStorage` (one server or a cluster) |
//! | `memcache` | `MemcacheStorage` |
//! | `postgres` | `PostgresStorage` |
//! | `sqlite` | `SqliteStorage` |
//!
//! No feature is on by default.
//!
//! # Logging
//!
//! The crate emits [`tracing`](https://docs.rs/tracing) events: storage errors
//! with their cause (`error`), cookies that fail to verify (`debug`), merges
//! that had to retry (`debug`). Session ids appear only as a short prefix, and
//! values and secrets never do.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
pub mod actix;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;
mod cookie;
#[cfg(any(feature = "axum", feature = "actix"))]
mod cross_site;
mod data;
mod error;
#[cfg(any(feature = "axum", feature = "actix"))]
mod guard;
mod handoff;
mod id;
#[cfg(any(feature = "axum", feature = "actix"))]
mod integration;
mod json_writer;
mod key;
mod owner;
mod schema;
mod session;
mod slot;
mod state;
mod storage;
mod table;
mod times;
#[cfg(any(feature = "axum", feature = "actix"))]
mod transport;
pub mod typestate;
mod value;

pub use cookie::{
    Cookie, Encrypted, MIN_SECRET_LEN, Protected, Protection, SameSite, Signed, Unsigned,
};
#[cfg(any(feature = "axum", feature = "actix"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "axum", feature = "actix"))))]
pub use cross_site::{CrossOrigin, Csrf, DEFAULT_FORM_LIMIT, Forbidden};
pub use data::SessionData;
pub use error::Error;
pub use id::new_session_id;
pub use key::{
    FlashKey, FlashKeyOf, FlashKeyPassedToSet, FlashKeyPassedToUnset, GetKey, HasKey, OwnerKey,
    SameSchema, SetKey, UnsetKey, ValueKey, ValueKeyPassedToFlash, role,
};
pub use owner::HasOwner;
pub use schema::{Schema, UnknownKey};
pub use session::{DestroyedSession, Session};
pub use session_schema_derive::SessionSchema;
pub use state::{
    Active, CanDestroy, CanFlash, CanLogIn, CanRegenerate, CanSet, CanUnset, CanUpdate, Destroyed,
    IsLoggedIn, LoggedIn, SettableIn, State, StateOf, UnsettableIn,
};
pub use storage::{
    BackendStorage, Clock, CookieStorage, FsBackend, FsStorage, MAX_RECORD_LEN, ManualClock,
    MemoryBackend, MemoryStorage, Record, SessionBackend, SessionStorage, SessionSummary,
    SystemClock,
};
#[cfg(feature = "memcache")]
pub use storage::{MemcacheBackend, MemcacheStorage};
#[cfg(feature = "postgres")]
pub use storage::{PostgresBackend, PostgresStorage};
#[cfg(feature = "redis")]
pub use storage::{RedisBackend, RedisStorage};
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use storage::{SQLITE_BUSY_TIMEOUT, SqliteBackend, SqliteStorage};
#[cfg(any(feature = "axum", feature = "actix"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "axum", feature = "actix"))))]
pub use transport::Transport;
pub use value::SessionValue;

/// What generated code reaches the runtime through. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::key::{flash_key, value_key};
    pub use crate::schema::{Described, KeyEnum, KeyRef, NoKeys, unknown_key};
    pub use crate::slot::Slot;
    pub use crate::table::{KeyDef, key_def};
}
