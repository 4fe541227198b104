//! Storages: where sessions live between requests.
//!
//! [`SessionStorage`] mirrors the reference's `read`/`save` pair. The cookie
//! storage keeps the whole session in the cookie; the others keep it on the
//! server under the session id, through one shared flow ([`id_based`]).

mod cookie;
mod fs;
mod id_based;
mod memory;
#[cfg(feature = "redis")]
mod redis;

use std::future::Future;

use crate::error::Error;
use crate::schema::Schema;
use crate::session::Session;
use crate::state::State;

pub use cookie::CookieStorage;
pub use fs::FsStorage;
pub use memory::MemoryStorage;
#[cfg(feature = "redis")]
pub use redis::RedisStorage;

/// Reads a session from the value of its cookie, and saves it back.
///
/// One storage serves every schema: the methods are generic over it. The
/// futures are `Send`, so they run on any executor and inside axum.
///
/// ```
/// use session_schema::{MemoryStorage, Session, SessionSchema, SessionStorage};
///
/// #[derive(SessionSchema)]
/// struct App {
///     visits: u32,
/// }
///
/// # futures_lite_block_on(async {
/// let storage = MemoryStorage::new();
/// // First request: no cookie yet.
/// let mut session: Session<App> = storage.read(None).await?;
/// session.set(App::VISITS, 1);
/// let cookie_value = storage.save(&session).await?.expect("a dirty session is stored");
///
/// // Next request: the cookie brings the id back.
/// let session: Session<App> = storage.read(Some(&cookie_value)).await?;
/// assert_eq!(session.get(App::VISITS), Some(&1));
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

    /// Saves a session, active or destroyed, and says what to do with the cookie:
    /// `None` to leave it, `Some("")` to clear it (the session was destroyed),
    /// or `Some(value)` to set it to `value`.
    ///
    /// # Errors
    ///
    /// When the backend fails or a value cannot be serialized.
    fn save<S: Schema, St: State>(
        &self,
        session: &Session<S, St>,
    ) -> impl Future<Output = Result<Option<String>, Error>> + Send;
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

    fn save<S: Schema, St: State>(
        &self,
        session: &Session<S, St>,
    ) -> impl Future<Output = Result<Option<String>, Error>> + Send {
        (**self).save(session)
    }
}
