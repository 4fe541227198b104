//! Shared schemas and helpers for the integration tests in `tests/`.

use serde::{Deserialize, Serialize};
use session::SessionSchema;

/// An item in a cart: a value with structure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Product id.
    pub sku: String,
    /// How many.
    pub quantity: u32,
}

/// The schema most tests use.
#[derive(SessionSchema)]
pub struct App {
    /// The logged-in user.
    pub user_id: u64,
    /// The user's display name.
    pub name: String,
    /// The cart, stored under another name.
    #[session(rename = "cart-items")]
    pub cart: Vec<Item>,
    /// A one-time message.
    #[session(flash)]
    pub notice: String,
    /// A one-time error message.
    #[session(flash)]
    pub error: String,
}
