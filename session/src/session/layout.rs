//! How a session is made: new, or from the text a storage loaded (whose
//! values stay where they are in that text, as ranges, until read).

use std::borrow::Cow;
use std::marker::PhantomData;
use std::ops::Range;

use super::Session;
use super::position;
use crate::data::{Collector, EntrySink, Half, SessionData, StoredData, json_at, range_in, scan};
use crate::id::new_session_id;
use crate::schema::Schema;
use crate::slot::Slot;
use crate::state::Active;
use crate::times::Times;

impl<S: Schema> Session<S> {
    /// A new, empty session with a fresh random id (see [`new_session_id`]).
    #[must_use]
    pub fn new() -> Self {
        Self::with_id(new_session_id())
    }

    /// A new, empty session with the given id.
    #[must_use]
    pub fn with_id(id: impl Into<String>) -> Self {
        Self::from_parts(id.into(), String::new(), Layout::empty())
    }

    /// A session with the given id and initial data, as a storage loads one.
    /// Flash values in `data` are readable in this request and dropped at the
    /// next save, so a session loaded with flash values starts dirty.
    #[must_use]
    pub fn from_data(id: impl Into<String>, data: SessionData) -> Self {
        let id = id.into();
        let SessionData { values, flash } = data;
        let text = serde_json::to_string(&(values, flash)).unwrap_or_default();
        Self::from_text(text, |locator| {
            locator.read_stored().map(|times| (id.clone(), times))
        })
        .unwrap_or_else(|_| Self::with_id(id))
    }

    /// A session loaded from the record a storage keeps under `id`, as JSON
    /// `[values, flash]`. Saving it applies its changes to that record.
    /// A record that is not session data gives the id back, with why.
    #[inline]
    pub(crate) fn from_stored(
        id: String,
        json: String,
    ) -> Result<Self, (String, serde_json::Error)> {
        let mut session = Self::from_text(json, |locator| match locator.read_stored() {
            Ok(times) => Ok((id, times)),
            Err(error) => Err((id, error)),
        })?;
        session.loaded = true;
        Ok(session)
    }

    /// A session from stored text; `read` reads it into the locator it is
    /// given (see [`Locator::read_stored`]) and gives the id and the times.
    /// The session keeps the text: loaded values are ranges of it.
    #[inline]
    pub(crate) fn from_text<E>(
        text: String,
        read: impl FnOnce(&mut Locator<'_, S>) -> Result<(String, Option<Times>), E>,
    ) -> Result<Self, E> {
        let (id, times, layout) = {
            let mut locator = Locator::new(&text);
            let (id, times) = read(&mut locator)?;
            (id, times, locator.finish())
        };
        let mut session = Self::from_parts(id, text, layout);
        session.times = times;
        Ok(session)
    }

    #[inline]
    fn from_parts(id: String, source: String, layout: Layout<S>) -> Self {
        let dirty = !layout.unknown_flash.is_empty()
            || layout.slots[S::__VALUE_KEYS.len()..]
                .iter()
                .any(Slot::is_present);
        Session {
            original_id: None,
            id,
            delete_id: None,
            dirty,
            slots: layout.slots,
            next_flash: Box::new([]),
            unknown_values: layout.unknown_values,
            unknown_flash: layout.unknown_flash,
            source,
            loaded: false,
            times: None,
            times_assumed: false,
            new_csrf: None,
            remember: None,
            home: None,
            marker: PhantomData,
        }
    }
}

/// The slots of a session with nothing in it: one per value key, then one
/// per flash key, in one allocation (none for a schema without keys).
pub(super) fn empty_slots<S: Schema>() -> Box<[Slot]> {
    (0..S::__VALUE_KEYS.len() + S::__FLASH_KEYS.len())
        .map(|_| Slot::absent())
        .collect()
}

/// Where each stored entry goes: a schema key's slot, or the unknown entries.
struct Layout<S: Schema> {
    /// The value keys' slots, then the flash keys'.
    slots: Box<[Slot]>,
    schema: PhantomData<fn() -> S>,
    unknown_values: Vec<(StoredName, Range<usize>)>,
    unknown_flash: Vec<StoredName>,
}

/// The name of a stored entry the schema does not know: where it lies in the
/// stored text (no copy), or, when it has escapes, its decoded form.
pub(super) enum StoredName {
    At(Range<usize>),
    Decoded(Box<str>),
}

impl StoredName {
    fn new(text: &str, name: std::borrow::Cow<'_, str>) -> Self {
        match name {
            std::borrow::Cow::Borrowed(name) => StoredName::At(range_in(text, name)),
            std::borrow::Cow::Owned(name) => StoredName::Decoded(name.into_boxed_str()),
        }
    }

    pub(super) fn as_str<'a>(&'a self, source: &'a str) -> &'a str {
        match self {
            StoredName::At(range) => json_at(source, range),
            StoredName::Decoded(name) => name,
        }
    }
}

impl<S: Schema> Layout<S> {
    fn empty() -> Self {
        Layout {
            slots: empty_slots::<S>(),
            schema: PhantomData,
            unknown_values: Vec::new(),
            unknown_flash: Vec::new(),
        }
    }
}

/// Puts the entries of a stored text where the session keeps them, as a
/// reader finds them: a schema key's value in its slot (a repeated key's
/// last value), any other entry among the unknown ones.
pub(crate) struct Locator<'t, S: Schema> {
    text: &'t str,
    slots: Box<[Slot]>,
    /// The value key after the last one found: this crate writes the
    /// schema's keys in the schema's order, so it is tried first.
    next: usize,
    unknown_values: Collector<'t>,
    unknown_flash: Collector<'t>,
    schema: PhantomData<fn() -> S>,
}

impl<'t, S: Schema> Locator<'t, S> {
    fn new(text: &'t str) -> Self {
        Locator {
            text,
            slots: empty_slots::<S>(),
            next: 0,
            unknown_values: Collector::default(),
            unknown_flash: Collector::default(),
            schema: PhantomData,
        }
    }

    /// The text being read.
    pub(crate) fn text(&self) -> &'t str {
        self.text
    }

    /// Forgets the entries found so far, for a reader that starts over.
    pub(crate) fn clear(&mut self) {
        *self = Locator::new(self.text);
    }

    /// Reads the text as stored data `[values, flash]` (or `[values, flash,
    /// times]`) and gives its times: with the fast reader of the records
    /// this crate writes, else (from the start again) with `serde_json`,
    /// which reads the same way and says why a text is not stored data.
    pub(crate) fn read_stored(&mut self) -> serde_json::Result<Option<Times>> {
        if let Ok(times) = scan::stored_data_into(self.text, self) {
            return Ok(times);
        }
        self.clear();
        Ok(serde_json::from_str::<StoredData<'t>>(self.text)?.feed(self))
    }

    fn finish(self) -> Layout<S> {
        let text = self.text;
        Layout {
            slots: self.slots,
            schema: PhantomData,
            unknown_values: self
                .unknown_values
                .into_entries()
                .into_iter()
                .map(|(name, raw)| (StoredName::new(text, name), range_in(text, raw)))
                .collect(),
            unknown_flash: self
                .unknown_flash
                .into_entries()
                .into_iter()
                .map(|(name, _)| StoredName::new(text, name))
                .collect(),
        }
    }
}

impl<'t, S: Schema> EntrySink<'t> for Locator<'t, S> {
    fn entry(&mut self, half: Half, name: Cow<'t, str>, raw: &'t str) {
        match half {
            Half::Values => {
                let index = match S::__VALUE_KEYS.get(self.next) {
                    Some(def) if def.name == name => Some(self.next),
                    _ => position(S::__VALUE_KEYS, &name),
                };
                match index {
                    Some(index) => {
                        self.next = index + 1;
                        self.slots[index].load(range_in(self.text, raw));
                    }
                    None => self.unknown_values.add(name, raw),
                }
            }
            Half::Flash => match position(S::__FLASH_KEYS, &name) {
                Some(index) => {
                    self.slots[S::__VALUE_KEYS.len() + index].load(range_in(self.text, raw));
                }
                None => self.unknown_flash.add(name, raw),
            },
        }
    }
}

impl<S: Schema> Default for Session<S, Active> {
    fn default() -> Self {
        Self::new()
    }
}
