#![doc = include_str!("../../README.md")]
//!
//! # Where to read on
//!
//! - [`typestate`]: how the compiler keeps sessions and keys in line.
//! - [`Session`]: every operation, with the reference semantics.

#[cfg(feature = "axum")]
pub mod axum;
mod cookie;
mod data;
mod error;
mod id;
mod json_writer;
mod key;
mod schema;
mod session;
mod slot;
mod state;
mod storage;
pub mod typestate;
mod value;

pub use cookie::{Cookie, SameSite};
pub use data::SessionData;
pub use error::Error;
pub use id::new_session_id;
pub use key::{
    FlashKey, FlashKeyOf, FlashKeyPassedToSet, FlashKeyPassedToUnset, GetKey, HasKey, SameSchema,
    SetKey, UnsetKey, ValueKey, ValueKeyPassedToFlash,
};
pub use schema::{Schema, UnknownKey};
pub use session::{DestroyedSession, Session};
pub use session_derive::SessionSchema;
pub use state::{Active, CanDestroy, CanFlash, CanRegenerate, CanSet, CanUnset, Destroyed, State};
#[cfg(feature = "redis")]
pub use storage::RedisStorage;
pub use storage::{CookieStorage, FsStorage, MemoryStorage, SessionStorage};
pub use value::SessionValue;

/// What generated code reaches the runtime through. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::key::{flash_key, value_key};
    pub use crate::schema::{Described, KeyDef, KeyEnum, KeyRef, NoKeys, key_def, unknown_key};
    pub use crate::slot::{Slot, empty_slots};
}
