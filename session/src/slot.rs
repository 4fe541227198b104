//! The per-key cell of a session: absent, loaded (a range of the stored JSON
//! text, decoded on first read), set in this request, or unset in this request.

use std::ops::Range;

use once_cell::sync::OnceCell;

use crate::data::json_at;
use crate::table::KeyDef;
use crate::value::{Erased, SessionValue, decode};

/// What a session holds for one key of its schema.
///
/// The value a read returns always sits in `cell`, whatever the kind, so the
/// typed read is one check of the cell and one of the value's type: the cell
/// is empty only for a loaded value not decoded yet. (`once_cell`'s cell,
/// unlike the standard library's, is built already filled without going
/// through its synchronization, which keeps `set` cheap.)
#[doc(hidden)]
pub struct Slot {
    cell: OnceCell<Option<Erased>>,
    kind: Kind,
}

enum Kind {
    /// Nothing stored.
    Absent,
    /// Stored before this request (at this range of the stored text) and not
    /// changed in it. `cell` holds its decoded form once read: `None` inside
    /// when the JSON does not fit the key's type.
    Loaded(Range<usize>),
    /// Set in this request.
    Set,
    /// Unset in this request.
    Unset,
}

impl Slot {
    pub(crate) fn absent() -> Self {
        Slot {
            cell: OnceCell::with_value(None),
            kind: Kind::Absent,
        }
    }

    /// Makes this slot hold the value stored at `range`, in place: a
    /// session's slots are made all at once, then filled as the stored
    /// entries are found (a whole slot built aside and copied in costs more).
    pub(crate) fn load(&mut self, range: Range<usize>) {
        self.cell = OnceCell::new();
        self.kind = Kind::Loaded(range);
    }

    /// Makes this slot hold `value`, set in this request. A value of the
    /// same type already decoded (or set) here is overwritten in its box,
    /// without a new allocation: a `get` then `set` of a key allocates once.
    pub(crate) fn put<T: SessionValue>(&mut self, value: T) {
        if let Some(Some(held)) = self.cell.get_mut()
            && let Some(held) = held.downcast_mut::<T>()
        {
            *held = value;
            self.kind = Kind::Set;
            return;
        }
        *self = Slot {
            cell: OnceCell::with_value(Some(Erased::new(value))),
            kind: Kind::Set,
        };
    }

    pub(crate) fn unset() -> Self {
        Slot {
            cell: OnceCell::with_value(None),
            kind: Kind::Unset,
        }
    }

    /// The value as a `T`, for a read through a typed key.
    #[allow(
        clippy::inline_always,
        reason = "the typed get's hot path: inlined, the key's constant index folds into a fixed offset"
    )]
    #[inline(always)]
    pub(crate) fn get<T: SessionValue>(&self, source: &str) -> Option<&T> {
        match self.cell.get() {
            Some(value) => value.as_ref()?.downcast_ref(),
            None => self.decode_first::<T>(source),
        }
    }

    /// The first read of a loaded value through a typed key: decodes and caches it.
    #[cold]
    #[inline(never)]
    fn decode_first<T: SessionValue>(&self, source: &str) -> Option<&T> {
        let json = self.loaded_json(source)?;
        self.cell
            .get_or_init(|| decode::<T>(json))
            .as_ref()?
            .downcast_ref()
    }

    /// The value as a mutable `T`, for a change in place: a loaded value is
    /// decoded and becomes a value set in this request. `None` (and the slot
    /// unchanged) when nothing is held or the stored value does not fit `T`.
    pub(crate) fn get_mut<T: SessionValue>(&mut self, source: &str) -> Option<&mut T> {
        if matches!(self.kind, Kind::Loaded(_)) {
            self.get::<T>(source)?;
            self.kind = Kind::Set;
        }
        match self.kind {
            Kind::Set => self.cell.get_mut()?.as_mut()?.downcast_mut(),
            Kind::Absent | Kind::Loaded(_) | Kind::Unset => None,
        }
    }

    /// The value, decoding a loaded one as the key's type on first use.
    fn value(&self, def: &KeyDef, source: &str) -> Option<&Erased> {
        self.cell
            .get_or_init(|| self.loaded_json(source).and_then(def.decode))
            .as_ref()
    }

    /// The stored JSON text of a loaded value.
    pub(crate) fn loaded_json<'a>(&self, source: &'a str) -> Option<&'a str> {
        match &self.kind {
            Kind::Loaded(range) => Some(json_at(source, range)),
            Kind::Absent | Kind::Set | Kind::Unset => None,
        }
    }

    /// The value set in this request.
    pub(crate) fn set_value(&self) -> Option<&Erased> {
        match self.kind {
            Kind::Set => self.cell.get()?.as_ref(),
            Kind::Absent | Kind::Loaded(_) | Kind::Unset => None,
        }
    }

    /// Whether a value is held that fits the key's type.
    pub(crate) fn holds_fit_value(&self, def: &KeyDef, source: &str) -> bool {
        self.value(def, source).is_some()
    }

    /// Whether a value is stored that does not fit the key's type.
    pub(crate) fn holds_unfit_value(&self, def: &KeyDef, source: &str) -> bool {
        matches!(self.kind, Kind::Loaded(_)) && self.value(def, source).is_none()
    }

    /// Whether anything is held, fit or not.
    pub(crate) fn is_present(&self) -> bool {
        matches!(self.kind, Kind::Loaded(_) | Kind::Set)
    }

    /// Whether this request set or unset the key.
    pub(crate) fn is_changed(&self) -> bool {
        matches!(self.kind, Kind::Set | Kind::Unset)
    }
}
