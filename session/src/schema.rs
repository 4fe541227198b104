//! The `Schema` trait that `#[derive(SessionSchema)]` implements, and the
//! tables it describes a schema with.

use std::fmt;
use std::hash::Hash;
use std::str::FromStr;

use crate::table::KeyDef;

/// A session schema: the keys a session holds, their stored names and types.
///
/// Implement it with `#[derive(SessionSchema)]`, never by hand: the derive also
/// generates the typed key handles and the key enums that go with it.
pub trait Schema: Sized + Send + Sync + 'static {
    /// The enum of this schema's value keys (`AppValueKey`).
    type ValueKey: Copy + Eq + Hash + fmt::Debug + fmt::Display + FromStr + 'static;
    /// The enum of this schema's flash keys (`AppFlashKey`).
    type FlashKey: Copy + Eq + Hash + fmt::Debug + fmt::Display + FromStr + 'static;

    #[doc(hidden)]
    const __VALUE_KEYS: &'static [KeyDef];
    #[doc(hidden)]
    const __FLASH_KEYS: &'static [KeyDef];
    /// The position of the `#[session(owner)]` field among the value keys.
    #[doc(hidden)]
    const __OWNER: Option<usize> = None;
}

/// Which table a key is in, and where.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct KeyRef {
    pub(crate) flash: bool,
    pub(crate) index: usize,
}

impl KeyRef {
    /// The value key at `index`.
    #[must_use]
    pub const fn value(index: usize) -> Self {
        KeyRef {
            flash: false,
            index,
        }
    }

    /// The flash key at `index`.
    #[must_use]
    pub const fn flash(index: usize) -> Self {
        KeyRef { flash: true, index }
    }
}

/// Implemented by every schema struct, to mark its fields as used: the struct
/// describes a session and is never built.
#[doc(hidden)]
pub trait Described {
    fn __fields(&self);
}

/// Implemented by the generated key enums.
#[doc(hidden)]
pub trait KeyEnum: Copy {
    /// The schema the keys belong to.
    type Schema: Schema;
    /// The variant's position in its table.
    fn __index(self) -> usize;
}

/// The error of `FromStr` on a key enum: the name is not a stored key name of
/// the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKey {
    name: String,
}

impl UnknownKey {
    /// The name that was looked up.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for UnknownKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a key of this session schema", self.name)
    }
}

impl std::error::Error for UnknownKey {}

/// Builds an [`UnknownKey`].
#[doc(hidden)]
#[must_use]
pub fn unknown_key(name: &str) -> UnknownKey {
    UnknownKey {
        name: name.to_owned(),
    }
}

/// The key enum of a schema whose derive failed: it has no variants, so the
/// only error the user sees is the derive's own.
#[doc(hidden)]
pub enum NoKeys<S> {
    #[doc(hidden)]
    __Never(
        std::convert::Infallible,
        std::marker::PhantomData<fn() -> S>,
    ),
}

impl<S> NoKeys<S> {
    fn never(self) -> ! {
        match self {
            NoKeys::__Never(never, _) => match never {},
        }
    }
}

impl<S> Clone for NoKeys<S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S> Copy for NoKeys<S> {}
impl<S> PartialEq for NoKeys<S> {
    fn eq(&self, _: &Self) -> bool {
        (*self).never()
    }
}
impl<S> Eq for NoKeys<S> {}
impl<S> Hash for NoKeys<S> {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {
        (*self).never()
    }
}
impl<S> fmt::Debug for NoKeys<S> {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        (*self).never()
    }
}
impl<S> fmt::Display for NoKeys<S> {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        (*self).never()
    }
}
impl<S> FromStr for NoKeys<S> {
    type Err = UnknownKey;
    fn from_str(name: &str) -> Result<Self, UnknownKey> {
        Err(unknown_key(name))
    }
}
