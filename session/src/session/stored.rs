//! What a storage needs of a session: the JSON it writes, the text it was
//! read from, its times, and the merge of its changes into a newer record.

use super::{CSRF_KEY, Session};
use crate::data::{StoredData, json_at};
use crate::error::Error;
use crate::json_writer::{JsonObjects, StoredRun};
use crate::schema::Schema;
use crate::state::StateOf;
use crate::times::{Stamp, Times};

impl<S: Schema, St: StateOf<S>> Session<S, St> {
    /// Writes [`data`](Self::data) as JSON `[values, flash]` (with the times
    /// of `stamp` as a third element), untouched values copied as they were
    /// stored.
    pub(crate) fn data_json(&self, stamp: Stamp) -> Result<String, Error> {
        let mut out = JsonObjects::new(self.source.len());
        self.write_data(&mut out, stamp)?;
        Ok(out.finish())
    }

    /// The cookie storage's record: `{"i": id, "d": [values, flash]}`.
    pub(crate) fn cookie_json(&self, stamp: Stamp) -> Result<String, Error> {
        let mut out = JsonObjects::with_prefix(&self.id, self.source.len());
        self.write_data(&mut out, stamp)?;
        out.end_cookie_record();
        Ok(out.finish())
    }

    fn write_data(&self, out: &mut JsonObjects, stamp: Stamp) -> Result<(), Error> {
        if !St::DESTROYED {
            // Untouched values lie one after the other in the stored text,
            // mostly: runs of them are copied at once.
            let mut run = StoredRun::new(&self.source);
            for (slot, def) in self.value_slots().iter().zip(S::__VALUE_KEYS) {
                if let Some(value) = slot.set_value() {
                    run.write(out);
                    out.value_entry(def.name, value)?;
                } else if let Some(json) = slot.loaded_json(&self.source) {
                    run.entry(out, def.name, json);
                }
            }
            for (name, range) in &self.unknown_values {
                let name = name.as_str(&self.source);
                if !(name == CSRF_KEY && self.new_csrf.is_some()) {
                    run.entry(out, name, json_at(&self.source, range));
                }
            }
            run.write(out);
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
        Ok(self.changes(stamp)?.apply(latest, stamp))
    }

    /// This request's changes as a value of their own, which outlives the
    /// session: what [`merge_into`](Self::merge_into) applies, and what a
    /// storage that combines concurrent saves of one session applies one
    /// after the other. `stamp` gives the times of the whole record.
    pub(crate) fn changes(&self, stamp: Stamp) -> Result<Changes, Error> {
        let mut changed_values = Vec::new();
        let mut set_values = JsonObjects::fragment();
        for (slot, def) in self.value_slots().iter().zip(S::__VALUE_KEYS) {
            if slot.is_changed() {
                changed_values.push(def.name);
            }
            if let Some(value) = slot.set_value() {
                set_values.value_entry(def.name, value)?;
            }
        }
        if let Some(token) = &self.new_csrf {
            changed_values.push(CSRF_KEY);
            set_values.string_entry(CSRF_KEY, token);
        }
        let mut consumed_flash: Vec<Box<str>> = self
            .unknown_flash
            .iter()
            .map(|unknown| unknown.as_str(&self.source).into())
            .collect();
        for (index, def) in S::__FLASH_KEYS.iter().enumerate() {
            if self.flash_slots()[index].is_present()
                || self.next_flash.get(index).is_some_and(Option::is_some)
            {
                consumed_flash.push(def.name.into());
            }
        }
        let mut next_flash = JsonObjects::fragment();
        self.write_next_flash(&mut next_flash)?;
        Ok(Changes {
            whole: self.data_json(stamp)?,
            changed_values,
            set_values: set_values.finish(),
            consumed_flash,
            next_flash: next_flash.finish(),
            remember_wish: self.remember,
        })
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

/// A request's changes to a session, owned: applicable to any newer record of
/// it, after the request that made them is gone.
#[derive(Debug, Clone)]
pub(crate) struct Changes {
    /// The session's whole data as the request would write it, in place of
    /// a newer record that is not session data.
    whole: String,
    /// The names of the values the request set or unset: the stored ones give way.
    changed_values: Vec<&'static str>,
    /// The `"name":json` entries of the values the request set.
    set_values: String,
    /// The names of the flash values dropped from the newer record: read by
    /// the request, or flashed anew by it.
    consumed_flash: Vec<Box<str>>,
    /// The `"name":json` entries of the values the request flashed.
    next_flash: String,
    /// Whether the request marked the session remembered or not (`None`: it
    /// left the mark as stored).
    remember_wish: Option<bool>,
}

impl Changes {
    /// The session's whole data as the request would write it over the
    /// record it read.
    pub(crate) fn whole(&self) -> &str {
        &self.whole
    }

    /// Whether the request marked the session remembered or not.
    pub(crate) fn remember_wish(&self) -> Option<bool> {
        self.remember_wish
    }

    /// `latest` with these changes applied, and the times of `stamp`.
    pub(crate) fn apply(&self, latest: &str, stamp: Stamp) -> String {
        // A record that is not session data gives way to the session's
        // whole data (which this crate wrote, so it parses).
        let data = StoredData::parse(latest).or_else(|_| StoredData::parse(&self.whole));
        let Ok(data) = data else {
            return self.whole.clone();
        };
        let mut out = JsonObjects::new(latest.len() + self.set_values.len());
        for (name, raw) in &data.values {
            if !self.changed_values.contains(&name.as_ref()) {
                out.raw_entry(name, raw);
            }
        }
        out.entries(&self.set_values);
        out.next_object();
        for (name, raw) in &data.flash {
            if !self
                .consumed_flash
                .iter()
                .any(|consumed| **consumed == **name)
            {
                out.raw_entry(name, raw);
            }
        }
        out.entries(&self.next_flash);
        out.end_data(stamp);
        out.finish()
    }
}
