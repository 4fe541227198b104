//! The Redis storage.
