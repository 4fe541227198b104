//! The hook every web framework integration uses to get a session back:
//! where a session handed to a handler returns when the handler drops it.
//!
//! An integration makes one [`Home`] per request, lends the session out of it
//! to the handler (loading it on first use), and once the response is ready
//! takes back whatever the handler left. The session's `Drop` does the return,
//! so no change or `destroy()` can be forgotten. Nothing here knows a
//! framework: axum and actix-web both go through it.
#![cfg_attr(
    not(any(feature = "axum", feature = "actix")),
    allow(
        dead_code,
        reason = "only the web framework integrations lend sessions out"
    )
)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::schema::Schema;
use crate::session::Session;
pub(crate) use crate::session::home::Returned;

/// The meeting point of one request's session: the extractor lends it out,
/// the session's `Drop` brings it back, the integration takes it to save it.
pub(crate) struct Home<S: Schema> {
    state: Mutex<HomeState<S>>,
    /// Whether the session was loaded from a value the current secret
    /// protected: sending that value back unchanged would tell the client
    /// nothing.
    current_credential: AtomicBool,
}

#[allow(
    clippy::large_enum_variant,
    reason = "one per request, holding its one session: a box would cost an allocation per request"
)]
enum HomeState<S: Schema> {
    /// No handler asked for the session.
    Unused,
    /// A handler holds it.
    Lent,
    /// Loaded for a check (the login state, the CSRF token) and not yet
    /// claimed by a handler: lent again on request, not saved otherwise.
    Parked(Session<S>),
    /// The handler dropped it.
    Back(Returned<S>),
    /// The response is done; anything arriving now is too late.
    Closed,
}

/// What the extractor finds.
#[allow(
    clippy::large_enum_variant,
    reason = "made once per extractor and taken apart at once: a box would cost an allocation"
)]
pub(crate) enum Lend<S: Schema> {
    /// Load it from the storage.
    Load,
    /// An earlier extractor in this request already loaded it and gave it back.
    Again(Session<S>),
    /// A check loaded it and no handler has claimed it yet.
    Parked(Session<S>),
    /// It is out, or was destroyed, in this request.
    Unavailable(&'static str),
}

/// What the layer finds once the response is ready.
#[allow(
    clippy::large_enum_variant,
    reason = "made once per request and taken apart at once: a box would cost an allocation"
)]
pub(crate) enum Finish<S: Schema> {
    Unused,
    KeptBeyondRequest,
    Back(Returned<S>),
}

impl<S: Schema> Home<S> {
    pub(crate) fn new() -> Self {
        Home {
            state: Mutex::new(HomeState::Unused),
            current_credential: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HomeState<S>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Marks the session as lent to a handler, if it can be.
    pub(crate) fn lend(&self) -> Lend<S> {
        let mut state = self.lock();
        match std::mem::replace(&mut *state, HomeState::Lent) {
            HomeState::Unused => Lend::Load,
            HomeState::Parked(session) => Lend::Parked(session),
            HomeState::Back(returned) => match returned {
                Returned::Active(session) => Lend::Again(session),
                destroyed @ Returned::Destroyed(_) => {
                    *state = HomeState::Back(destroyed);
                    Lend::Unavailable("the session was destroyed earlier in this request")
                }
            },
            HomeState::Lent => Lend::Unavailable(
                "the session is already held by another extractor of this request \
                 (two Session arguments in one handler? take the session once)",
            ),
            HomeState::Closed => {
                *state = HomeState::Closed;
                Lend::Unavailable("the response was already sent")
            }
        }
    }

    /// Undoes `lend` when loading the session failed, so a later extractor can try again.
    pub(crate) fn cancel_lend(&self) {
        let mut state = self.lock();
        if matches!(*state, HomeState::Lent) {
            *state = HomeState::Unused;
        }
    }

    /// Puts back a session loaded for a check (it must be detached from its
    /// home first): a later extractor gets it without a second read, and
    /// if none asks, it is not saved.
    pub(crate) fn park(&self, session: Session<S>) {
        let mut state = self.lock();
        if matches!(*state, HomeState::Lent) {
            *state = HomeState::Parked(session);
        }
    }

    /// Notes whether the loaded session came from a value the current
    /// secret protected.
    pub(crate) fn note_credential(&self, current: bool) {
        self.current_credential.store(current, Ordering::Relaxed);
    }

    /// Whether the loaded session came from a value the current secret
    /// protected.
    pub(crate) fn credential_is_current(&self) -> bool {
        self.current_credential.load(Ordering::Relaxed)
    }

    /// Closes the request's home and hands over the session, if it came back.
    pub(crate) fn finish(&self) -> Finish<S> {
        match std::mem::replace(&mut *self.lock(), HomeState::Closed) {
            HomeState::Unused | HomeState::Closed | HomeState::Parked(_) => Finish::Unused,
            HomeState::Lent => Finish::KeptBeyondRequest,
            HomeState::Back(returned) => Finish::Back(returned),
        }
    }
}

impl<S: Schema> crate::session::home::Home<S> for Home<S> {
    /// Takes a dropped session back, if it is still expected.
    fn take_back(&self, returned: Returned<S>) {
        let mut state = self.lock();
        if matches!(*state, HomeState::Lent) {
            *state = HomeState::Back(returned);
        }
    }
}
