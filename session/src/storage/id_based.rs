//! The read/save flow of every storage that keeps sessions on the server under
//! their id, written once over a small [`Records`] backend.

use std::future::Future;
use std::time::Duration;

use crate::error::Error;
use crate::id::Redacted;
use crate::schema::Schema;
use crate::session::Session;
use crate::state::State;

/// How often a save retries when another request changed the record between
/// the read and the write of its merge.
const MAX_MERGE_ATTEMPTS: usize = 64;

/// A backend that keeps one JSON record per session id.
pub(crate) trait Records: Send + Sync {
    /// The record stored under `id`, if there is one and it has not expired.
    fn load(&self, id: &str) -> impl Future<Output = Result<Option<String>, Error>> + Send;

    /// Stores `json` under `id`, replacing whatever is there.
    fn insert(&self, id: &str, json: String) -> impl Future<Output = Result<(), Error>> + Send;

    /// Stores `json` under `id` only if the record is still `expected`, as one
    /// atomic step; `false` when it was not.
    fn replace(
        &self,
        id: &str,
        expected: &str,
        json: String,
    ) -> impl Future<Output = Result<bool, Error>> + Send;

    /// Deletes the record under `id`, if any.
    fn remove(&self, id: &str) -> impl Future<Output = Result<(), Error>> + Send;
}

/// Options every id-based storage has.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Options {
    /// Whether an id the storage does not know is adopted for the new session.
    pub(crate) use_unknown_ids: bool,
    /// How long a record lives after its last save.
    pub(crate) ttl: Option<Duration>,
}

/// The session a cookie value (an id) designates.
pub(crate) async fn read<S: Schema>(
    records: &impl Records,
    options: Options,
    cookie_value: Option<&str>,
) -> Result<Session<S>, Error> {
    let Some(id) = cookie_value.filter(|id| !id.is_empty()) else {
        return Ok(Session::new());
    };
    if let Some(json) = records.load(id).await?
        && let Ok(session) = Session::from_stored(id.to_owned(), json)
    {
        return Ok(session);
    }
    Ok(if options.use_unknown_ids {
        Session::with_id(id)
    } else {
        Session::new()
    })
}

/// Saves a session:
/// - destroyed: deletes it (and its `delete_id`) and clears the cookie;
/// - clean: nothing;
/// - loaded from this storage with its id unchanged: applies this request's
///   changes to the latest record atomically, so concurrent requests that change
///   different keys both keep their change; a record deleted meanwhile (the
///   session was destroyed by another request) is not brought back;
/// - otherwise (new, or regenerated): writes the whole session under its id,
///   then deletes `delete_id`. The new record is written before the old one is
///   deleted, so a failure in between never loses both.
pub(crate) async fn save<S: Schema, St: State>(
    records: &impl Records,
    session: &Session<S, St>,
) -> Result<Option<String>, Error> {
    if St::DESTROYED {
        // Every id the session was stored under: the current one, the one it
        // was loaded with (kept by `regenerate_id(false)`), and `delete_id`.
        for id in session.stored_ids() {
            records.remove(id).await?;
        }
        return Ok(Some(String::new()));
    }
    if !session.dirty() {
        return Ok(None);
    }
    if session.updates_stored_record() {
        return merge(records, session).await;
    }
    records.insert(session.id(), session.data_json()?).await?;
    if let Some(old) = session.delete_id() {
        records.remove(old).await?;
    }
    Ok(Some(session.id().to_owned()))
}

async fn merge<S: Schema, St: State>(
    records: &impl Records,
    session: &Session<S, St>,
) -> Result<Option<String>, Error> {
    // Most of the time nobody changed the record since this request read it:
    // then the session's own data is the merge, written in one step.
    if records
        .replace(session.id(), session.stored_text(), session.data_json()?)
        .await?
    {
        return Ok(Some(session.id().to_owned()));
    }
    for attempt in 1..=MAX_MERGE_ATTEMPTS {
        tracing::debug!(
            session = %Redacted(session.id()),
            attempt,
            "the stored session changed since this request read it; merging this request's changes"
        );
        let Some(latest) = records.load(session.id()).await? else {
            // Destroyed (or expired) since this request read it: leave it gone.
            return Ok(None);
        };
        let merged = session.merge_into(&latest)?;
        if records.replace(session.id(), &latest, merged).await? {
            return Ok(Some(session.id().to_owned()));
        }
    }
    Err(Error::Backend(
        format!(
            "session {} changed {MAX_MERGE_ATTEMPTS} times while this request saved it",
            Redacted(session.id())
        )
        .into(),
    ))
}

/// The parts every id-based storage has in common: the `use_unknown_ids`
/// setter, and `SessionStorage` through this module's flow. The storage type
/// needs an `options: Options` field and a `Records` impl.
macro_rules! id_based_storage {
    ($storage:ty) => {
        impl $storage {
            /// Whether a session id sent by a client that the storage does not know
            /// is used for the new session (default `false`: a fresh random id is
            /// made, so a client cannot choose its own id).
            #[must_use]
            pub fn use_unknown_ids(mut self, use_unknown_ids: bool) -> Self {
                self.options.use_unknown_ids = use_unknown_ids;
                self
            }
        }

        impl $crate::storage::SessionStorage for $storage {
            async fn read<S: $crate::Schema>(
                &self,
                cookie_value: Option<&str>,
            ) -> Result<$crate::Session<S>, $crate::Error> {
                $crate::storage::id_based::read(self, self.options, cookie_value).await
            }

            async fn save<S: $crate::Schema, St: $crate::State>(
                &self,
                session: &$crate::Session<S, St>,
            ) -> Result<Option<String>, $crate::Error> {
                $crate::storage::id_based::save(self, session).await
            }
        }
    };
}

pub(crate) use id_based_storage;
