//! What the fuzz targets share: a schema, a way to run futures without a
//! runtime, a backend that holds the fuzzer's bytes as a stored session, and
//! the operations a request performs on a session.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use session_schema::{
    BackendStorage, Error, Record, Session, SessionBackend, SessionSchema, SessionStorage,
};

/// A schema with every kind of key.
#[derive(SessionSchema)]
pub struct App {
    /// The owner.
    #[session(owner)]
    pub user_id: u64,
    /// A string.
    pub name: String,
    /// A list.
    pub tags: Vec<String>,
    /// A flash value.
    #[session(flash)]
    pub notice: String,
}

/// Runs a future that never waits on anything outside it.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

/// Reads everything a handler could read.
pub fn exercise(session: &Session<App>) {
    let _ = (
        session.get(App::USER_ID),
        session.get(App::NAME),
        session.get(App::TAGS),
        session.get(App::NOTICE),
    );
    let _ = (session.size(), session.mismatched_keys(), session.data());
}

/// Changes what a handler could change, and checks the session still reads back.
pub fn change(session: &mut Session<App>) {
    session.update(App::TAGS, |tags| tags.push("fuzz".to_owned()));
    session.set(App::NAME, "changed".to_owned());
    session.flash(App::NOTICE, "next".to_owned());
    assert_eq!(session.get(App::NAME).map(String::as_str), Some("changed"));
}

/// A backend whose one record, under the id `fuzz`, is the fuzzer's bytes.
/// Its first compare-and-set fails, as if another request had saved in
/// between, so saves go through the merge.
pub struct FuzzBackend {
    records: Mutex<HashMap<String, Vec<u8>>>,
    raced: AtomicBool,
}

impl FuzzBackend {
    /// A backend holding `record` under `fuzz`.
    #[must_use]
    pub fn holding(record: &[u8]) -> Self {
        FuzzBackend {
            records: Mutex::new(HashMap::from([("fuzz".to_owned(), record.to_vec())])),
            raced: AtomicBool::new(false),
        }
    }
}

impl SessionBackend for FuzzBackend {
    async fn load(&self, id: &str) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.records.lock().unwrap().get(id).cloned())
    }

    async fn insert(&self, id: &str, record: Record<'_>) -> Result<(), Error> {
        self.records
            .lock()
            .unwrap()
            .insert(id.to_owned(), record.text.into_bytes());
        Ok(())
    }

    async fn replace(
        &self,
        id: &str,
        expected: &str,
        _: Option<&str>,
        record: Record<'_>,
    ) -> Result<bool, Error> {
        if !self.raced.swap(true, Ordering::SeqCst) {
            return Ok(false);
        }
        let mut records = self.records.lock().unwrap();
        if records.get(id).map(Vec::as_slice) != Some(expected.as_bytes()) {
            return Ok(false);
        }
        records.insert(id.to_owned(), record.text.into_bytes());
        Ok(true)
    }

    async fn remove(&self, id: &str, _: Option<&str>) -> Result<(), Error> {
        self.records.lock().unwrap().remove(id);
        Ok(())
    }

    async fn owned(&self, _: &str) -> Result<Vec<String>, Error> {
        Ok(self.records.lock().unwrap().keys().cloned().collect())
    }
}

/// The whole request cycle on the fuzzer's bytes as a stored record: read,
/// change, save (through the merge), read back; and "log out everywhere".
pub fn stored_record_cycle(record: &[u8]) {
    let storage = BackendStorage::from_backend(FuzzBackend::holding(record));
    let mut session: Session<App> = block_on(storage.read(Some("fuzz"))).unwrap();
    exercise(&session);
    change(&mut session);
    let saved = block_on(storage.save(&session)).unwrap();
    if let Some(id) = saved {
        let again: Session<App> = block_on(storage.read(Some(&id))).unwrap();
        exercise(&again);
    }
    let _ = block_on(storage.owned_by::<App>(&1));
    let _ = block_on(storage.destroy_owned_by::<App>(&1));
}

/// The whole request cycle on a cookie storage value: read, change, save,
/// read back what was saved.
pub fn cookie_value_cycle(value: &str) {
    let storage = session_schema::CookieStorage::new();
    let mut session: Session<App> = block_on(storage.read(Some(value))).unwrap();
    exercise(&session);
    change(&mut session);
    if let Ok(Some(saved)) = block_on(storage.save(&session)) {
        let again: Session<App> = block_on(storage.read(Some(&saved))).unwrap();
        assert_eq!(again.get(App::NAME).map(String::as_str), Some("changed"));
        assert_eq!(again.get(App::NOTICE).map(String::as_str), Some("next"));
    }
}
