//! The read/save flow of every storage that keeps sessions on the server under
//! their id, written once over a [`SessionBackend`].

use std::any::TypeId;
use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::backend::{self, Record, SessionBackend};
use super::combine::{Combiner, Turn, Waiting};
use super::lifecycle::{Lifecycle, lifecycle_setters};
use super::summary::SessionSummary;
use super::{MAX_RECORD_LEN, SessionStorage};
use crate::data::StoredData;
use crate::error::Error;
use crate::id::{Redacted, session_handle};
use crate::owner::HasOwner;
use crate::schema::Schema;
use crate::session::{Changes, Session};
use crate::state::StateOf;
use crate::times::{Stamp, Times, unix_secs};

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
///   Saves of one session that this storage makes at the same time take
///   turns, and each turn writes all the saves that queued meanwhile in one
///   compare-and-set (see [`SessionBackend::combines_saves`]).
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
    /// The turns of the saves of one session made at the same time.
    combiner: Arc<Combiner<SaveJob, Result<bool, Error>>>,
}

/// A save waiting for its session's turn: its changes, and the times and
/// clock of the request that made them.
struct SaveJob {
    changes: Changes,
    stamp: Stamp,
    now_secs: u64,
}

impl<B: SessionBackend> BackendStorage<B> {
    /// A storage over `backend`: no timeouts, unknown ids not adopted.
    #[must_use]
    pub fn from_backend(backend: B) -> Self {
        BackendStorage {
            backend,
            lifecycle: Lifecycle::default(),
            use_unknown_ids: false,
            combiner: Arc::default(),
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
                if self.examine::<S>(&id, &owner).await? == Entry::Live {
                    live.push(id);
                }
            }
            Ok(live)
        }
    }

    /// Destroys every live session whose owner is `owner` ("log out
    /// everywhere", after a password change, say) and returns how many there
    /// were.
    ///
    /// When it returns, no session of `owner` that existed when it was called
    /// is left, whatever ran meanwhile: a request that saves one of them
    /// afterwards does not bring it back, and one that regenerated its id
    /// meanwhile moved it only while it still existed, into the index this
    /// looks at again until a pass finds nothing live, nothing gone, and the
    /// same entries as the pass before. Only a `log_in` that completes while
    /// this runs may leave a new session.
    ///
    /// # Errors
    ///
    /// When the backend fails, keeps no owner index, or the owner's sessions
    /// kept changing for 16 passes (nothing is promised
    /// then: call it again).
    pub fn destroy_owned_by<S: HasOwner>(
        &self,
        owner: &S::Owner,
    ) -> impl Future<Output = Result<usize, Error>> + Send {
        let owner = owner_key(owner);
        async move {
            let owner = owner?;
            let mut destroyed = 0;
            let mut previous: Option<Vec<String>> = None;
            for _ in 0..MAX_DESTROY_PASSES {
                let mut listed = self.backend.owned(&owner).await?;
                listed.sort_unstable();
                // Nothing changed since the last pass, and nothing is left
                // but entries the backend keeps for saves in flight.
                let settled = previous.as_ref() == Some(&listed);
                let mut changed = false;
                for id in &listed {
                    match self.examine::<S>(id, &owner).await? {
                        Entry::Live => {
                            self.backend.remove(id, Some(&owner)).await?;
                            destroyed += 1;
                            changed = true;
                        }
                        // Moved, destroyed or ended meanwhile: where it went
                        // is in the index now, for the next pass.
                        Entry::Gone => changed = true,
                        Entry::Pending => {}
                    }
                }
                if listed.is_empty() || (!changed && settled) {
                    return Ok(destroyed);
                }
                previous = Some(listed);
            }
            Err(Error::Backend(
                format!(
                    "the sessions of this owner kept changing for {MAX_DESTROY_PASSES} passes of destroy_owned_by"
                )
                .into(),
            ))
        }
    }

    /// A summary of each live session whose owner is `owner`, for a "your
    /// devices" page: its public handle, when it was created and last seen,
    /// and its values, read only. Nothing in a summary reveals a session's
    /// id. Index entries that point to a session gone, ended, or now owned
    /// by someone else are removed on the way, as by [`owned_by`](Self::owned_by).
    ///
    /// ```
    /// use session_schema::{MemoryStorage, Session, SessionSchema, SessionStorage};
    ///
    /// #[derive(SessionSchema)]
    /// struct Shop {
    ///     #[session(owner)]
    ///     user: String,
    ///     device: String,
    /// }
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let storage = MemoryStorage::new();
    /// let mut phone = Session::<Shop>::new().log_in("ada".to_owned());
    /// phone.set(Shop::DEVICE, "phone".to_owned());
    /// storage.save(&phone).await?;
    ///
    /// let sessions = storage.sessions_of::<Shop>(&"ada".to_owned()).await?;
    /// assert_eq!(sessions.len(), 1);
    /// assert_eq!(sessions[0].get(Shop::DEVICE).map(String::as_str), Some("phone"));
    /// assert!(sessions[0].is_current(&phone));
    /// assert_eq!(sessions[0].handle(), phone.handle());
    ///
    /// // "Sign out this device":
    /// assert!(storage.destroy_session_of::<Shop>(&"ada".to_owned(), &phone.handle()).await?);
    /// assert!(storage.sessions_of::<Shop>(&"ada".to_owned()).await?.is_empty());
    /// # Ok::<(), session_schema::Error>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// When the backend fails, or keeps no owner index.
    pub fn sessions_of<S: HasOwner>(
        &self,
        owner: &S::Owner,
    ) -> impl Future<Output = Result<Vec<SessionSummary<S>>, Error>> + Send {
        let owner = owner_key(owner);
        async move {
            let owner = owner?;
            let mut summaries = Vec::new();
            for id in self.backend.owned(&owner).await? {
                if let Some(text) = self.live_record_of::<S>(&id, &owner).await?
                    && let Some(summary) = SessionSummary::from_stored(session_handle(&id), text)
                {
                    summaries.push(summary);
                }
            }
            Ok(summaries)
        }
    }

    /// Ends the one session of `owner` whose [handle](Session::handle) is
    /// `handle` ("sign out this device"), only if it still belongs to
    /// `owner`: a handle of another owner's session, or of a session that
    /// changed owner, ends nothing. Whether a session was ended.
    ///
    /// # Errors
    ///
    /// When the backend fails, or keeps no owner index.
    pub fn destroy_session_of<S: HasOwner>(
        &self,
        owner: &S::Owner,
        handle: &str,
    ) -> impl Future<Output = Result<bool, Error>> + Send {
        let owner = owner_key(owner);
        let handle = handle.to_owned();
        async move {
            let owner = owner?;
            for id in self.backend.owned(&owner).await? {
                if session_handle(&id) != handle {
                    continue;
                }
                // The record is deleted only if it is still the one found
                // live and owned by `owner`: a save meanwhile (which may
                // have logged it out) is looked at again.
                for _ in 0..MAX_DESTROY_PASSES {
                    let Some(text) = self.live_record_of::<S>(&id, &owner).await? else {
                        return Ok(false);
                    };
                    if self.remove_if_unchanged(&id, &text, Some(&owner)).await? {
                        return Ok(true);
                    }
                }
                return Err(Error::Backend(
                    format!("the session kept changing for {MAX_DESTROY_PASSES} tries of destroy_session_of").into(),
                ));
            }
            Ok(false)
        }
    }

    /// The stored text of the owner index entry `id` of `owner`, if it is a
    /// live session of `owner` (else the entry is examined as by
    /// `owned_by`, and taken out when it points nowhere).
    async fn live_record_of<S: Schema>(
        &self,
        id: &str,
        owner: &str,
    ) -> Result<Option<String>, Error> {
        if self.examine::<S>(id, owner).await? != Entry::Live {
            return Ok(None);
        }
        let Some(bytes) = self.backend.load(id).await? else {
            return Ok(None);
        };
        let Ok(text) = String::from_utf8(bytes) else {
            return Ok(None);
        };
        let Ok(data) = StoredData::parse(&text) else {
            return Ok(None);
        };
        let live = owner_of::<S>(&data).as_deref() == Some(owner)
            && !data
                .times
                .is_some_and(|times| self.lifecycle.ended(times, self.lifecycle.now()));
        drop(data);
        Ok(live.then_some(text))
    }

    /// What the owner index entry `id` of `owner` points to. Entries of
    /// sessions gone or owned by someone else are taken out of the index
    /// (ended sessions are deleted).
    async fn examine<S: Schema>(&self, id: &str, owner: &str) -> Result<Entry, Error> {
        // Twice at most: a record that appears while the entry is examined
        // was being saved (the backend keeps its entry) and is looked at again.
        for _ in 0..2 {
            let bytes = self.backend.load(id).await?;
            let data = bytes
                .as_deref()
                .and_then(|bytes| std::str::from_utf8(bytes).ok())
                .and_then(|text| StoredData::parse(text).ok());
            if let Some(data) = &data {
                if data
                    .times
                    .is_some_and(|times| self.lifecycle.ended(times, self.lifecycle.now()))
                {
                    let text = bytes
                        .as_deref()
                        .and_then(|bytes| std::str::from_utf8(bytes).ok())
                        .unwrap_or_default();
                    // Touched meanwhile (so live): looked at again.
                    if self
                        .remove_if_unchanged(id, text, owner_of::<S>(data).as_deref())
                        .await?
                        && self.backend.unindex(owner, id, None).await?
                    {
                        return Ok(Entry::Gone);
                    }
                    continue;
                }
                if owner_of::<S>(data).as_deref() == Some(owner) {
                    return Ok(Entry::Live);
                }
            }
            if self.backend.unindex(owner, id, bytes.as_deref()).await? {
                return Ok(Entry::Gone);
            }
        }
        Ok(Entry::Pending)
    }

    /// The session a cookie value (an id) designates.
    async fn read_session<S: Schema>(
        &self,
        cookie_value: Option<Cow<'_, str>>,
    ) -> Result<Session<S>, Error> {
        let Some(owned_id) = cookie_value.filter(|id| !id.is_empty()) else {
            return Ok(Session::new());
        };
        let id = &*owned_id;
        let Some(bytes) = self.backend.load(id).await? else {
            return Ok(if self.use_unknown_ids {
                Session::with_id(id)
            } else {
                Session::new()
            });
        };
        // A record that exists but cannot be read is never overwritten: the
        // request gets a fresh session under a new id. An empty record, or
        // a moved marker, is a session on its way out (the default `rename`
        // leaves one before deleting the old id).
        if backend::is_gone(&bytes) {
            return Ok(Session::new());
        }
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
        let session = match Session::<S>::from_stored(owned_id.into_owned(), text) {
            Ok(session) => session,
            Err((id, error)) => {
                tracing::warn!(
                    session = %Redacted(&id),
                    error = %JsonErrorPlace(&error),
                    "a stored session is not valid session data; reading it as absent"
                );
                return Ok(Session::new());
            }
        };
        if let Some(times) = session.times()
            && self.lifecycle.ended(times, self.lifecycle.now())
        {
            let owner = owner_in::<S>(session.stored_text());
            // Boxed: a read seldom finds its session ended.
            let (id, text) = (session.id(), session.stored_text());
            Box::pin(self.remove_if_unchanged(id, text, owner.as_deref())).await?;
            return Ok(Session::new());
        }
        Ok(session)
    }

    /// Deletes the record under `id` if it still is `text` (a session that
    /// ended by its times, or that its owner signs out), and takes `id` out
    /// of `owner`'s index. A request that saved the session since it was
    /// read (touching it, or changing it) wrote another text, which stays.
    /// A compare-and-set to a record that reads as no session, then the
    /// delete; whether it deleted.
    async fn remove_if_unchanged(
        &self,
        id: &str,
        text: &str,
        owner: Option<&str>,
    ) -> Result<bool, Error> {
        let now = self.lifecycle.clock.now();
        let ended = Record {
            text: backend::MOVED_MARKER.to_owned(),
            expires_at: Some(now),
            owner: None,
            now,
        };
        if !self.backend.replace(id, text, owner, ended).await? {
            return Ok(false);
        }
        self.backend.remove(id, None).await?;
        Ok(true)
    }

    /// Saves a session:
    /// - destroyed: deletes it under every id it was stored under, and clears
    ///   the cookie;
    /// - clean, and not due for a touch: nothing;
    /// - read from this storage, and ended since (by a timeout): nothing, so
    ///   an ended session is never written again;
    /// - new: writes it under its id;
    /// - read from this storage with its id unchanged: applies this
    ///   request's changes to the latest record atomically;
    /// - read from this storage under another id (regenerated): applies this
    ///   request's changes to the latest record of the old id and moves it
    ///   to the new id, only while the old record is still there.
    async fn save_session<S: Schema, St: StateOf<S>>(
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
        // One reading of the clock for the whole save: the times written,
        // the end they give, and the `now` a backend compares ends with.
        // Not read when nothing uses it: no timeouts, and a backend that
        // does not read the time of a write.
        let clock_now = if self.lifecycle.enabled() || self.backend.reads_write_time() {
            self.lifecycle.clock.now()
        } else {
            SystemTime::UNIX_EPOCH
        };
        let (touch, stamp, now) = self.lifecycle.plan_at(
            session.was_loaded(),
            session.times(),
            session.remembered_now(),
            unix_secs(clock_now),
        );
        if !session.dirty() && !touch {
            return Ok(None);
        }
        let expires_at = self.lifecycle.expires_at(stamp, now);
        if !session.was_loaded() {
            let text = session.data_json(stamp)?;
            let owner = owner_in::<S>(&text);
            let record = Record {
                text,
                expires_at,
                owner: owner.as_deref(),
                now: clock_now,
            };
            self.backend.insert(session.id(), record).await?;
            if let Some(owner) = owner {
                // Boxed: only a login prunes, and a save should not carry its
                // future's size.
                Box::pin(self.prune_owner::<S>(&owner, session.id())).await;
            }
            return Ok(Some(session.id().to_owned()));
        }
        self.write_loaded(session, stamp, expires_at, (now, clock_now))
            .await
    }

    /// After a login: takes out of the owner's index what no longer is a
    /// live session of theirs (at most [`PRUNED_PER_LOGIN`] entries looked
    /// at), so the index of an owner stays within their live sessions,
    /// whether or not the backend expires anything by itself. The login is
    /// saved already: a backend error here is logged, not returned.
    async fn prune_owner<S: Schema>(&self, owner: &str, logged_in: &str) {
        let pruned = async {
            let listed = self.backend.owned(owner).await?;
            for id in listed
                .iter()
                .filter(|id| *id != logged_in)
                .take(PRUNED_PER_LOGIN)
            {
                self.examine::<S>(id, owner).await?;
            }
            Ok::<(), Error>(())
        };
        if let Err(error) = pruned.await {
            tracing::debug!(%error, "the owner index could not be pruned after a login");
        }
    }

    /// Writes the changes of a session read from this storage into the latest
    /// record of the id it was read under: in place, or moved to its new id.
    /// A compare-and-set each time, retried with a fresh merge when another
    /// request got in between; nothing when the record is gone (the session
    /// was destroyed or ended meanwhile).
    async fn write_loaded<S: Schema, St: StateOf<S>>(
        &self,
        session: &Session<S, St>,
        mut stamp: Stamp,
        mut expires_at: Option<std::time::SystemTime>,
        (now_secs, now): (u64, std::time::SystemTime),
    ) -> Result<Option<String>, Error> {
        let from = session.original_id();
        let moved = session.id() != from;
        if !moved && self.backend.combines_saves() {
            // Boxed: a backend that combines saves is a network away, and a
            // save of every other backend should not carry this future's size.
            return Box::pin(self.write_combined(session, stamp, (now_secs, now))).await;
        }
        let ended =
            |times: Option<Times>| times.is_some_and(|times| self.lifecycle.ended(times, now_secs));
        // The record as read: copied only if another request changed it.
        let mut latest = Cow::Borrowed(session.stored_text());
        for attempt in 0..=MAX_MERGE_ATTEMPTS {
            // The session as read has ended by now: unless another request
            // touched it since (then the latest record says so), it stays ended.
            if attempt == 0 && ended(session.times()) {
                continue;
            }
            let text = if attempt == 0 {
                // Most of the time nobody changed the record since this
                // request read it: then the session's own data is the merge.
                session.data_json(stamp)?
            } else {
                tracing::debug!(
                    session = %Redacted(from),
                    attempt,
                    "the stored session changed since this request read it; merging this request's changes"
                );
                match self.backend.load(from).await? {
                    Some(bytes) if !backend::is_gone(&bytes) => match String::from_utf8(bytes) {
                        Ok(stored) => latest = Cow::Owned(stored),
                        // Overwritten by something that is not a session: leave it be.
                        Err(_) => return Ok(None),
                    },
                    // Destroyed, moved or ended since this request read it:
                    // leave it gone.
                    _ => return Ok(None),
                }
                let latest_times = StoredData::parse(&latest).ok().and_then(|data| data.times);
                if ended(latest_times) {
                    // Ended by its timeouts: never written again.
                    return Ok(None);
                }
                // A request that touched the session after this one read the
                // clock leaves a later time: the merge keeps the later one,
                // so the session's times never go back.
                if latest_times.is_some() {
                    stamp = merged_stamp(stamp, session.remember_wish(), latest_times);
                    if let Stamp::Write(ours) = stamp {
                        expires_at = self.lifecycle.expires_at(stamp, ours.touched);
                    }
                }
                session.merge_into(&latest, stamp)?
            };
            let owner = owner_in::<S>(&text);
            let previous = owner_in::<S>(&latest);
            let record = Record {
                text,
                expires_at,
                owner: owner.as_deref(),
                now,
            };
            let written = if moved {
                let keep_from = session.delete_id().is_none();
                // Boxed: only a save after `regenerate_id` renames.
                Box::pin(self.backend.rename(
                    from,
                    &latest,
                    previous.as_deref(),
                    session.id(),
                    record,
                    keep_from,
                ))
                .await?
            } else {
                self.backend
                    .replace(from, &latest, previous.as_deref(), record)
                    .await?
            };
            if written {
                if let Some(owner) = &owner
                    && previous.as_ref() != Some(owner)
                {
                    Box::pin(self.prune_owner::<S>(owner, session.id())).await;
                }
                return Ok(Some(session.id().to_owned()));
            }
        }
        Err(Error::Backend(
            format!(
                "session {} changed {MAX_MERGE_ATTEMPTS} times while this request saved it",
                Redacted(from)
            )
            .into(),
        ))
    }
}

impl<B: SessionBackend> BackendStorage<B> {
    /// Writes the changes of a session read from this storage, and not
    /// moved, into the latest record of its id, in its session's turn: the
    /// saves of the same session that queue meanwhile wait, and the next
    /// turn writes them all in one compare-and-set.
    async fn write_combined<S: Schema, St: StateOf<S>>(
        &self,
        session: &Session<S, St>,
        stamp: Stamp,
        (now_secs, now): (u64, SystemTime),
    ) -> Result<Option<String>, Error> {
        let id = session.id();
        let (mut lead, own) = loop {
            let job = SaveJob {
                changes: session.changes(stamp)?,
                stamp,
                now_secs,
            };
            match self.combiner.join(TypeId::of::<S>(), id, job).await {
                Some(Turn::Done(written)) => return Ok(written?.then(|| id.to_owned())),
                Some(Turn::Lead(lead, own)) => break (lead, own),
                // The save this one waited on went away: join again.
                None => {}
            }
        };
        let waiting = lead.take_waiting();
        let mut jobs = Vec::with_capacity(1 + waiting.len());
        jobs.push(&own);
        jobs.extend(waiting.iter().map(Waiting::job));
        let latest = lead.latest.take();
        let written = self.commit_turn(session, latest, &jobs, now).await;
        drop(jobs);
        let own_written = match written {
            Ok((written, text)) => {
                lead.latest = text;
                // The next turn may begin while this one answers.
                lead.pass_on();
                for (waiting, written) in waiting.into_iter().zip(&written[1..]) {
                    waiting.answer(Ok(*written));
                }
                written[0]
            }
            Err(error) => {
                lead.pass_on();
                for waiting in waiting {
                    waiting.answer(Err(copy_of(&error)));
                }
                return Err(error);
            }
        };
        Ok(own_written.then(|| id.to_owned()))
    }

    /// One turn: applies `jobs` one after the other to the latest record of
    /// `session`'s id and writes the result with one compare-and-set,
    /// retried with a fresh read when another writer got in between.
    /// `latest` is what the last turn wrote, if it did; else the record the
    /// session was read from is expected. Whether each job was written (not
    /// when the session is gone or ended), and the record written.
    async fn commit_turn<S: Schema, St: StateOf<S>>(
        &self,
        session: &Session<S, St>,
        latest: Option<String>,
        jobs: &[&SaveJob],
        now: SystemTime,
    ) -> Result<(Vec<bool>, Option<String>), Error> {
        let id = session.id();
        let ended = |times: Option<Times>, now_secs: u64| {
            times.is_some_and(|times| self.lifecycle.ended(times, now_secs))
        };
        // Whether `base` is the record the session was read from.
        let as_read = latest.is_none();
        // The record as read is borrowed: copied only if another request changed it.
        let mut base: Cow<'_, str> =
            latest.map_or(Cow::Borrowed(session.stored_text()), Cow::Owned);
        let nothing = || Ok((vec![false; jobs.len()], None));
        for attempt in 0..=MAX_MERGE_ATTEMPTS {
            if attempt > 0 {
                tracing::debug!(
                    session = %Redacted(id),
                    attempt,
                    saves = jobs.len(),
                    "the stored session changed since this turn read it; merging this turn's saves"
                );
                match self.backend.load(id).await? {
                    Some(bytes) if !backend::is_gone(&bytes) => match String::from_utf8(bytes) {
                        Ok(stored) => base = Cow::Owned(stored),
                        // Overwritten by something that is not a session: leave it be.
                        Err(_) => return nothing(),
                    },
                    // Destroyed, moved or ended since: leave it gone.
                    _ => return nothing(),
                }
            }
            let base_times = if as_read && attempt == 0 {
                session.times()
            } else {
                StoredData::parse(&base).ok().and_then(|data| data.times)
            };
            // Ended as this turn found it: unless another request touched it
            // since (the latest record says so), it stays ended.
            if attempt == 0 && jobs.iter().any(|job| ended(base_times, job.now_secs)) {
                continue;
            }
            let mut text: Option<String> = None;
            let mut times = base_times;
            let mut last_stamp = None;
            let mut written = vec![false; jobs.len()];
            for (index, job) in jobs.iter().enumerate() {
                if ended(times, job.now_secs) {
                    continue;
                }
                let stamp = merged_stamp(job.stamp, job.changes.remember_wish(), times);
                let current = text.as_deref().unwrap_or(&base);
                text = Some(if as_read && attempt == 0 && index == 0 {
                    // Nobody changed the record since the session was read:
                    // its own data is the first save.
                    job.changes.whole().to_owned()
                } else {
                    job.changes.apply(current, stamp)
                });
                if let Stamp::Write(written_times) = stamp {
                    times = Some(written_times);
                }
                last_stamp = Some((stamp, job.now_secs));
                written[index] = true;
            }
            let (Some(text), Some((stamp, now_secs))) = (text, last_stamp) else {
                return nothing();
            };
            let touched = match stamp {
                Stamp::Write(times) => times.touched,
                Stamp::None => now_secs,
            };
            let owner = owner_in::<S>(&text);
            let previous = owner_in::<S>(&base);
            let record = Record {
                text: text.clone(),
                expires_at: self.lifecycle.expires_at(stamp, touched),
                owner: owner.as_deref(),
                now,
            };
            if self
                .backend
                .replace(id, &base, previous.as_deref(), record)
                .await?
            {
                if let Some(owner) = &owner
                    && previous.as_ref() != Some(owner)
                {
                    Box::pin(self.prune_owner::<S>(owner, id)).await;
                }
                return Ok((written, Some(text)));
            }
        }
        Err(Error::Backend(
            format!(
                "session {} changed {MAX_MERGE_ATTEMPTS} times while this request saved it",
                Redacted(id)
            )
            .into(),
        ))
    }
}

/// The times a save writes over a record whose times are `theirs`: a
/// request that touched the session after this one read the clock leaves a
/// later time, kept so the session's times never go back; a remember mark
/// the request did not set is the record's.
fn merged_stamp(stamp: Stamp, remember_wish: Option<bool>, theirs: Option<Times>) -> Stamp {
    match (stamp, theirs) {
        (Stamp::Write(mut ours), Some(theirs)) => {
            ours.touched = ours.touched.max(theirs.touched);
            if remember_wish.is_none() {
                ours.remembered = theirs.remembered;
            }
            Stamp::Write(ours)
        }
        (stamp, _) => stamp,
    }
}

/// An error for a save whose turn another save led: the same message.
fn copy_of(error: &Error) -> Error {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    Error::Backend(message.into())
}

/// What an owner index entry points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    /// A live session of the owner.
    Live,
    /// Nothing of the owner any more: the entry is gone from the index.
    Gone,
    /// Nothing yet: a save may be writing it (the backend kept the entry).
    Pending,
}

/// How many entries of an owner's index a login looks at, to take out
/// those of sessions that ended: a bounded cost per login, which keeps up
/// as long as fewer sessions of one owner end between two of its logins.
const PRUNED_PER_LOGIN: usize = 32;

/// How many times [`BackendStorage::destroy_owned_by`] goes over an owner's
/// index while its sessions keep moving, before it gives up with an error.
const MAX_DESTROY_PASSES: usize = 16;

/// A JSON error's category and place, without the text of the input that
/// serde quotes in its message (a stored value must not reach the logs).
struct JsonErrorPlace<'a>(&'a serde_json::Error);

impl std::fmt::Display for JsonErrorPlace<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let category = match self.0.classify() {
            serde_json::error::Category::Io => "I/O error",
            serde_json::error::Category::Syntax => "not JSON",
            serde_json::error::Category::Data => "JSON of the wrong shape",
            serde_json::error::Category::Eof => "cut-off JSON",
        };
        write!(
            f,
            "{category} at line {} column {}",
            self.0.line(),
            self.0.column()
        )
    }
}

impl<B: SessionBackend> SessionStorage for BackendStorage<B> {
    async fn read<S: Schema>(&self, cookie_value: Option<&str>) -> Result<Session<S>, Error> {
        self.read_session(cookie_value.map(Cow::Borrowed)).await
    }

    /// Keeps the value as the session's id, without a copy.
    async fn read_owned<S: Schema>(
        &self,
        cookie_value: Option<String>,
    ) -> Result<Session<S>, Error> {
        self.read_session(cookie_value.map(Cow::Owned)).await
    }

    async fn save<S: Schema, St: StateOf<S>>(
        &self,
        session: &Session<S, St>,
    ) -> Result<Option<String>, Error> {
        self.save_session(session).await
    }

    fn cookie_max_age<S: Schema, St: StateOf<S>>(
        &self,
        session: &Session<S, St>,
    ) -> Option<Duration> {
        self.lifecycle
            .cookie_max_age(session.times(), session.remembered_now())
    }

    fn cookie_ends_with_browser<S: Schema, St: StateOf<S>>(
        &self,
        session: &Session<S, St>,
    ) -> bool {
        self.lifecycle
            .cookie_ends_with_browser(session.remembered_now())
    }

    fn cookie_rolls<S: Schema, St: StateOf<S>>(&self, session: &Session<S, St>) -> bool {
        self.lifecycle
            .end_moves(session.was_loaded(), session.times())
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
            // Its own turns: a clone of the backend may be another store.
            combiner: Arc::default(),
        }
    }
}

impl<B: std::fmt::Debug> std::fmt::Debug for BackendStorage<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackendStorage")
            .field("backend", &self.backend)
            .field("lifecycle", &self.lifecycle)
            .field("use_unknown_ids", &self.use_unknown_ids)
            .finish_non_exhaustive()
    }
}

/// The owner index key of a session record: the owner field's value as
/// compact JSON, or `None` when the schema has no owner or the record none.
pub(crate) fn owner_in<S: Schema>(text: &str) -> Option<String> {
    let name = owner_name::<S>()?;
    // A record without the owner's name between quotes, and without an
    // escape that could spell it, has no owner: no need to parse it (most
    // saves of a session nobody logged in to).
    if !text.contains('\\') && !names_quoted(text, name) {
        return None;
    }
    owner_of::<S>(&StoredData::parse(text).ok()?)
}

/// Whether `name` occurs in `text` between two quotes.
fn names_quoted(text: &str, name: &str) -> bool {
    text.match_indices(name)
        .any(|(at, _)| text[..at].ends_with('"') && text[at + name.len()..].starts_with('"'))
}

/// The stored name of the schema's owner key, if it has one.
fn owner_name<S: Schema>() -> Option<&'static str> {
    Some(S::__VALUE_KEYS.get(S::__OWNER?)?.name())
}

fn owner_of<S: Schema>(data: &StoredData<'_>) -> Option<String> {
    let name = owner_name::<S>()?;
    let (_, raw) = data.values.iter().find(|(stored, _)| stored == name)?;
    let value: Value = serde_json::from_str(raw).ok()?;
    Some(value.to_string())
}

/// The owner index key of an owner value, as [`owner_in`] finds it in a record.
fn owner_key<T: serde::Serialize>(owner: &T) -> Result<String, Error> {
    serde_json::to_value(owner)
        .map(|value| value.to_string())
        .map_err(|source| Error::serialize("owner", source))
}
