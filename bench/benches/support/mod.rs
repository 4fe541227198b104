//! The schema and data the benches share: ten keys, 368 bytes stored.

use serde::{Deserialize, Serialize};
use session_schema::SessionSchema;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Item {
    pub(crate) sku: String,
    pub(crate) quantity: u32,
}

#[derive(SessionSchema)]
pub(crate) struct Bench {
    pub(crate) user_id: u64,
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) role: String,
    pub(crate) visits: u32,
    pub(crate) cart: Vec<Item>,
    pub(crate) theme: String,
    pub(crate) locale: String,
    pub(crate) last_seen: u64,
    #[session(flash)]
    pub(crate) notice: String,
}

/// The same data as a plain struct, for the field-read baseline.
#[allow(dead_code, reason = "only some fields are read")]
pub(crate) struct Plain {
    pub(crate) user_id: u64,
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) role: String,
    pub(crate) visits: u32,
    pub(crate) cart: Vec<Item>,
    pub(crate) theme: String,
    pub(crate) locale: String,
    pub(crate) last_seen: u64,
}

/// The stored session: `[values, flash]`.
pub(crate) const STORED: &str = r#"[{"user_id":1234567,"name":"Ada Lovelace","email":"ada.lovelace@example.com","role":"administrator","visits":42,"cart-unused":null,"cart":[{"sku":"tea-earl-grey-250g","quantity":2},{"sku":"scones-plain-6","quantity":1},{"sku":"jam-strawberry-340g","quantity":1}],"theme":"dark-high-contrast","locale":"en-GB","last_seen":1790000000},{"notice":"Your order was saved."}]"#;

/// The stored session with `extra` more keys the schema does not know
/// (`"extra0": 0, ...`), for the benches of sessions that grow.
#[allow(dead_code, reason = "used by the request-cycle bench only")]
pub(crate) fn stored_with(extra: usize) -> String {
    use std::fmt::Write as _;
    let mut text = String::from(STORED);
    let at = text
        .find("},{\"notice\"")
        .expect("the values object ends before the flash");
    let mut more = String::new();
    for key in 0..extra {
        let _ = write!(more, ",\"extra{key}\":{key}");
    }
    text.insert_str(at, &more);
    text
}

/// Drives a future that never waits (the memory and cookie storages' do not).
#[allow(dead_code, reason = "used by the request-cycle bench only")]
pub(crate) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}
