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
