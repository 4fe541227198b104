//! The cookie storage: the whole session in the cookie value.

use serde::Deserialize;

use super::SessionStorage;
use crate::data::RawData;
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
struct CookieRecord {
    i: String,
    d: RawData,
}

impl SessionStorage for CookieStorage {
    async fn read<S: Schema>(&self, cookie_value: Option<&str>) -> Result<Session<S>, Error> {
        let record = cookie_value
            .filter(|value| !value.is_empty())
            .and_then(|value| serde_json::from_str::<CookieRecord>(value).ok());
        Ok(match record {
            Some(record) => Session::from_raw(record.i, record.d),
            None => Session::new(),
        })
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
        let data = session.data_json()?;
        let mut out = String::with_capacity(data.len() + session.id().len() + 16);
        out.push_str("{\"i\":");
        // Writing a `&str` as JSON cannot fail.
        out.push_str(&serde_json::to_string(session.id()).unwrap_or_default());
        out.push_str(",\"d\":");
        out.push_str(&data);
        out.push('}');
        Ok(Some(out))
    }
}
