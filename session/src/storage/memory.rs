//! The memory storage.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroUsize;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use lru::LruCache;

use super::backend::{Record, SessionBackend};
use super::id_based::BackendStorage;
use crate::data::StoredData;
use crate::error::Error;

/// The most sessions a [`MemoryStorage`] keeps unless told otherwise.
pub const DEFAULT_MAX_SESSIONS: usize = 100_000;

/// Expired records taken off the least recently used end per write: enough
/// to keep up with the writes, and a bounded cost per save.
const EXPIRED_DROPPED_PER_WRITE: usize = 2;

/// Keeps sessions in this process's memory. Fast and dependency-free, but the
/// sessions are lost when the process stops and are not shared between
/// processes: for development, tests and single-instance apps.
///
/// Memory is bounded: at most 100,000 sessions by default
/// ([`max_sessions`](BackendStorage::max_sessions) changes it); when a new
/// session would exceed the cap, the least recently used one is dropped, at a
/// constant cost per save. Ended sessions are dropped as they are read, and
/// from the least recently used end as sessions are written.
///
/// ```
/// use std::time::Duration;
/// use session_schema::MemoryStorage;
///
/// let storage = MemoryStorage::new()
///     .max_sessions(10_000)
///     .idle_timeout(Duration::from_secs(30 * 60));
/// assert!(storage.is_empty());
/// ```
pub type MemoryStorage = BackendStorage<MemoryBackend>;

/// The backend of [`MemoryStorage`]: records in a least-recently-used map,
/// with the owner index, under one lock.
pub struct MemoryBackend {
    state: Mutex<Memory>,
}

struct Memory {
    records: LruCache<String, Entry>,
    /// Owner -> the ids of its sessions.
    owners: HashMap<String, HashSet<String>>,
}

struct Entry {
    text: String,
    expires_at: Option<SystemTime>,
    owner: Option<String>,
}

impl Entry {
    /// Whether the record's session has ended (reads the clock only for a
    /// record that ends).
    fn expired(&self) -> bool {
        self.expires_at.is_some_and(|at| at <= SystemTime::now())
    }
}

/// Whether writing a record changed its session's owner.
enum OwnerChange {
    Same,
    /// It changed; the owner it had.
    From(Option<String>),
}

impl Memory {
    fn index(&mut self, id: &str, owner: Option<&str>) {
        if let Some(owner) = owner {
            self.owners
                .entry(owner.to_owned())
                .or_default()
                .insert(id.to_owned());
        }
    }

    fn unindex(&mut self, id: &str, owner: Option<&str>) {
        let Some(owner) = owner else {
            return;
        };
        if let Some(ids) = self.owners.get_mut(owner) {
            ids.remove(id);
            if ids.is_empty() {
                self.owners.remove(owner);
            }
        }
    }

    /// Stores a record, keeping the owner index in step with what is replaced
    /// or evicted. A record already there is updated in place (and becomes
    /// the most recently used).
    fn write(&mut self, id: &str, record: Record<'_>) {
        if let Some(entry) = self.records.get_mut(id) {
            let owner = record.owner;
            let previous = Self::update(entry, record);
            self.reindex(id, previous, owner);
            return;
        }
        self.drop_expired_tail();
        let entry = Entry {
            text: record.text,
            expires_at: record.expires_at,
            owner: record.owner.map(str::to_owned),
        };
        self.index(id, record.owner);
        if let Some((evicted, old)) = self.records.push(id.to_owned(), entry) {
            self.unindex(&evicted, old.owner.as_deref());
        }
    }

    /// Replaces a stored entry's record in place.
    fn update(entry: &mut Entry, record: Record<'_>) -> OwnerChange {
        entry.text = record.text;
        entry.expires_at = record.expires_at;
        if entry.owner.as_deref() == record.owner {
            return OwnerChange::Same;
        }
        OwnerChange::From(std::mem::replace(
            &mut entry.owner,
            record.owner.map(str::to_owned),
        ))
    }

    /// Moves `id` to the index of `owner` if its owner changed.
    fn reindex(&mut self, id: &str, change: OwnerChange, owner: Option<&str>) {
        if let OwnerChange::From(previous) = change {
            self.unindex(id, previous.as_deref());
            self.index(id, owner);
        }
    }

    fn remove(&mut self, id: &str) {
        if let Some(entry) = self.records.pop(id) {
            self.unindex(id, entry.owner.as_deref());
        }
    }

    /// Drops a few ended sessions from the least recently used end: with an
    /// idle timeout, that is where they gather.
    fn drop_expired_tail(&mut self) {
        for _ in 0..EXPIRED_DROPPED_PER_WRITE {
            match self.records.peek_lru() {
                Some((_, entry)) if entry.expired() => {
                    if let Some((id, entry)) = self.records.pop_lru() {
                        self.unindex(&id, entry.owner.as_deref());
                    }
                }
                _ => break,
            }
        }
    }
}

impl MemoryBackend {
    /// An empty backend keeping at most `max_sessions` sessions (at least one).
    #[must_use]
    pub fn new(max_sessions: usize) -> Self {
        MemoryBackend {
            state: Mutex::new(Memory {
                records: LruCache::new(
                    NonZeroUsize::new(max_sessions).unwrap_or(NonZeroUsize::MIN),
                ),
                owners: HashMap::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Memory> {
        // A panic elsewhere while holding the lock leaves the maps consistent
        // (every change is a few inserts and removes), so keep using them.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The number of sessions held, ended ones not yet dropped included.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().records.len()
    }

    /// Whether no session is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most sessions kept.
    #[must_use]
    pub fn max_sessions(&self) -> usize {
        self.lock().records.cap().get()
    }

    fn set_max_sessions(&self, max_sessions: usize) {
        let cap = NonZeroUsize::new(max_sessions).unwrap_or(NonZeroUsize::MIN);
        let mut memory = self.lock();
        while memory.records.len() > cap.get() {
            if let Some((id, entry)) = memory.records.pop_lru() {
                memory.unindex(&id, entry.owner.as_deref());
            }
        }
        memory.records.resize(cap);
    }
}

impl Default for MemoryBackend {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_SESSIONS)
    }
}

impl std::fmt::Debug for MemoryBackend {
    /// Shows how many sessions are held; never an id or a value.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let memory = self.lock();
        f.debug_struct("MemoryBackend")
            .field("sessions", &memory.records.len())
            .field("max_sessions", &memory.records.cap())
            .finish_non_exhaustive()
    }
}

impl SessionBackend for MemoryBackend {
    /// A compare-and-set in memory costs less than taking turns.
    fn combines_saves(&self) -> bool {
        false
    }

    /// Ends are checked by the system clock (a record has one only with
    /// timeouts, when the storage reads the clock anyway).
    fn reads_write_time(&self) -> bool {
        false
    }

    async fn load(&self, id: &str) -> Result<Option<Vec<u8>>, Error> {
        let mut memory = self.lock();
        match memory.records.get(id) {
            Some(entry) if entry.expired() => {
                memory.remove(id);
                Ok(None)
            }
            Some(entry) => Ok(Some(entry.text.clone().into_bytes())),
            None => Ok(None),
        }
    }

    async fn insert(&self, id: &str, record: Record<'_>) -> Result<(), Error> {
        self.lock().write(id, record);
        Ok(())
    }

    async fn replace(
        &self,
        id: &str,
        expected: &str,
        _previous_owner: Option<&str>,
        record: Record<'_>,
    ) -> Result<bool, Error> {
        let mut memory = self.lock();
        // One lookup: compared, and written in place when it matches.
        let owner = record.owner;
        let previous = match memory.records.get_mut(id) {
            Some(entry) if entry.text == expected && !entry.expired() => {
                Memory::update(entry, record)
            }
            _ => return Ok(false),
        };
        memory.reindex(id, previous, owner);
        Ok(true)
    }

    async fn rename(
        &self,
        from: &str,
        expected: &str,
        _previous_owner: Option<&str>,
        to: &str,
        record: Record<'_>,
        keep_from: bool,
    ) -> Result<bool, Error> {
        let mut memory = self.lock();
        match memory.records.peek(from) {
            Some(entry) if entry.text == expected && !entry.expired() => {}
            _ => return Ok(false),
        }
        memory.write(to, record);
        if !keep_from {
            memory.remove(from);
        }
        Ok(true)
    }

    async fn remove(&self, id: &str, _owner: Option<&str>) -> Result<(), Error> {
        self.lock().remove(id);
        Ok(())
    }

    async fn owned(&self, owner: &str) -> Result<Vec<String>, Error> {
        let memory = self.lock();
        Ok(memory
            .owners
            .get(owner)
            .map(|ids| ids.iter().cloned().collect())
            .unwrap_or_default())
    }

    async fn unindex(&self, owner: &str, id: &str, seen: Option<&[u8]>) -> Result<bool, Error> {
        let mut memory = self.lock();
        let current = memory.records.peek(id).map(|entry| entry.text.as_bytes());
        if current == seen {
            memory.unindex(id, Some(owner));
        }
        Ok(!memory.owners.get(owner).is_some_and(|ids| ids.contains(id)))
    }
}

impl BackendStorage<MemoryBackend> {
    /// An empty memory storage: at most 100,000 sessions, no timeouts,
    /// unknown ids not adopted.
    #[must_use]
    pub fn new() -> Self {
        Self::from_backend(MemoryBackend::default())
    }

    /// The most sessions kept (default 100,000, at least one); past it, the
    /// least recently used session is dropped for each new one.
    #[must_use]
    pub fn max_sessions(self, max_sessions: usize) -> Self {
        self.backend.set_max_sessions(max_sessions);
        self
    }

    /// The number of sessions held, ended ones not yet dropped included.
    #[must_use]
    pub fn len(&self) -> usize {
        self.backend.len()
    }

    /// Whether no session is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.backend.is_empty()
    }

    /// Drops every session that has ended now, by the storage's timeouts;
    /// returns how many.
    pub fn sweep(&self) -> usize {
        let now = self.lifecycle.now();
        let mut memory = self.backend.lock();
        let ended: Vec<String> = memory
            .records
            .iter()
            .filter(|(_, entry)| {
                entry.expired()
                    || StoredData::parse(&entry.text)
                        .ok()
                        .and_then(|data| data.times)
                        .is_some_and(|times| self.lifecycle.ended(times, now))
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in &ended {
            memory.remove(id);
        }
        ended.len()
    }
}

impl Default for BackendStorage<MemoryBackend> {
    fn default() -> Self {
        Self::new()
    }
}
