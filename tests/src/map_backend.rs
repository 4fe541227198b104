//! The small backend of `SessionBackend`'s documentation, with counters: a
//! user's own store, to run the shared storage flows against the public trait.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use session_schema::{Error, Record, SessionBackend};

#[derive(Default)]
struct Maps {
    records: HashMap<String, String>,
    owners: HashMap<String, HashSet<String>>,
}

impl Maps {
    fn index(&mut self, id: &str, owner: Option<&str>) {
        if let Some(owner) = owner {
            self.owners
                .entry(owner.to_owned())
                .or_default()
                .insert(id.to_owned());
        }
    }

    fn unindex(&mut self, id: &str, owner: Option<&str>) {
        if let Some(ids) = owner.and_then(|owner| self.owners.get_mut(owner)) {
            ids.remove(id);
        }
    }
}

/// Sessions in a map, one lock for the records and the index; counts writes.
#[derive(Default)]
pub struct MapBackend {
    maps: Mutex<Maps>,
    writes: AtomicUsize,
}

impl MapBackend {
    /// How many records were written (inserted or replaced).
    #[must_use]
    pub fn writes(&self) -> usize {
        self.writes.load(Ordering::SeqCst)
    }

    /// How many records are held.
    ///
    /// # Panics
    ///
    /// When the lock is poisoned.
    #[must_use]
    pub fn len(&self) -> usize {
        self.maps.lock().unwrap().records.len()
    }

    /// Whether no record is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl SessionBackend for MapBackend {
    async fn load(&self, id: &str) -> Result<Option<Vec<u8>>, Error> {
        let maps = self.maps.lock().unwrap();
        Ok(maps.records.get(id).cloned().map(String::into_bytes))
    }

    async fn insert(&self, id: &str, record: Record<'_>) -> Result<(), Error> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        let mut maps = self.maps.lock().unwrap();
        maps.index(id, record.owner);
        maps.records.insert(id.to_owned(), record.text);
        Ok(())
    }

    async fn replace(
        &self,
        id: &str,
        expected: &str,
        previous_owner: Option<&str>,
        record: Record<'_>,
    ) -> Result<bool, Error> {
        let mut maps = self.maps.lock().unwrap();
        if maps.records.get(id).map(String::as_str) != Some(expected) {
            return Ok(false);
        }
        self.writes.fetch_add(1, Ordering::SeqCst);
        if previous_owner != record.owner {
            maps.unindex(id, previous_owner);
            maps.index(id, record.owner);
        }
        maps.records.insert(id.to_owned(), record.text);
        Ok(true)
    }

    async fn remove(&self, id: &str, owner: Option<&str>) -> Result<(), Error> {
        let mut maps = self.maps.lock().unwrap();
        maps.records.remove(id);
        maps.unindex(id, owner);
        Ok(())
    }

    async fn owned(&self, owner: &str) -> Result<Vec<String>, Error> {
        let maps = self.maps.lock().unwrap();
        Ok(maps
            .owners
            .get(owner)
            .map(|ids| ids.iter().cloned().collect())
            .unwrap_or_default())
    }

    async fn unindex(&self, owner: &str, id: &str, seen: Option<&[u8]>) -> Result<bool, Error> {
        let mut maps = self.maps.lock().unwrap();
        if maps.records.get(id).map(String::as_bytes) == seen {
            maps.unindex(id, Some(owner));
        }
        Ok(!maps.owners.get(owner).is_some_and(|ids| ids.contains(id)))
    }
}
