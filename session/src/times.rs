//! A stored session's times: when it was created and last touched, as the
//! stored data carries them, and what a save writes of them. Below the
//! session and the storages: the data format includes them.

use std::time::SystemTime;

/// Whole seconds since the Unix epoch (0 before it).
pub(crate) fn unix_secs(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// When a stored session was created and last touched, in whole seconds since
/// the Unix epoch, and whether it is remembered ("keep me signed in": it ends
/// by the storage's remembered timeouts). Stored as the third element of
/// `[values, flash, times]`, `{"c": created, "t": touched}` with `"r": 1`
/// for a remembered session, which the reference implementation ignores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Times {
    pub(crate) created: u64,
    pub(crate) touched: u64,
    pub(crate) remembered: bool,
}

impl Times {
    /// The times of a session that is not remembered.
    pub(crate) fn new(created: u64, touched: u64) -> Self {
        Times {
            created,
            touched,
            remembered: false,
        }
    }
}

/// What a save must do about a session's times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stamp {
    /// No timeout is configured: the record carries no times (as the
    /// reference writes it).
    None,
    /// Write these times.
    Write(Times),
}
