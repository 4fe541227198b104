//! The per-key cell of a session: absent, loaded (a range of the stored JSON
//! text, decoded on first read), set in this request, or unset in this request.

use std::ops::Range;
use std::sync::OnceLock;

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

/// A stored value: where its JSON text lies in the session's stored text
/// (written back unchanged), and its decoded form, computed on the first read
/// (`None` inside when the JSON does not fit the key's type).
pub(crate) struct Loaded {
    pub(crate) range: Range<usize>,
    decoded: OnceLock<Option<Erased>>,
}

impl Loaded {
    pub(crate) fn new(range: Range<usize>) -> Self {
        Loaded {
            range,
            decoded: OnceLock::new(),
        }
    }

    /// The value's JSON text.
    pub(crate) fn json<'a>(&self, source: &'a str) -> &'a str {
        source.get(self.range.clone()).unwrap_or("null")
    }

    /// The first read of a typed key: decodes and caches the value.
    #[cold]
    #[inline(never)]
    fn decode_first<T: SessionValue>(&self, source: &str) -> Option<&T> {
        self.decoded
            .get_or_init(|| decode::<T>(self.json(source)))
            .as_ref()?
            .downcast_ref()
    }

    /// The decoded value, decoding it as the key's type on first use.
    fn decoded(&self, def: &KeyDef, source: &str) -> Option<&Erased> {
        self.decoded
            .get_or_init(|| (def.decode)(self.json(source)))
            .as_ref()
    }
}

impl Slot {
    /// The value as a `T`, for a read through a typed key.
    #[allow(
        clippy::inline_always,
        reason = "measured: with plain `#[inline]` a typed get took 25% longer"
    )]
    #[inline(always)]
    pub(crate) fn get<'a, T: SessionValue>(&'a self, source: &str) -> Option<&'a T> {
        match self {
            Slot::Loaded(loaded) => match loaded.decoded.get() {
                Some(decoded) => decoded.as_ref()?.downcast_ref(),
                None => loaded.decode_first::<T>(source),
            },
            Slot::Set(value) => value.downcast_ref(),
            Slot::Absent | Slot::Unset => None,
        }
    }

    /// Whether a value is held that fits the key's type.
    pub(crate) fn holds_fit_value(&self, def: &KeyDef, source: &str) -> bool {
        match self {
            Slot::Loaded(loaded) => loaded.decoded(def, source).is_some(),
            Slot::Set(_) => true,
            Slot::Absent | Slot::Unset => false,
        }
    }

    /// Whether a value is stored that does not fit the key's type.
    pub(crate) fn holds_unfit_value(&self, def: &KeyDef, source: &str) -> bool {
        matches!(self, Slot::Loaded(loaded) if loaded.decoded(def, source).is_none())
    }

    /// Whether anything is held, fit or not.
    pub(crate) fn is_present(&self) -> bool {
        matches!(self, Slot::Loaded(_) | Slot::Set(_))
    }

    /// Whether this request set or unset the key.
    pub(crate) fn is_changed(&self) -> bool {
        matches!(self, Slot::Set(_) | Slot::Unset)
    }
}
