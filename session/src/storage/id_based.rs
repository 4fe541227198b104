//! The read/save flow of every storage that keeps sessions on the server under
//! their id, written once over a [`SessionBackend`].

use std::future::Future;
use std::time::Duration;

use serde_json::Value;

use super::backend::{Record, SessionBackend};
use super::lifecycle::{Lifecycle, Stamp, lifecycle_setters};
use super::{MAX_RECORD_LEN, SessionStorage};
use crate::data::StoredData;
use crate::error::Error;
use crate::id::Redacted;
use crate::schema::{HasOwner, Schema};
use crate::session::Session;
use crate::state::State;

/// How often a save retries when another request changed the record between
/// the read and the write of its merge.
const MAX_MERGE_ATTEMPTS: usize = 64;

/// A storage that keeps each session on the server under its id, in a
/// [`SessionBackend`]. [`MemoryStorage`](crate::MemoryStorage),
/// [`FsStorage`](crate::FsStorage) and `RedisStorage` are this type over
/// their backends; [`from_backend`](Self::from_backend) makes one over your own.
///
/// What every backend gets from it:
///
/// - **No session fixation**: an id a client sends that the backend does not
///   hold is not adopted (a fresh random id is made instead), unless
///   [`use_unknown_ids(true)`](Self::use_unknown_ids).
/// - **No lost update**: a save applies only this request's changes (values
///   set or unset, flash values read or added) to the record as it is stored
///   now, with a compare-and-set, retrying if another request got in between.
///   A session destroyed by one request is not brought back by another.
/// - **Sessions that end**: [`idle_timeout`](Self::idle_timeout) and
///   [`absolute_timeout`](Self::absolute_timeout), checked against the times
///   the record carries.
/// - **Log out everywhere**: for a schema with a `#[session(owner)]` field,
///   [`owned_by`](Self::owned_by) and [`destroy_owned_by`](Self::destroy_owned_by).
/// - Saving a regenerated session writes the new record before deleting the
///   old one, so a failure in between never loses both; saving a destroyed
///   session deletes every id it was stored under.
pub struct BackendStorage<B> {
    pub(crate) backend: B,
    pub(crate) lifecycle: Lifecycle,
    use_unknown_ids: bool,
}

impl<B: SessionBackend> BackendStorage<B> {
    /// A storage over `backend`: no timeouts, unknown ids not adopted.
    #[must_use]
    pub fn from_backend(backend: B) -> Self {
        BackendStorage {
            backend,
            lifecycle: Lifecycle::default(),
            use_unknown_ids: false,
        }
    }

    /// The backend.
    #[must_use]
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Whether a session id sent by a client that the storage does not know
    /// is used for the new session (default `false`: a fresh random id is
    /// made, so a client cannot choose its own id).
    #[must_use]
    pub fn use_unknown_ids(mut self, use_unknown_ids: bool) -> Self {
        self.use_unknown_ids = use_unknown_ids;
        self
    }

    lifecycle_setters!();

    /// The ids of the live sessions whose owner is `owner`. Index entries that
    /// point to a session gone, ended, or now owned by someone else are
    /// removed on the way.
    ///
    /// # Errors
    ///
    /// When the backend fails, or keeps no owner index.
    pub fn owned_by<S: HasOwner>(
        &self,
        owner: &S::Owner,
    ) -> impl Future<Output = Result<Vec<String>, Error>> + Send {
        let owner = owner_key(owner);
        async move {
            let owner = owner?;
            let mut live = Vec::new();
            for id in self.backend.owned(&owner).await? {
                if self.owned_record::<S>(&id, &owner).await? {
                    live.push(id);
                }
            }
            Ok(live)
        }
    }

    /// Destroys every live session whose owner is `owner` ("log out
    /// everywhere", after a password change, say) and returns how many there
    /// were. A request that saves one of them afterwards does not bring it
    /// back.
    ///
    /// # Errors
    ///
    /// When the backend fails, or keeps no owner index.
    pub fn destroy_owned_by<S: HasOwner>(
        &self,
        owner: &S::Owner,
    ) -> impl Future<Output = Result<usize, Error>> + Send {
        let owner = owner_key(owner);
        async move {
            let owner = owner?;
            let mut destroyed = 0;
            for id in self.backend.owned(&owner).await? {
                if self.owned_record::<S>(&id, &owner).await? {
                    self.backend.remove(&id, Some(&owner)).await?;
                    destroyed += 1;
                }
            }
            Ok(destroyed)
        }
    }

    /// Whether `id` holds a live session of `owner`; unindexes it otherwise.
    async fn owned_record<S: Schema>(&self, id: &str, owner: &str) -> Result<bool, Error> {
        let live_owner = match self.backend.load(id).await?.map(String::from_utf8) {
            Some(Ok(text)) => match StoredData::parse(&text) {
                Ok(data)
                    if !data
                        .times
                        .is_some_and(|times| self.lifecycle.ended(times, self.lifecycle.now())) =>
                {
                    owner_of::<S>(&data)
                }
                _ => None,
            },
            Some(Err(_)) | None => None,
        };
        if live_owner.as_deref() == Some(owner) {
            return Ok(true);
        }
        self.backend.unindex(owner, id).await?;
        Ok(false)
    }

    /// The session a cookie value (an id) designates.
    async fn read_session<S: Schema>(
        &self,
        cookie_value: Option<&str>,
    ) -> Result<Session<S>, Error> {
        let Some(id) = cookie_value.filter(|id| !id.is_empty()) else {
            return Ok(Session::new());
        };
        let Some(bytes) = self.backend.load(id).await? else {
            return Ok(if self.use_unknown_ids {
                Session::with_id(id)
            } else {
                Session::new()
            });
        };
        // A record that exists but cannot be read is never overwritten: the
        // request gets a fresh session under a new id.
        let Ok(text) = String::from_utf8(bytes) else {
            tracing::warn!(
                session = %Redacted(id),
                "a stored session is not UTF-8 text; reading it as absent"
            );
            return Ok(Session::new());
        };
        if text.len() > MAX_RECORD_LEN {
            tracing::warn!(
                session = %Redacted(id),
                size = text.len(),
                limit = MAX_RECORD_LEN,
                "a stored session is larger than the limit; reading it as absent"
            );
            return Ok(Session::new());
        }
        let session = match Session::<S>::from_stored(id.to_owned(), text) {
            Ok(session) => session,
            Err(error) => {
                tracing::warn!(
                    session = %Redacted(id),
                    %error,
                    "a stored session is not valid session data; reading it as absent"
                );
                return Ok(Session::new());
            }
        };
        if let Some(times) = session.times()
            && self.lifecycle.ended(times, self.lifecycle.now())
        {
            let owner = owner_in::<S>(session.stored_text());
            self.backend.remove(id, owner.as_deref()).await?;
            return Ok(Session::new());
        }
        Ok(session)
    }

    /// Saves a session:
    /// - destroyed: deletes it under every id it was stored under, and clears
    ///   the cookie;
    /// - clean, and not due for a touch: nothing;
    /// - loaded from this storage with its id unchanged: applies this
    ///   request's changes to the latest record atomically;
    /// - otherwise (new, or regenerated): writes the whole session under its
    ///   id, then deletes `delete_id`.
    async fn save_session<S: Schema, St: State>(
        &self,
        session: &Session<S, St>,
    ) -> Result<Option<String>, Error> {
        if St::DESTROYED {
            let owner = owner_in::<S>(session.stored_text());
            for id in session.stored_ids() {
                self.backend.remove(id, owner.as_deref()).await?;
            }
            return Ok(Some(String::new()));
        }
        let (touch, stamp, now) = self.lifecycle.plan(session.was_loaded(), session.times());
        if !session.dirty() && !touch {
            return Ok(None);
        }
        let expires_at = self.lifecycle.expires_at(stamp, now);
        if session.updates_stored_record() {
            return self.merge(session, stamp, expires_at).await;
        }
        let text = session.data_json(stamp)?;
        let owner = owner_in::<S>(&text);
        let record = Record {
            text,
            expires_at,
            owner: owner.as_deref(),
        };
        self.backend.insert(session.id(), record).await?;
        if let Some(old) = session.delete_id() {
            let previous = owner_in::<S>(session.stored_text());
            self.backend.remove(old, previous.as_deref()).await?;
        }
        Ok(Some(session.id().to_owned()))
    }

    async fn merge<S: Schema, St: State>(
        &self,
        session: &Session<S, St>,
        stamp: Stamp,
        expires_at: Option<std::time::SystemTime>,
    ) -> Result<Option<String>, Error> {
        // Most of the time nobody changed the record since this request read
        // it: then the session's own data is the merge, written in one step.
        let text = session.data_json(stamp)?;
        let owner = owner_in::<S>(&text);
        let previous = owner_in::<S>(session.stored_text());
        let record = Record {
            text,
            expires_at,
            owner: owner.as_deref(),
        };
        if self
            .backend
            .replace(
                session.id(),
                session.stored_text(),
                previous.as_deref(),
                record,
            )
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
            let Some(latest) = self.backend.load(session.id()).await? else {
                // Destroyed (or expired) since this request read it: leave it gone.
                return Ok(None);
            };
            let Ok(latest) = String::from_utf8(latest) else {
                // Overwritten by something that is not a session: leave it be.
                return Ok(None);
            };
            let merged = session.merge_into(&latest, stamp)?;
            let owner = owner_in::<S>(&merged);
            let previous = owner_in::<S>(&latest);
            let record = Record {
                text: merged,
                expires_at,
                owner: owner.as_deref(),
            };
            if self
                .backend
                .replace(session.id(), &latest, previous.as_deref(), record)
                .await?
            {
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
}

impl<B: SessionBackend> SessionStorage for BackendStorage<B> {
    async fn read<S: Schema>(&self, cookie_value: Option<&str>) -> Result<Session<S>, Error> {
        self.read_session(cookie_value).await
    }

    async fn save<S: Schema, St: State>(
        &self,
        session: &Session<S, St>,
    ) -> Result<Option<String>, Error> {
        self.save_session(session).await
    }

    fn cookie_max_age<S: Schema, St: State>(&self, session: &Session<S, St>) -> Option<Duration> {
        self.lifecycle.cookie_max_age(session.times())
    }
}

impl<B: Clone> Clone for BackendStorage<B> {
    /// Another storage over a clone of the backend (for Redis, the same
    /// connection), with the same settings.
    fn clone(&self) -> Self {
        BackendStorage {
            backend: self.backend.clone(),
            lifecycle: self.lifecycle.clone(),
            use_unknown_ids: self.use_unknown_ids,
        }
    }
}

impl<B: std::fmt::Debug> std::fmt::Debug for BackendStorage<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackendStorage")
            .field("backend", &self.backend)
            .field("lifecycle", &self.lifecycle)
            .field("use_unknown_ids", &self.use_unknown_ids)
            .finish()
    }
}

/// The owner index key of a session record: the owner field's value as
/// compact JSON, or `None` when the schema has no owner or the record none.
pub(crate) fn owner_in<S: Schema>(text: &str) -> Option<String> {
    S::__OWNER?;
    owner_of::<S>(&StoredData::parse(text).ok()?)
}

fn owner_of<S: Schema>(data: &StoredData<'_>) -> Option<String> {
    let name = S::__VALUE_KEYS.get(S::__OWNER?)?.name();
    let (_, raw) = data.values.iter().find(|(stored, _)| stored == name)?;
    let value: Value = serde_json::from_str(raw.get()).ok()?;
    Some(value.to_string())
}

/// The owner index key of an owner value, as [`owner_in`] finds it in a record.
fn owner_key<T: serde::Serialize>(owner: &T) -> Result<String, Error> {
    serde_json::to_value(owner)
        .map(|value| value.to_string())
        .map_err(|source| Error::serialize("owner", source))
}
