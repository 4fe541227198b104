//! Stored data the schema does not know, or that does not fit a key's type,
//! survives a round trip unchanged.

use serde_json::json;
use session_schema::{Session, SessionData};
use session_tests::{App, AppValueKey};

fn load(values: serde_json::Value, flash: serde_json::Value) -> Session<App> {
    let data: SessionData =
        serde_json::from_value(serde_json::Value::Array(vec![values, flash])).unwrap();
    Session::from_data("abc", data)
}

#[test]
fn unknown_keys_are_written_back() {
    let mut session = load(
        json!({"user_id": 1, "theme": {"dark": true}, "legacy": [1, 2]}),
        json!({}),
    );
    session.set(App::NAME, "Ada".into());
    let data = session.data();
    assert_eq!(data.values["theme"], json!({"dark": true}));
    assert_eq!(data.values["legacy"], json!([1, 2]));
    assert_eq!(data.values["user_id"], json!(1));
    assert_eq!(session.size(), 4);
}

#[test]
fn unfit_values_read_as_none_and_are_kept() {
    let session = load(
        json!({"user_id": "not a number", "name": "Ada"}),
        json!({"notice": 404}),
    );
    assert_eq!(session.get(App::USER_ID), None);
    assert!(!session.has(App::USER_ID));
    assert!(!session.has(AppValueKey::UserId));
    assert_eq!(session.get(App::NOTICE), None);
    assert_eq!(session.mismatched_keys(), ["user_id", "notice"]);
    assert_eq!(session.data().values["user_id"], json!("not a number"));
    assert_eq!(session.size(), 3, "an unfit value is still stored");
}

#[test]
fn setting_or_unsetting_an_unfit_key_replaces_it() {
    let mut session = load(json!({"user_id": "x", "name": false}), json!({}));
    session.set(App::USER_ID, 7);
    session.unset(App::NAME);
    assert!(session.mismatched_keys().is_empty());
    let data = session.data();
    assert_eq!(data.values["user_id"], json!(7));
    assert!(!data.values.contains_key("name"));
}

#[test]
fn a_value_stored_under_a_flash_keys_name_is_kept_as_an_unknown_value() {
    let session = load(json!({"notice": "in values"}), json!({}));
    assert_eq!(session.get(App::NOTICE), None);
    assert_eq!(session.data().values["notice"], json!("in values"));
}

/// Through every local storage, not only in memory: unknown and unfit
/// values saved by another service come back byte for byte after a change
/// here, read and saved by the storage.
#[tokio::test]
async fn unknown_and_unfit_values_survive_a_storage_round_trip() {
    use session_schema::{CookieStorage, FsStorage, MemoryStorage};
    let dir = tempfile::tempdir().unwrap();
    let fs = FsStorage::new(dir.path()).unwrap();
    let memory = MemoryStorage::new();
    let cookie = CookieStorage::new();
    round_trip(&memory).await;
    round_trip(&fs).await;
    round_trip(&cookie).await;
}

/// Saves a session holding foreign and unfit values, changes it after a read
/// through `storage`, and checks both came back as they were.
async fn round_trip(storage: &impl session_schema::SessionStorage) {
    let first = load(
        json!({"user_id": "not a number", "theme": {"dark": true, "size": 1.50}}),
        json!({"banner": "seen once"}),
    );
    let value = storage.save(&first).await.unwrap().expect("stored");
    let mut read: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert_eq!(read.get(App::USER_ID), None, "unfit: read as absent");
    read.set(App::NAME, "Ada".into());
    let value = storage.save(&read).await.unwrap().expect("saved");
    let again: Session<App> = storage.read(Some(&value)).await.unwrap();
    let data = again.data();
    assert_eq!(data.values["user_id"], json!("not a number"));
    assert_eq!(data.values["theme"], json!({"dark": true, "size": 1.50}));
    assert_eq!(data.values["name"], json!("Ada"));
    assert_eq!(again.mismatched_keys(), ["user_id"]);
    assert!(
        data.flash.is_empty(),
        "the flash value was read once, then dropped"
    );
}
