//! Values held by a session: the bound every value type meets, and the
//! type-erased box a decoded or newly set value lives in.

use std::any::TypeId;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A type a session key can hold: serializable both ways, shareable between
/// threads, and owning its data. Implemented for every such type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in a session",
    label = "the type of this session key",
    note = "a session value must implement `serde::Serialize` and `serde::de::DeserializeOwned` \
            (add `#[derive(Serialize, Deserialize)]`), and be `Send + Sync + 'static`"
)]
pub trait SessionValue: Serialize + DeserializeOwned + Send + Sync + 'static {}

impl<T: Serialize + DeserializeOwned + Send + Sync + 'static> SessionValue for T {}

/// What the session needs from a value once its type is erased.
trait StoredValue: Send + Sync + 'static {
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()>;
    fn to_json_value(&self) -> serde_json::Result<serde_json::Value>;
}

impl<T: Serialize + Send + Sync + 'static> StoredValue for T {
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        serde_json::to_writer(out, self)
    }

    fn to_json_value(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(self)
    }
}

/// A value of some [`SessionValue`] type, with its `TypeId` kept beside it so a
/// typed read is one comparison and no virtual call. The `TypeId` sits in the
/// box with the value, so an `Erased` is one (wide) pointer: the slots of a
/// session, and so the session, stay small to move.
pub(crate) struct Erased(Box<Tagged<dyn StoredValue>>);

/// A value behind its type's `TypeId`.
struct Tagged<T: ?Sized> {
    type_id: TypeId,
    value: T,
}

impl Erased {
    pub(crate) fn new<T: SessionValue>(value: T) -> Self {
        Erased(Box::new(Tagged {
            type_id: TypeId::of::<T>(),
            value,
        }))
    }

    /// The value as a `T`, if it is one.
    #[allow(
        clippy::inline_always,
        reason = "part of the typed get's hot path, see `Slot::get`"
    )]
    #[inline(always)]
    pub(crate) fn downcast_ref<T: 'static>(&self) -> Option<&T> {
        if self.0.type_id == TypeId::of::<T>() {
            let ptr: *const dyn StoredValue = &self.0.value;
            // SAFETY: `type_id` is the `TypeId` of the concrete type boxed
            // with it (both are set together in `new` and never changed), and
            // it equals `T`'s, so the box holds a `T`; casting the fat pointer
            // to a thin `*const T` keeps its address, which is valid for the
            // borrow of `self`.
            Some(unsafe { &*ptr.cast::<T>() })
        } else {
            None
        }
    }

    /// The value as a mutable `T`, if it is one.
    pub(crate) fn downcast_mut<T: 'static>(&mut self) -> Option<&mut T> {
        if self.0.type_id == TypeId::of::<T>() {
            let ptr: *mut dyn StoredValue = &mut self.0.value;
            // SAFETY: as in `downcast_ref`: the box holds a `T`, and the
            // pointer comes from a unique borrow of it.
            Some(unsafe { &mut *ptr.cast::<T>() })
        } else {
            None
        }
    }

    /// Appends the value's JSON to `out`.
    pub(crate) fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        self.0.value.write_json(out)
    }

    /// The value as a JSON tree.
    pub(crate) fn to_json_value(&self) -> serde_json::Result<serde_json::Value> {
        self.0.value.to_json_value()
    }
}

/// Decodes stored JSON as a `T`; `None` when it does not fit the type.
pub(crate) fn decode<T: SessionValue>(json: &str) -> Option<Erased> {
    serde_json::from_str::<T>(json).ok().map(Erased::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downcast_checks_the_type() {
        let erased = Erased::new(42_u64);
        assert_eq!(erased.downcast_ref::<u64>(), Some(&42));
        assert_eq!(erased.downcast_ref::<u32>(), None);
        let erased = Erased::new(vec![String::from("a")]);
        assert_eq!(erased.downcast_ref::<Vec<String>>().map(Vec::len), Some(1));
    }

    #[test]
    fn downcast_mut_changes_the_value_in_place() {
        let mut erased = Erased::new(vec![1_u8]);
        erased.downcast_mut::<Vec<u8>>().unwrap().push(2);
        assert_eq!(erased.downcast_ref::<Vec<u8>>(), Some(&vec![1, 2]));
        assert!(erased.downcast_mut::<Vec<u16>>().is_none());
    }

    #[test]
    fn decode_rejects_unfit_values() {
        assert!(decode::<u64>("\"text\"").is_none());
        let decoded = decode::<String>("\"text\"").unwrap();
        assert_eq!(
            decoded.downcast_ref::<String>().map(String::as_str),
            Some("text")
        );
    }
}
