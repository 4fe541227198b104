//! The memory storage.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::id_based::{Options, Records, id_based_storage};
use crate::error::Error;

/// Writes between two sweeps of expired sessions.
const SWEEP_EVERY: usize = 1024;

/// Keeps sessions in this process's memory. Fast and dependency-free, but the
/// sessions are lost when the process stops and are not shared between
/// processes: for development, tests and single-instance apps.
///
/// With a [`ttl`](Self::ttl), a session expires that long after its last
/// save; expired sessions read as absent and are swept out as the storage is
/// written to, so memory does not grow without bound.
#[derive(Default)]
pub struct MemoryStorage {
    options: Options,
    state: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    records: HashMap<String, Record>,
    writes_since_sweep: usize,
}

struct Record {
    json: String,
    expires_at: Option<Instant>,
}

impl Record {
    fn live(&self, now: Instant) -> bool {
        self.expires_at.is_none_or(|at| at > now)
    }
}

impl MemoryStorage {
    /// An empty memory storage: no expiry, unknown ids not adopted.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// How long a session lives after its last save.
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.options.ttl = Some(ttl);
        self
    }

    /// The number of sessions held, expired ones not yet swept included.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().records.len()
    }

    /// Whether no session is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every expired session now.
    pub fn sweep(&self) {
        let now = Instant::now();
        let mut state = self.lock();
        state.records.retain(|_, record| record.live(now));
        state.writes_since_sweep = 0;
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves the map consistent
        // (every change is a single insert or remove), so keep using it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self, json: String) -> Record {
        Record {
            json,
            expires_at: self.options.ttl.map(|ttl| Instant::now() + ttl),
        }
    }

    fn write(&self, state: &mut Inner, id: &str, json: String) {
        let record = self.record(json);
        state.records.insert(id.to_owned(), record);
        state.writes_since_sweep += 1;
        if self.options.ttl.is_some() && state.writes_since_sweep >= SWEEP_EVERY {
            let now = Instant::now();
            state.records.retain(|_, record| record.live(now));
            state.writes_since_sweep = 0;
        }
    }
}

impl std::fmt::Debug for MemoryStorage {
    /// Shows the options and how many sessions are held; never an id or a value.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStorage")
            .field("options", &self.options)
            .field("sessions", &self.len())
            .finish_non_exhaustive()
    }
}

impl Records for MemoryStorage {
    async fn load(&self, id: &str) -> Result<Option<String>, Error> {
        let state = self.lock();
        Ok(state
            .records
            .get(id)
            .filter(|record| record.live(Instant::now()))
            .map(|record| record.json.clone()))
    }

    async fn insert(&self, id: &str, json: String) -> Result<(), Error> {
        let mut state = self.lock();
        self.write(&mut state, id, json);
        Ok(())
    }

    async fn replace(&self, id: &str, expected: &str, json: String) -> Result<bool, Error> {
        let mut state = self.lock();
        let current = state
            .records
            .get(id)
            .filter(|record| record.live(Instant::now()));
        if current.is_none_or(|record| record.json != expected) {
            return Ok(false);
        }
        self.write(&mut state, id, json);
        Ok(true)
    }

    async fn remove(&self, id: &str) -> Result<(), Error> {
        self.lock().records.remove(id);
        Ok(())
    }
}

id_based_storage!(MemoryStorage);
