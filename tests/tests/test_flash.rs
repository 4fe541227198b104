//! Flash values: set for the next request only, readable there, then gone.

use serde_json::json;
use session_schema::{Session, SessionData};
use session_tests::{App, AppFlashKey};

#[test]
fn a_flashed_value_is_not_readable_in_the_same_request() {
    let mut session = Session::<App>::new();
    session.flash(App::NOTICE, "Saved".into());
    assert!(session.dirty());
    assert_eq!(session.get(App::NOTICE), None);
    assert!(!session.has(App::NOTICE));
    assert_eq!(session.size(), 0);
    assert_eq!(session.data().flash["notice"], json!("Saved"));
}

#[test]
fn a_flashed_value_lives_for_exactly_the_next_request() {
    // Request 1 flashes.
    let mut first = Session::<App>::with_id("abc");
    first.set(App::USER_ID, 1);
    first.flash(App::NOTICE, "Welcome".into());
    let stored = first.data();

    // Request 2 reads it; saving drops it.
    let second = Session::<App>::from_data("abc", stored);
    assert_eq!(second.get(App::NOTICE).map(String::as_str), Some("Welcome"));
    assert!(second.has(AppFlashKey::Notice));
    assert!(second.dirty());
    let stored = second.data();
    assert!(stored.flash.is_empty());
    assert_eq!(stored.values["user_id"], json!(1));

    // Request 3 no longer sees it, and has nothing to save.
    let third = Session::<App>::from_data("abc", stored);
    assert_eq!(third.get(App::NOTICE), None);
    assert!(!third.dirty());
}

#[test]
fn a_value_flashed_while_reading_one_replaces_it_for_the_next_request() {
    let loaded = SessionData {
        flash: json!({"notice": "old"}).as_object().unwrap().clone(),
        ..Default::default()
    };
    let mut session = Session::<App>::from_data("abc", loaded);
    session.flash(App::NOTICE, "new".into());
    assert_eq!(session.get(App::NOTICE).map(String::as_str), Some("old"));
    assert_eq!(session.data().flash["notice"], json!("new"));
}

#[test]
fn loaded_flash_values_count_in_size() {
    let loaded: SessionData =
        serde_json::from_value(json!([{"user_id": 1}, {"notice": "a", "error": "b"}])).unwrap();
    let session = Session::<App>::from_data("abc", loaded);
    assert_eq!(session.size(), 3);
}
