//! The three states of a session, and the operations each state allows.
//!
//! A state is a type parameter of [`Session`](crate::Session), so an operation
//! a state does not allow is a compile error. Each operation is guarded by its
//! own marker trait, implemented for [`Active`] only, whose diagnostic names the
//! operation: calling `set` on a [`DestroyedSession`](crate::DestroyedSession)
//! fails with "cannot `set` on a destroyed session".

use crate::key::role;
use crate::owner::HasOwner;
use crate::schema::Schema;

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Active {}
    impl Sealed for super::LoggedIn {}
    impl Sealed for super::Destroyed {}
}

/// A session state: [`Active`], [`LoggedIn`] or [`Destroyed`]. Sealed: no
/// other states exist.
pub trait State: sealed::Sealed + Send + Sync + 'static {
    /// Whether sessions in this state are destroyed.
    const DESTROYED: bool;
}

/// A state a session of schema `S` can be in: [`Active`] and [`Destroyed`]
/// for every schema, [`LoggedIn`] for a schema with an owner. The bound on
/// [`Session`](crate::Session)'s state, so that naming
/// `Session<Shop, LoggedIn>` for a schema without a `#[session(owner)]` field
/// is an error at the type, not at some later call.
///
/// The compiler reports a missing owner through [`HasOwner`]'s message:
/// "`Shop` has no owner field: logging in and finding sessions by owner need one".
pub trait StateOf<S: Schema>: State {}
impl<S: Schema> StateOf<S> for Active {}
impl<S: Schema> StateOf<S> for Destroyed {}
impl<S: HasOwner> StateOf<S> for LoggedIn {}

/// The state of a live session: values can be read, set, unset and flashed,
/// and the id can be regenerated. Every session starts here.
#[derive(Debug)]
pub enum Active {}

/// The state of a session that proves who its user is: its
/// `#[session(owner)]` key holds a value, which [`owner`](crate::Session::owner)
/// returns (not an `Option`). Reached by [`log_in`](crate::Session::log_in),
/// which renews the id, or by [`into_logged_in`](crate::Session::into_logged_in)
/// on a session that has an owner; left by [`log_out`](crate::Session::log_out)
/// or [`destroy`](crate::Session::destroy). Everything an active session can
/// do, a logged-in one can too, except changing the owner in place.
#[derive(Debug)]
pub enum LoggedIn {}

/// The state of a session after [`Session::destroy`](crate::Session::destroy):
/// it reads as empty (no values, size 0), cannot be changed, and saving it
/// deletes it from its storage and clears the cookie.
#[derive(Debug)]
pub enum Destroyed {}

impl State for Active {
    const DESTROYED: bool = false;
}

impl State for LoggedIn {
    const DESTROYED: bool = false;
}

impl State for Destroyed {
    const DESTROYED: bool = true;
}

/// Implemented by [`LoggedIn`] only: the state where the owner is known.
#[diagnostic::on_unimplemented(
    message = "this needs a logged-in session, and this is a `Session<_, {Self}>`",
    label = "not known to be logged in",
    note = "take `Session<App, LoggedIn>` as the handler's argument (requests without an owner are \
            turned away before the handler), or call `log_in(owner)` or `into_logged_in()` first"
)]
pub trait IsLoggedIn: State {}
impl IsLoggedIn for LoggedIn {}

/// Implemented by [`Active`] only: the state [`Session::log_in`](crate::Session::log_in)
/// starts from.
#[diagnostic::on_unimplemented(
    message = "`log_in` needs an active session, and this is a `Session<_, {Self}>`",
    label = "cannot log in from here",
    note = "a logged-in session logs in as someone else with `log_out()` then `log_in(..)`; \
            a destroyed one cannot be used again"
)]
pub trait CanLogIn: State {}
impl CanLogIn for Active {}

/// Implemented by the states that allow [`Session::set`](crate::Session::set).
#[diagnostic::on_unimplemented(
    message = "cannot `set` on a destroyed session",
    label = "this session was destroyed",
    note = "`destroy()` ends the session for good; to keep data, set it before destroying, or start a new `Session`"
)]
pub trait CanSet: State {}
impl CanSet for Active {}
impl CanSet for LoggedIn {}

/// Implemented by the states that allow [`Session::update`](crate::Session::update)
/// and [`Session::get_mut`](crate::Session::get_mut).
#[diagnostic::on_unimplemented(
    message = "cannot change a value of a destroyed session (`update`, `get_mut`)",
    label = "this session was destroyed",
    note = "`destroy()` ends the session for good; change values before destroying it, or start a new `Session`"
)]
pub trait CanUpdate: State {}
impl CanUpdate for Active {}
impl CanUpdate for LoggedIn {}

/// Implemented by the states that allow [`Session::unset`](crate::Session::unset).
#[diagnostic::on_unimplemented(
    message = "cannot `unset` on a destroyed session",
    label = "this session was destroyed",
    note = "a destroyed session is already empty: every key reads as absent"
)]
pub trait CanUnset: State {}
impl CanUnset for Active {}
impl CanUnset for LoggedIn {}

/// Implemented by the states that allow [`Session::flash`](crate::Session::flash).
#[diagnostic::on_unimplemented(
    message = "cannot `flash` on a destroyed session",
    label = "this session was destroyed",
    note = "a destroyed session is not saved for the next request, so a flashed value would be lost"
)]
pub trait CanFlash: State {}
impl CanFlash for Active {}
impl CanFlash for LoggedIn {}

/// Implemented by the states that allow
/// [`Session::regenerate_id`](crate::Session::regenerate_id).
#[diagnostic::on_unimplemented(
    message = "cannot `regenerate_id` on a destroyed session",
    label = "this session was destroyed",
    note = "saving a destroyed session deletes it; there is no id left to regenerate"
)]
pub trait CanRegenerate: State {}
impl CanRegenerate for Active {}
impl CanRegenerate for LoggedIn {}

/// Implemented by the states that allow [`Session::destroy`](crate::Session::destroy).
#[diagnostic::on_unimplemented(
    message = "this session is already destroyed",
    label = "`destroy` was already called on this session",
    note = "saving the destroyed session deletes it and clears the cookie; no second `destroy` is needed"
)]
pub trait CanDestroy: State {}
impl CanDestroy for Active {}
impl CanDestroy for LoggedIn {}

/// Implemented by the key roles a session in state `St` may `set` (and
/// change with `update` or `get_mut`): every role but the owner, which only
/// [`log_in`](crate::Session::log_in) sets, renewing the session id.
#[diagnostic::on_unimplemented(
    message = "the owner of a session is set by `log_in`, not by `set`, `update` or `get_mut`",
    label = "this is the `#[session(owner)]` key",
    note = "`session.log_in(owner)` sets the owner and renews the session id, so an id planted \
            before the login is worthless after it; a logged-in session changes owner with \
            `session.log_out().log_in(new_owner)`"
)]
pub trait SettableIn<St> {}
impl<St> SettableIn<St> for role::Plain {}

/// Implemented by the key roles a session in state `St` may `unset`: every
/// role on an active session; on a logged-in one, no owner and no key enum
/// variant (which could be the owner).
#[diagnostic::on_unimplemented(
    message = "cannot `unset` the owner of a logged-in session, or a key enum variant that could be it",
    label = "on a `Session<_, LoggedIn>`, `unset` takes typed keys other than the owner",
    note = "`session.log_out()` unsets the owner and renews the session id; \
            to unset another key, use its typed handle (`App::SOME_KEY`)"
)]
pub trait UnsettableIn<St> {}
impl<St> UnsettableIn<St> for role::Plain {}
impl UnsettableIn<Active> for role::Owner {}
impl UnsettableIn<Destroyed> for role::Owner {}
impl UnsettableIn<Active> for role::Dynamic {}
impl UnsettableIn<Destroyed> for role::Dynamic {}
