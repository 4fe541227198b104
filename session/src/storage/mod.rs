//! Storages: where sessions live between requests.
//!
//! [`SessionStorage`] mirrors the reference's `read`/`save` pair. The cookie
//! storage keeps the whole session in the cookie; the others keep it on the
//! server under the session id, through one shared flow over a
//! [`SessionBackend`] ([`BackendStorage`]).

mod backend;
mod combine;
mod cookie;
mod fs;
mod id_based;
mod lifecycle;
#[cfg(feature = "memcache")]
mod memcache;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "sqlite")]
mod sqlite;
mod summary;

use std::future::Future;
use std::time::Duration;

use crate::error::Error;
use crate::schema::Schema;
use crate::session::Session;
use crate::state::StateOf;

pub use backend::{Record, SessionBackend};
pub use cookie::CookieStorage;
pub use fs::{FsBackend, FsStorage};
pub use id_based::BackendStorage;
pub use lifecycle::{Clock, ManualClock, SystemClock};
#[cfg(feature = "memcache")]
pub use memcache::{MemcacheBackend, MemcacheStorage};
pub use memory::{MemoryBackend, MemoryStorage};
#[cfg(feature = "postgres")]
pub use postgres::{PostgresBackend, PostgresStorage};
#[cfg(feature = "redis")]
pub use redis::{RedisBackend, RedisStorage};
#[cfg(feature = "sqlite")]
pub use sqlite::{SQLITE_BUSY_TIMEOUT, SqliteBackend, SqliteStorage};
pub use summary::SessionSummary;

/// The lowercase hex SHA-256 of a text: the fs layout's file names, and the
/// keys of owner indexes.
pub(crate) fn hex_sha256(text: &str) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write as _;
    let digest = Sha256::digest(text.as_bytes());
    let mut out = String::with_capacity(digest.len() * 2);
    for byte in digest {
        // Writing to a `String` cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// The largest stored session (a record, or a cookie value) a storage reads:
/// 1 MiB. A larger one reads as absent (and is logged), so a planted or
/// runaway record costs a bounded amount of work to turn away.
pub const MAX_RECORD_LEN: usize = 1 << 20;

/// Reads a session from the value of its cookie, and saves it back.
///
/// One storage serves every schema: the methods are generic over it. The
/// futures are `Send`, so they run on any executor and inside axum.
///
/// ```
/// use session_schema::{MemoryStorage, Session, SessionSchema, SessionStorage};
///
/// #[derive(SessionSchema)]
/// struct Shop {
///     visits: u32,
/// }
///
/// # futures_lite_block_on(async {
/// let storage = MemoryStorage::new();
/// // First request: no cookie yet.
/// let mut session: Session<Shop> = storage.read(None).await?;
/// session.set(Shop::VISITS, 1);
/// let cookie_value = storage.save(&session).await?.expect("a dirty session is stored");
///
/// // Next request: the cookie brings the id back.
/// let session: Session<Shop> = storage.read(Some(&cookie_value)).await?;
/// assert_eq!(session.get(Shop::VISITS), Some(&1));
/// # Ok::<(), session_schema::Error>(())
/// # }).unwrap();
/// # fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// ```
pub trait SessionStorage: Send + Sync {
    /// The session a cookie value designates: the stored one, or a fresh one
    /// (new random id, empty) when the value is absent, empty, unknown to the
    /// storage or invalid.
    ///
    /// # Errors
    ///
    /// When the backend fails (an I/O or connection error); never for bad input.
    fn read<S: Schema>(
        &self,
        cookie_value: Option<&str>,
    ) -> impl Future<Output = Result<Session<S>, Error>> + Send;

    /// [`read`](Self::read) of a cookie value the caller owns and is done
    /// with: a storage that keeps the value as the session's stored text
    /// (the cookie storage), or as its id, takes it without a copy. Session
    /// layers call this; the default reads the value borrowed.
    ///
    /// # Errors
    ///
    /// As [`read`](Self::read).
    fn read_owned<S: Schema>(
        &self,
        cookie_value: Option<String>,
    ) -> impl Future<Output = Result<Session<S>, Error>> + Send {
        async move { self.read(cookie_value.as_deref()).await }
    }

    /// Saves a session, active or destroyed, and says what to do with the cookie:
    /// `None` to leave it, `Some("")` to clear it (the session was destroyed),
    /// or `Some(value)` to set it to `value`.
    ///
    /// # Errors
    ///
    /// When the backend fails or a value cannot be serialized.
    fn save<S: Schema, St: StateOf<S>>(
        &self,
        session: &Session<S, St>,
    ) -> impl Future<Output = Result<Option<String>, Error>> + Send;

    /// How long the cookie set after [`save`](Self::save) returned a value
    /// should live: until the session ends, for a storage with timeouts, so
    /// the cookie's `Max-Age` and `Expires` roll forward with the session.
    /// `None` (the default) leaves the cookie's own attributes. Session layers
    /// call it; call it yourself when writing the cookie by hand.
    fn cookie_max_age<S: Schema, St: StateOf<S>>(
        &self,
        session: &Session<S, St>,
    ) -> Option<Duration> {
        let _ = session;
        None
    }

    /// Whether the cookie set after [`save`](Self::save) returned a value
    /// should end when the browser closes (no `Max-Age`, no `Expires`,
    /// whatever the cookie's own attributes): `true` on a storage with
    /// remembered timeouts for a session that is not
    /// [remembered](Session::set_remembered). `false` by default. Session
    /// layers call it; call it yourself when writing the cookie by hand,
    /// with [`Cookie::serialize_for_browser_session`](crate::Cookie::serialize_for_browser_session).
    fn cookie_ends_with_browser<S: Schema, St: StateOf<S>>(
        &self,
        session: &Session<S, St>,
    ) -> bool {
        let _ = session;
        false
    }

    /// Whether saving `session` moves the end of its cookie (a new session,
    /// or a touch that rolls `Max-Age` and `Expires` forward), so the cookie
    /// must be sent again even when [`save`](Self::save) returns the value
    /// the request sent. `true` by default: a storage that does not say has
    /// its cookie sent after every save that returns a value. Session layers
    /// call it to leave out a `Set-Cookie` that would repeat the request's
    /// own cookie.
    fn cookie_rolls<S: Schema, St: StateOf<S>>(&self, session: &Session<S, St>) -> bool {
        let _ = session;
        true
    }
}

/// A shared storage is a storage: keep an `Arc` of it to use it beside the
/// session layer (to sweep it, say).
impl<T: SessionStorage> SessionStorage for std::sync::Arc<T> {
    fn read<S: Schema>(
        &self,
        cookie_value: Option<&str>,
    ) -> impl Future<Output = Result<Session<S>, Error>> + Send {
        (**self).read(cookie_value)
    }

    fn read_owned<S: Schema>(
        &self,
        cookie_value: Option<String>,
    ) -> impl Future<Output = Result<Session<S>, Error>> + Send {
        (**self).read_owned(cookie_value)
    }

    fn save<S: Schema, St: StateOf<S>>(
        &self,
        session: &Session<S, St>,
    ) -> impl Future<Output = Result<Option<String>, Error>> + Send {
        (**self).save(session)
    }

    fn cookie_max_age<S: Schema, St: StateOf<S>>(
        &self,
        session: &Session<S, St>,
    ) -> Option<Duration> {
        (**self).cookie_max_age(session)
    }

    fn cookie_ends_with_browser<S: Schema, St: StateOf<S>>(
        &self,
        session: &Session<S, St>,
    ) -> bool {
        (**self).cookie_ends_with_browser(session)
    }

    fn cookie_rolls<S: Schema, St: StateOf<S>>(&self, session: &Session<S, St>) -> bool {
        (**self).cookie_rolls(session)
    }
}
