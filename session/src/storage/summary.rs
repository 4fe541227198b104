//! What a "your devices" page shows of one session: [`SessionSummary`].

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::key::GetKey;
use crate::schema::Schema;
use crate::session::Session;
use crate::state::StateOf;
use crate::times::Times;
use crate::value::SessionValue;

/// One live session of an owner, as
/// [`BackendStorage::sessions_of`](super::BackendStorage::sessions_of) lists
/// it: a public handle, when it was created and last seen, and its values,
/// read only. Nothing in it reveals the session's id (a credential):
/// [`handle`](Self::handle) is derived from it one way.
pub struct SessionSummary<S: Schema> {
    handle: String,
    times: Option<Times>,
    /// The session as stored, under its handle rather than its id.
    session: Session<S>,
}

impl<S: Schema> SessionSummary<S> {
    /// A summary of the session stored as `text` under the id whose handle
    /// is `handle`; `None` if the text is no session.
    pub(crate) fn from_stored(handle: String, text: String) -> Option<Self> {
        // Under its handle: the summary never holds the id.
        let session = Session::<S>::from_stored(handle.clone(), text).ok()?;
        let times = session.times();
        Some(SessionSummary {
            handle,
            times,
            session,
        })
    }

    /// The session's public handle (22 URL-safe characters): safe in HTML and
    /// in a URL, it names the session for
    /// [`destroy_session_of`](super::BackendStorage::destroy_session_of).
    #[must_use]
    pub fn handle(&self) -> &str {
        &self.handle
    }

    /// When the session was created (to the second), if the storage keeps
    /// times (it does once any timeout is configured).
    #[must_use]
    pub fn created(&self) -> Option<SystemTime> {
        self.times.map(|times| at(times.created))
    }

    /// When the session was last saved or touched by a request (to the
    /// second; the storage touches an unchanged session once more than a
    /// quarter of the idle timeout has passed), if the storage keeps times.
    #[must_use]
    pub fn last_seen(&self) -> Option<SystemTime> {
        self.times.map(|times| at(times.touched))
    }

    /// A value of the session, read only, as [`Session::get`] reads it: an
    /// app that stores the device's name or user agent at login shows it.
    #[must_use]
    pub fn get<K>(&self, key: K) -> Option<&K::Value>
    where
        K: GetKey<S>,
        K::Value: SessionValue,
    {
        self.session.get(key)
    }

    /// Whether this is `session`: the current request's, to mark "this
    /// device" on the page (and not offer to sign it out from there).
    #[must_use]
    pub fn is_current<St: StateOf<S>>(&self, session: &Session<S, St>) -> bool {
        self.handle == session.handle()
    }
}

fn at(unix_seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(unix_seconds)
}

impl<S: Schema> fmt::Debug for SessionSummary<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionSummary")
            .field("handle", &self.handle)
            .field("created", &self.created())
            .field("last_seen", &self.last_seen())
            .finish_non_exhaustive()
    }
}
