//! Schemas with an owner: the `#[session(owner)]` field, the user a session
//! belongs to. Above the key handles (the owner's handle is an `OwnerKey`)
//! and below the session states (`LoggedIn` needs an owner).

use crate::key::OwnerKey;
use crate::schema::Schema;
use crate::value::SessionValue;

/// A schema with an owner: one value field marked `#[session(owner)]`, the
/// user a session belongs to. Storages that keep sessions on the server index
/// them by owner, so every session of one user can be listed and destroyed
/// ("log out everywhere"). Implemented by `#[derive(SessionSchema)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no owner field: logging in and finding sessions by owner need one",
    label = "`{Self}` has no `#[session(owner)]` field",
    note = "mark the value field that identifies the user with `#[session(owner)]`, \
            such as `#[session(owner)] user_id: u64`"
)]
pub trait HasOwner: Schema {
    /// The owner's type: the owner field's type.
    type Owner: SessionValue;
    /// The owner field's key.
    const OWNER: OwnerKey<Self, Self::Owner>;
}
