//! How a session is made: new, or from the text a storage loaded (whose
//! values stay where they are in that text, as ranges, until read).

use std::marker::PhantomData;
use std::ops::Range;

use super::Session;
use super::position;
use crate::data::{SessionData, StoredData, json_at, range_in};
use crate::id::new_session_id;
use crate::schema::Schema;
use crate::slot::Slot;
use crate::state::Active;

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
        Self::from_text(text, |text| {
            StoredData::parse(text).map(|data| (id.clone(), data))
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
        let mut session = Self::from_text(json, |text| match StoredData::parse(text) {
            Ok(data) => Ok((id, data)),
            Err(error) => Err((id, error)),
        })?;
        session.loaded = true;
        Ok(session)
    }

    /// A session from stored text; `parse` finds the id and the data in it.
    /// The session keeps the text: loaded values are ranges of it.
    #[inline]
    pub(crate) fn from_text<E>(
        text: String,
        parse: impl FnOnce(&str) -> Result<(String, StoredData<'_>), E>,
    ) -> Result<Self, E> {
        let (id, times, layout) = {
            let (id, data) = parse(&text)?;
            (id, data.times, Layout::locate(&text, data))
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

    fn locate(text: &str, data: StoredData<'_>) -> Self {
        let mut layout = Self::empty();
        // This crate writes the schema's keys in the schema's order: the
        // key after the last one found is tried first.
        let mut next = 0;
        for (name, raw) in data.values {
            let range = range_in(text, raw);
            let index = match S::__VALUE_KEYS.get(next) {
                Some(def) if def.name == name => Some(next),
                _ => position(S::__VALUE_KEYS, &name),
            };
            if let Some(index) = index {
                next = index + 1;
            }
            match index {
                Some(index) => layout.slots[index].load(range),
                None => layout
                    .unknown_values
                    .push((StoredName::new(text, name), range)),
            }
        }
        for (name, raw) in data.flash {
            match position(S::__FLASH_KEYS, &name) {
                Some(index) => {
                    layout.slots[S::__VALUE_KEYS.len() + index].load(range_in(text, raw));
                }
                None => layout.unknown_flash.push(StoredName::new(text, name)),
            }
        }
        layout
    }
}

impl<S: Schema> Default for Session<S, Active> {
    fn default() -> Self {
        Self::new()
    }
}
