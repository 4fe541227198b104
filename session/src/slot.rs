//! The per-key cell of a session: absent, loaded (raw JSON, decoded on first
//! read), set in this request, or unset in this request.

use std::sync::OnceLock;

use serde_json::value::RawValue;

use crate::schema::KeyDef;
use crate::value::{Erased, SessionValue, decode};

/// What a session holds for one key of its schema.
pub(crate) enum Slot {
    /// Nothing stored.
    Absent,
    /// Stored before this request and not changed in it.
    Loaded(Loaded),
    /// Set in this request.
    Set(Erased),
    /// Unset in this request.
    Unset,
}

/// A stored value: its JSON text, written back unchanged, and its decoded form,
/// computed on the first read (`None` inside when the JSON does not fit the type).
pub(crate) struct Loaded {
    pub(crate) raw: Box<RawValue>,
    decoded: OnceLock<Option<Erased>>,
}

impl Loaded {
    pub(crate) fn new(raw: Box<RawValue>) -> Self {
        Loaded {
            raw,
            decoded: OnceLock::new(),
        }
    }

    /// The decoded value, decoding it as the key's type on first use.
    fn decoded(&self, def: &KeyDef) -> Option<&Erased> {
        self.decoded
            .get_or_init(|| (def.decode)(&self.raw))
            .as_ref()
    }
}

impl Slot {
    /// The value as a `T`, for a read through a typed key.
    #[inline]
    pub(crate) fn get<T: SessionValue>(&self) -> Option<&T> {
        match self {
            Slot::Loaded(loaded) => loaded
                .decoded
                .get_or_init(|| decode::<T>(&loaded.raw))
                .as_ref()?
                .downcast_ref(),
            Slot::Set(value) => value.downcast_ref(),
            Slot::Absent | Slot::Unset => None,
        }
    }

    /// Whether a value is held that fits the key's type.
    pub(crate) fn holds_fit_value(&self, def: &KeyDef) -> bool {
        match self {
            Slot::Loaded(loaded) => loaded.decoded(def).is_some(),
            Slot::Set(_) => true,
            Slot::Absent | Slot::Unset => false,
        }
    }

    /// Whether a value is stored that does not fit the key's type.
    pub(crate) fn holds_unfit_value(&self, def: &KeyDef) -> bool {
        matches!(self, Slot::Loaded(loaded) if loaded.decoded(def).is_none())
    }

    /// Whether anything is held, fit or not.
    pub(crate) fn is_present(&self) -> bool {
        matches!(self, Slot::Loaded(_) | Slot::Set(_))
    }
}
