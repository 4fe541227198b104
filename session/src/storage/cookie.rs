//! The cookie storage: the whole session in the cookie value.

use serde::Deserialize;

use super::SessionStorage;
use crate::data::StoredData;
use crate::error::Error;
use crate::schema::Schema;
use crate::session::Session;
use crate::state::State;

/// Keeps the whole session in the cookie, as the JSON `{"i": id, "d": [values, flash]}`
/// of the reference implementation. Nothing is stored on the server, so it
/// scales without shared state; the price is that the session must fit in the
/// cookie (4096 bytes in all, so about 3 KB of JSON once encoded and signed),
/// is sent with every request, and cannot be revoked on the server.
///
/// Always use it with a signed [`Cookie`](crate::Cookie): the client holds the
/// data and could change it otherwise. A regenerated id cannot delete the
/// old session here: there is nothing on the server to delete.
#[derive(Debug, Clone, Copy, Default)]
pub struct CookieStorage {
    _private: (),
}

impl CookieStorage {
    /// A cookie storage.
    #[must_use]
    pub fn new() -> Self {
        CookieStorage { _private: () }
    }
}

#[derive(Deserialize)]
struct CookieRecord<'a> {
    i: String,
    #[serde(borrow)]
    d: StoredData<'a>,
}

impl SessionStorage for CookieStorage {
    async fn read<S: Schema>(&self, cookie_value: Option<&str>) -> Result<Session<S>, Error> {
        let loaded = cookie_value
            .filter(|value| !value.is_empty())
            .and_then(|value| {
                Session::from_text(value.to_owned(), |text| {
                    serde_json::from_str::<CookieRecord<'_>>(text)
                        .map(|record| (record.i, record.d))
                })
                .ok()
            });
        Ok(loaded.unwrap_or_default())
    }

    async fn save<S: Schema, St: State>(
        &self,
        session: &Session<S, St>,
    ) -> Result<Option<String>, Error> {
        if St::DESTROYED {
            return Ok(Some(String::new()));
        }
        if !session.dirty() {
            return Ok(None);
        }
        session.cookie_json().map(Some)
    }
}
