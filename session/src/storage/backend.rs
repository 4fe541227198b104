//! The record operations a server-side store implements: the public backend
//! trait behind every id-based storage.

use std::future::Future;
use std::time::SystemTime;

use crate::error::Error;

/// A session record as a backend stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    /// The record: JSON `[values, flash]`, with a third element holding the
    /// session's times when the storage has timeouts. Store it as it is; the
    /// storage reads it back.
    pub text: String,
    /// When the session ends at the latest, if it ends: a backend with its
    /// own expiry (Redis `EX`, a database column) may forget the record from
    /// then on, and may drop the session's owner index entry from then on.
    /// The storage checks the times in the record itself, so a backend
    /// without expiry loses nothing but space.
    pub expires_at: Option<SystemTime>,
    /// The owner the session belongs to (the `#[session(owner)]` field, as
    /// its compact JSON text), if it has one: the key of the owner index.
    pub owner: Option<&'a str>,
    /// The time now, by the storage's clock: compare `expires_at` of stored
    /// entries with it (not with the system clock, which a test's clock
    /// does not move).
    pub now: SystemTime,
}

/// A store that keeps one text record per session id: the few operations that
/// [`BackendStorage`](crate::BackendStorage) builds a whole storage on.
///
/// The storage does the rest, the same way for every backend: fresh sessions
/// and unknown ids, expiry from the times in the record, merging the changes
/// of concurrent requests into the latest record (so none is lost), moving a
/// session to its new id after `regenerate_id` only while its record is still
/// there (so a session destroyed meanwhile stays destroyed), and the owner
/// index behind "log out everywhere". A backend only stores, compares and
/// deletes text.
///
/// What the storage relies on, and each shipped backend provides:
///
/// - [`replace`](Self::replace) is a compare-and-set: one atomic step;
/// - the owner index never misses a live session: an entry is added before
///   (or with) the record it points to, and removed after (or with) it;
/// - [`unindex`](Self::unindex) does not take out an entry whose record
///   became a session of that owner after the storage looked (a backend
///   that cannot check this atomically keeps recent entries).
///
/// [`rename`](Self::rename) has a default built on the other operations, so a
/// backend needs to write it only to make it one atomic step.
///
/// Errors are [`Error::Backend`] (or any [`Error`]); the storage passes them on
/// to the caller, never panics.
///
/// # An example backend
///
/// A whole backend over a `HashMap`, with the owner index, used as a storage:
///
/// ```
/// use std::collections::{HashMap, HashSet};
/// use std::sync::Mutex;
///
/// use session_schema::{
///     BackendStorage, Error, LoggedIn, Record, Session, SessionBackend, SessionSchema,
///     SessionStorage,
/// };
///
/// #[derive(Default)]
/// struct Maps {
///     records: HashMap<String, String>,
///     owners: HashMap<String, HashSet<String>>,
/// }
///
/// impl Maps {
///     fn index(&mut self, id: &str, owner: Option<&str>) {
///         if let Some(owner) = owner {
///             self.owners.entry(owner.to_owned()).or_default().insert(id.to_owned());
///         }
///     }
///
///     fn unindex(&mut self, id: &str, owner: Option<&str>) {
///         if let Some(ids) = owner.and_then(|owner| self.owners.get_mut(owner)) {
///             ids.remove(id);
///         }
///     }
/// }
///
/// /// Sessions in a map, one lock for the records and the index: every
/// /// operation is atomic, so the default `rename` is too.
/// #[derive(Default)]
/// struct MapBackend(Mutex<Maps>);
///
/// impl SessionBackend for MapBackend {
///     async fn load(&self, id: &str) -> Result<Option<Vec<u8>>, Error> {
///         Ok(self.0.lock().unwrap().records.get(id).cloned().map(String::into_bytes))
///     }
///
///     async fn insert(&self, id: &str, record: Record<'_>) -> Result<(), Error> {
///         let mut maps = self.0.lock().unwrap();
///         maps.index(id, record.owner);
///         maps.records.insert(id.to_owned(), record.text);
///         Ok(())
///     }
///
///     async fn replace(
///         &self,
///         id: &str,
///         expected: &str,
///         previous_owner: Option<&str>,
///         record: Record<'_>,
///     ) -> Result<bool, Error> {
///         let mut maps = self.0.lock().unwrap();
///         if maps.records.get(id).map(String::as_str) != Some(expected) {
///             return Ok(false);
///         }
///         if previous_owner != record.owner {
///             maps.unindex(id, previous_owner);
///             maps.index(id, record.owner);
///         }
///         maps.records.insert(id.to_owned(), record.text);
///         Ok(true)
///     }
///
///     async fn remove(&self, id: &str, owner: Option<&str>) -> Result<(), Error> {
///         let mut maps = self.0.lock().unwrap();
///         maps.records.remove(id);
///         maps.unindex(id, owner);
///         Ok(())
///     }
///
///     async fn owned(&self, owner: &str) -> Result<Vec<String>, Error> {
///         let maps = self.0.lock().unwrap();
///         Ok(maps.owners.get(owner).map(|ids| ids.iter().cloned().collect()).unwrap_or_default())
///     }
///
///     async fn unindex(&self, owner: &str, id: &str, seen: Option<&[u8]>) -> Result<bool, Error> {
///         let mut maps = self.0.lock().unwrap();
///         // Only if the record is still what the storage looked at.
///         if maps.records.get(id).map(String::as_bytes) == seen {
///             maps.unindex(id, Some(owner));
///         }
///         Ok(!maps.owners.get(owner).is_some_and(|ids| ids.contains(id)))
///     }
/// }
///
/// #[derive(SessionSchema)]
/// struct Shop {
///     #[session(owner)]
///     user_id: u64,
/// }
///
/// # futures_lite_block_on(async {
/// let storage = BackendStorage::from_backend(MapBackend::default());
/// let session: Session<Shop, LoggedIn> = Session::<Shop>::new().log_in(7);
/// let id = storage.save(&session).await?.expect("a new session is stored");
/// assert_eq!(storage.owned_by::<Shop>(&7).await?, vec![id.clone()]);
/// assert_eq!(storage.destroy_owned_by::<Shop>(&7).await?, 1);
/// let gone: Session<Shop> = storage.read(Some(&id)).await?;
/// assert_ne!(gone.id(), id);
/// # Ok::<(), Error>(())
/// # }).unwrap();
/// # fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// ```
///
/// `tests/tests/test_backend.rs` runs the flows every shipped storage passes
/// (fresh sessions, unknown ids, destroy, regenerate, expiry, racing saves,
/// revocation) against this backend, and `tests/tests/test_checker.rs` runs
/// the concurrency checker against it.
pub trait SessionBackend: Send + Sync + 'static {
    /// The record stored under `id`, if there is one, as the bytes stored (a
    /// record that is not UTF-8 text, written by another program, reads as
    /// unreadable rather than absent: its id is never reused). A backend with
    /// its own expiry may report an expired record as absent.
    fn load(&self, id: &str) -> impl Future<Output = Result<Option<Vec<u8>>, Error>> + Send;

    /// Stores `record` under `id`, replacing whatever is there, and adds `id`
    /// to the index of `record.owner` (before the record, or in the same
    /// atomic step).
    fn insert(
        &self,
        id: &str,
        record: Record<'_>,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Stores `record` under `id` only if the stored record is still exactly
    /// `expected`, as one atomic step (a compare-and-set); `false` when it was
    /// not (or is gone). When the owner changed (`previous_owner`, the owner
    /// of `expected`, differs from `record.owner`), moves `id` from one
    /// owner's index to the other.
    fn replace(
        &self,
        id: &str,
        expected: &str,
        previous_owner: Option<&str>,
        record: Record<'_>,
    ) -> impl Future<Output = Result<bool, Error>> + Send;

    /// Moves a session to a new id: only if the record under `from` is still
    /// exactly `expected`, stores `record` under `to` (indexed under
    /// `record.owner`) and, unless `keep_from`, deletes `from` (and takes it
    /// out of `previous_owner`'s index); `false`, changing nothing, when the
    /// record under `from` changed or is gone. The storage calls it to save a
    /// session whose id was regenerated, so that a session destroyed (or
    /// logged out everywhere) meanwhile is not brought back under its new id.
    ///
    /// The default does it in steps that keep that promise without a
    /// transaction: it inserts `to`, then checks `from` (a compare-and-set of
    /// `from` to a marker that reads as no session, `moved:` and the hash of
    /// `to`, when it is to be deleted, then deletes it), and deletes `to`
    /// again when the check fails. Until then `to` exists but no client knows
    /// its id. Write this method to make it one step.
    fn rename(
        &self,
        from: &str,
        expected: &str,
        previous_owner: Option<&str>,
        to: &str,
        record: Record<'_>,
        keep_from: bool,
    ) -> impl Future<Output = Result<bool, Error>> + Send {
        rename_in_steps(self, from, expected, previous_owner, to, record, keep_from)
    }

    /// Deletes the record under `id`, if any, and takes `id` out of `owner`'s
    /// index (after the record, or in the same atomic step).
    fn remove(
        &self,
        id: &str,
        owner: Option<&str>,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// The ids in `owner`'s index. It may hold ids whose record is gone or
    /// belongs to someone else by now: the storage checks each one and
    /// [`unindex`](Self::unindex)es those. The default is an error: a backend
    /// without an index cannot find sessions by owner.
    fn owned(&self, owner: &str) -> impl Future<Output = Result<Vec<String>, Error>> + Send {
        let _ = owner;
        async {
            Err(Error::Backend(
                "this storage keeps no index of sessions by owner".into(),
            ))
        }
    }

    /// Whether the storage combines the saves of one session that it makes
    /// at the same time (default `true`). Requests of one user that save at
    /// once would otherwise each fail the compare-and-set of
    /// [`replace`](Self::replace) on the others' writes, read the record
    /// again and merge again, a round trip each time; combined, they take
    /// turns, and each turn writes every save that queued meanwhile in one
    /// `replace`. An in-process backend, whose compare-and-set costs less
    /// than taking a turn, returns `false`. Either way no update is lost.
    fn combines_saves(&self) -> bool {
        true
    }

    /// Whether this backend reads [`Record::now`] (default `true`). A
    /// backend that keeps no expiry of its own, or checks it by the system
    /// clock, may return `false`: a storage without timeouts then writes
    /// without reading the clock, and `now` is the Unix epoch. With
    /// timeouts, the clock is read for every write whatever this says.
    fn reads_write_time(&self) -> bool {
        true
    }

    /// Takes `id` out of `owner`'s index: the storage read `seen` under `id`
    /// (`None`: nothing) and found no live session of `owner` there. Take the
    /// entry out only if the record is still `seen`; a backend that cannot
    /// check that atomically with the index keeps entries younger than a
    /// save can take (an insert in flight writes the index first). Returns
    /// whether the index is now without the entry (`false`: kept). The
    /// default does nothing and returns `true`.
    fn unindex(
        &self,
        owner: &str,
        id: &str,
        seen: Option<&[u8]>,
    ) -> impl Future<Output = Result<bool, Error>> + Send {
        let _ = (owner, id, seen);
        async { Ok(true) }
    }
}

/// What the default [`SessionBackend::rename`] leaves under the old id for
/// the moment between its two steps: `moved:` and the SHA-256 of the new id,
/// unique to the move, so that a step retried after a lost reply finds its
/// own work done. The storage reads such a record as absent.
pub(crate) const MOVED_MARKER: &str = "moved:";

/// Whether a stored record is a [`MOVED_MARKER`], or empty: no session.
pub(crate) fn is_gone(record: &[u8]) -> bool {
    record.is_empty() || record.starts_with(MOVED_MARKER.as_bytes())
}

/// [`SessionBackend::rename`] in steps of the other operations: insert `to`,
/// check `from` (replacing it with a [`MOVED_MARKER`] by compare-and-set
/// when it is to go), and undo the insert when the check fails.
pub(crate) async fn rename_in_steps<B: SessionBackend + ?Sized>(
    backend: &B,
    from: &str,
    expected: &str,
    previous_owner: Option<&str>,
    to: &str,
    record: Record<'_>,
    keep_from: bool,
) -> Result<bool, Error> {
    let owner = record.owner;
    let now = record.now;
    backend.insert(to, record).await?;
    let still_there = if keep_from {
        backend.load(from).await?.as_deref() == Some(expected.as_bytes())
    } else {
        let emptied = Record {
            text: format!("{MOVED_MARKER}{}", super::hex_sha256(to)),
            expires_at: Some(now),
            owner: None,
            now,
        };
        backend
            .replace(from, expected, previous_owner, emptied)
            .await?
    };
    if !still_there {
        backend.remove(to, owner).await?;
        return Ok(false);
    }
    if !keep_from {
        backend.remove(from, None).await?;
    }
    Ok(true)
}
