//! What a storage needs of a session: the JSON it writes, the text it was
//! read from, its times, and the merge of its changes into a newer record.

use super::{CSRF_KEY, Session, position};
use crate::data::{StoredData, json_at};
use crate::error::Error;
use crate::json_writer::JsonObjects;
use crate::schema::Schema;
use crate::state::StateOf;
use crate::times::{Stamp, Times};

impl<S: Schema, St: StateOf<S>> Session<S, St> {
    /// Writes [`data`](Self::data) as JSON `[values, flash]` (with the times
    /// of `stamp` as a third element), untouched values copied as they were
    /// stored.
    pub(crate) fn data_json(&self, stamp: Stamp) -> Result<String, Error> {
        let mut out = JsonObjects::new();
        self.write_data(&mut out, stamp)?;
        Ok(out.finish())
    }

    /// The cookie storage's record: `{"i": id, "d": [values, flash]}`.
    pub(crate) fn cookie_json(&self, stamp: Stamp) -> Result<String, Error> {
        let mut out = JsonObjects::with_prefix(&self.id);
        self.write_data(&mut out, stamp)?;
        out.end_cookie_record();
        Ok(out.finish())
    }

    fn write_data(&self, out: &mut JsonObjects, stamp: Stamp) -> Result<(), Error> {
        if !St::DESTROYED {
            for (slot, def) in self.value_slots().iter().zip(S::__VALUE_KEYS) {
                if let Some(value) = slot.set_value() {
                    out.value_entry(def.name, value)?;
                } else if let Some(json) = slot.loaded_json(&self.source) {
                    out.raw_entry(def.name, json);
                }
            }
            for (name, range) in &self.unknown_values {
                let name = name.as_str(&self.source);
                if !(name == CSRF_KEY && self.new_csrf.is_some()) {
                    out.raw_entry(name, json_at(&self.source, range));
                }
            }
            if let Some(token) = &self.new_csrf {
                out.string_entry(CSRF_KEY, token);
            }
        }
        out.next_object();
        if !St::DESTROYED {
            self.write_next_flash(out)?;
        }
        out.end_data(stamp);
        Ok(())
    }

    /// Every id this session may be stored under: its id, the id it was
    /// loaded with, and [`delete_id`](Self::delete_id), each once.
    pub(crate) fn stored_ids(&self) -> impl Iterator<Item = &str> {
        let id = self.id.as_str();
        let original = self
            .original_id
            .as_deref()
            .filter(|original| *original != id);
        let delete = self
            .delete_id
            .as_deref()
            .filter(|delete| *delete != id && Some(*delete) != original);
        std::iter::once(id).chain(original).chain(delete)
    }

    /// The id this session was loaded with (its id, if it was not regenerated).
    pub(crate) fn original_id(&self) -> &str {
        self.original_id.as_deref().unwrap_or(&self.id)
    }

    /// The stored text this session was loaded from (empty if it was not).
    pub(crate) fn stored_text(&self) -> &str {
        &self.source
    }

    /// Whether the session was read from a storage (rather than made new).
    pub(crate) fn was_loaded(&self) -> bool {
        self.loaded
    }

    /// When the session was created and last touched, as its storage read
    /// them (`None` for a new session, or one stored without times).
    pub(crate) fn times(&self) -> Option<Times> {
        self.times
    }

    /// Whether the session is remembered now: as this request marked it,
    /// else as its stored times say. A destroyed session is not.
    pub(crate) fn remembered_now(&self) -> bool {
        !St::DESTROYED
            && self
                .remember
                .unwrap_or_else(|| self.times.is_some_and(|times| times.remembered))
    }

    /// Whether this request marked the session remembered or not (`None`:
    /// it left the mark as stored), for a merge into a newer record.
    pub(crate) fn remember_wish(&self) -> Option<bool> {
        self.remember
    }

    /// Gives the session the times a storage counts it as having, though
    /// none were stored: the next save writes them.
    pub(crate) fn assume_times(&mut self, times: Times) {
        self.times = Some(times);
        self.times_assumed = true;
    }

    /// Whether the session's times were assumed by its storage, not stored.
    pub(crate) fn times_assumed(&self) -> bool {
        self.times_assumed
    }

    /// Marks the session as read from a storage, with the times it was stored with.
    pub(crate) fn mark_loaded(&mut self) {
        self.loaded = true;
    }

    /// Applies this request's changes to `latest`, the record as it is stored
    /// now, and returns the new record: values set or unset here replace the
    /// stored ones, values not touched here stay as `latest` has them (another
    /// request may have changed them), the flash values read here are dropped
    /// and the ones flashed here are added.
    pub(crate) fn merge_into(&self, latest: &str, stamp: Stamp) -> Result<String, Error> {
        let Ok(latest) = StoredData::parse(latest) else {
            return self.data_json(stamp);
        };
        let changed = |name: &str| {
            (name == CSRF_KEY && self.new_csrf.is_some())
                || position(S::__VALUE_KEYS, name)
                    .is_some_and(|index| self.value_slots()[index].is_changed())
        };
        let mut out = JsonObjects::new();
        for (name, raw) in &latest.values {
            if !changed(name) {
                out.raw_entry(name, raw);
            }
        }
        for (slot, def) in self.value_slots().iter().zip(S::__VALUE_KEYS) {
            if let Some(value) = slot.set_value() {
                out.value_entry(def.name, value)?;
            }
        }
        if let Some(token) = &self.new_csrf {
            out.string_entry(CSRF_KEY, token);
        }
        out.next_object();
        let consumed = |name: &str| {
            self.unknown_flash
                .iter()
                .any(|unknown| unknown.as_str(&self.source) == name)
                || position(S::__FLASH_KEYS, name).is_some_and(|index| {
                    self.flash_slots()[index].is_present()
                        || self.next_flash.get(index).is_some_and(Option::is_some)
                })
        };
        for (name, raw) in &latest.flash {
            if !consumed(name) {
                out.raw_entry(name, raw);
            }
        }
        self.write_next_flash(&mut out)?;
        out.end_data(stamp);
        Ok(out.finish())
    }

    fn write_next_flash(&self, out: &mut JsonObjects) -> Result<(), Error> {
        for (value, def) in self.next_flash.iter().zip(S::__FLASH_KEYS) {
            if let Some(value) = value {
                out.value_entry(def.name, value)?;
            }
        }
        Ok(())
    }
}
