//! How the compiler keeps sessions and keys in line.
//!
//! This module has no items; it explains the design.
//!
//! # Keys carry their schema and type
//!
//! `#[derive(SessionSchema)]` on a struct turns each field into a key handle,
//! an associated const of the struct: a field `user_id: u64` becomes
//! `Shop::USER_ID: ValueKey<Shop, u64>`, and a field marked `#[session(flash)]`
//! becomes a [`FlashKey`](crate::FlashKey). A handle is a position in the
//! schema's table of stored names; its type parameters carry, at no run-time
//! cost, the schema it belongs to and the type of its value. So
//! `session.get(Shop::USER_ID)` is an `Option<&u64>`, and `session.set(Shop::USER_ID, "7")`
//! is a type error: expected `u64`, found `&str`.
//!
//! The derive also generates `ShopValueKey` and `ShopFlashKey`, enums with a
//! variant per key, for code that handles keys by name: they list every key
//! (`ALL`), give its stored name (`name()`, `Display`) and parse one
//! (`FromStr`). [`has`](crate::Session::has) and [`unset`](crate::Session::unset)
//! accept them beside the typed handles.
//!
//! # Each operation says which keys it takes
//!
//! An operation takes its key through a trait of its own: `get` through
//! [`GetKey`](crate::GetKey), `set` through [`SetKey`](crate::SetKey), `flash`
//! through [`FlashKeyOf`](crate::FlashKeyOf), `unset` through
//! [`UnsetKey`](crate::UnsetKey), `has` through [`HasKey`](crate::HasKey).
//! Where a key of the right schema is the wrong kind for the operation (a flash
//! key given to `set`), the trait is implemented but requires a marker trait
//! that nothing implements, such as
//! [`FlashKeyPassedToSet`](crate::FlashKeyPassedToSet). The compiler then
//! reports that marker, and its `#[diagnostic::on_unimplemented]` message is a
//! sentence about the mistake:
//!
//! ```text
//! error[E0277]: cannot `set` a flash key; use `flash()` to set it
//! ```
//!
//! A key of another schema fails [`SameSchema`](crate::SameSchema) the same way:
//! "this key belongs to the `Other` schema, but the session is a `Session<Shop>`".
//!
//! # The session's state is a type
//!
//! [`Session<S, St>`](crate::Session) has a state parameter, [`Active`](crate::Active)
//! by default. [`destroy`](crate::Session::destroy) takes the session by value and
//! returns a `Session<S, Destroyed>` ([`DestroyedSession`](crate::DestroyedSession)):
//! the active session is moved, so any later use of it is a borrow-checker error,
//! and the destroyed one has no way to change. Rather than leaving `set` out of
//! the destroyed type (which would give the bare "no method named `set`"),
//! every changing method exists on both states behind a bound such as
//! [`CanSet`](crate::CanSet), implemented for `Active` only. Its diagnostic
//! names the operation:
//!
//! ```text
//! error[E0277]: cannot `set` on a destroyed session
//! ```
//!
//! Reads (`get`, `has`, `size`, `data`, `id`) stay available on a destroyed
//! session and read it as empty, which is what a storage needs to delete it.
//!
//! # Logged in is a state too
//!
//! A schema may mark one value field `#[session(owner)]`: the user a session
//! belongs to. Its sessions then have a third state,
//! [`LoggedIn`](crate::LoggedIn), which proves that the owner is set:
//!
//! ```text
//!            log_in(owner)               destroy()
//!   Active ───────────────▶ LoggedIn ──────────────▶ Destroyed
//!      ▲                        │                        ▲
//!      └──────── log_out() ─────┘                        │
//!      └─────────────────────── destroy() ───────────────┘
//! ```
//!
//! - [`log_in`](crate::Session::log_in) sets the owner *and* renews the id
//!   (deleting the old one when saved), so the defence against session
//!   fixation is part of logging in and cannot be forgotten.
//! - [`owner`](crate::Session::owner) exists on `LoggedIn` only and returns
//!   `&T`, not an `Option`; on an active session it does not compile:
//!
//!   ```text
//!   error[E0277]: this needs a logged-in session, and this is a `Session<_, Active>`
//!   ```
//!
//! - The owner's handle is an [`OwnerKey`](crate::OwnerKey): a value key with
//!   a role the state checks. A logged-in session cannot `set`, `update` or
//!   `unset` it (the role fails [`SettableIn`](crate::SettableIn) or
//!   [`UnsettableIn`](crate::UnsettableIn) for `LoggedIn`), so the owner
//!   changes only by logging out and in again, with a new id each time. A
//!   key enum variant could be the owner, so a logged-in session unsets typed
//!   keys only.
//! - [`log_out`](crate::Session::log_out) unsets the owner, renews the id and
//!   returns an active session; [`destroy`](crate::Session::destroy) works
//!   from both states.
//!
//! In a web framework, a handler that takes `Session<Shop, LoggedIn>` runs only
//! for requests whose session has an owner; the integration turns the others
//! away before the handler (401, or a redirect to the login page), so a
//! forgotten "is anyone logged in?" check is a type error, not a hole.
//!
//! # Values are decoded once and encoded once
//!
//! A loaded session keeps each stored value as the JSON text it was stored as.
//! The first `get` of a key decodes that text as the key's type and caches it;
//! later reads return the cached value. The derive sizes the session's slots
//! to the schema (an array held inline in the session), so a `get` through a
//! typed key reads a slot at a fixed offset: one check that the value is
//! cached, one `TypeId` comparison, no bounds check and no hashing. `set` stores the value itself; it is encoded when the
//! session is saved. Values never touched are written back as the exact text
//! they were loaded as, which is also why values the schema does not know, or
//! that do not fit a key's type, survive a round trip unchanged.
