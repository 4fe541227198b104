//! The `Session` behaviour of the reference implementation, case by case.

use serde_json::json;
use session_schema::{Session, SessionData};
use session_tests::{App, AppFlashKey, AppValueKey, Item};

fn data(values: serde_json::Value, flash: serde_json::Value) -> SessionData {
    serde_json::from_value(serde_json::Value::Array(vec![values, flash])).unwrap()
}

#[test]
fn a_new_session_has_a_random_id_and_is_empty() {
    let session = Session::<App>::new();
    let other = Session::<App>::new();
    assert_ne!(session.id(), other.id());
    assert!(session.id().len() >= 22, "at least 128 bits of base64");
    assert!(!session.destroyed());
    assert!(!session.dirty());
    assert_eq!(session.size(), 0);
    assert_eq!(session.delete_id(), None);
    assert_eq!(session.data(), SessionData::default());
}

#[test]
fn a_session_can_have_a_custom_id() {
    let session = Session::<App>::with_id("custom-id");
    assert_eq!(session.id(), "custom-id");
    assert!(!session.dirty());
}

#[test]
fn a_session_can_start_with_initial_data() {
    let session =
        Session::<App>::from_data("abc", data(json!({"user_id": 1, "name": "Ada"}), json!({})));
    assert_eq!(session.id(), "abc");
    assert_eq!(session.get(App::USER_ID), Some(&1));
    assert_eq!(session.get(App::NAME).map(String::as_str), Some("Ada"));
    assert_eq!(session.size(), 2);
    assert!(
        !session.dirty(),
        "loading values alone does not make a session dirty"
    );
}

#[test]
fn initial_flash_data_makes_the_session_dirty() {
    let session = Session::<App>::from_data("abc", data(json!({}), json!({"notice": "Saved"})));
    assert!(
        session.dirty(),
        "the loaded flash must be cleared by the next save"
    );
    assert_eq!(session.get(App::NOTICE).map(String::as_str), Some("Saved"));
    assert!(session.has(App::NOTICE));
    assert_eq!(session.size(), 1);
}

#[test]
fn set_get_and_unset() {
    let mut session = Session::<App>::new();
    assert_eq!(session.get(App::USER_ID), None);
    assert!(!session.has(App::USER_ID));

    session.set(App::USER_ID, 42);
    assert!(session.dirty());
    assert_eq!(session.get(App::USER_ID), Some(&42));
    assert!(session.has(App::USER_ID));
    assert_eq!(session.size(), 1);

    session.set(App::USER_ID, 43);
    assert_eq!(session.get(App::USER_ID), Some(&43));
    assert_eq!(session.size(), 1);

    session.unset(App::USER_ID);
    assert_eq!(session.get(App::USER_ID), None);
    assert!(!session.has(App::USER_ID));
    assert_eq!(session.size(), 0);
    assert_eq!(session.data(), SessionData::default());
}

#[test]
fn unset_makes_a_loaded_session_dirty() {
    let mut session = Session::<App>::from_data("abc", data(json!({"user_id": 1}), json!({})));
    assert!(!session.dirty());
    session.unset(AppValueKey::UserId);
    assert!(session.dirty());
    assert!(!session.has(AppValueKey::UserId));
}

#[test]
fn complex_values_round_trip_through_data() {
    let mut session = Session::<App>::new();
    let cart = vec![
        Item {
            sku: "apple".into(),
            quantity: 3,
        },
        Item {
            sku: "pear".into(),
            quantity: 1,
        },
    ];
    session.set(App::CART, cart.clone());
    assert_eq!(session.get(App::CART), Some(&cart));

    let stored = session.data();
    assert_eq!(
        stored.values["cart-items"],
        json!([{"sku": "apple", "quantity": 3}, {"sku": "pear", "quantity": 1}])
    );
    let loaded = Session::<App>::from_data(session.id(), stored);
    assert_eq!(loaded.get(App::CART), Some(&cart));
}

#[test]
fn get_returns_the_same_reference_on_every_read() {
    let session = Session::<App>::from_data("abc", data(json!({"name": "Ada"}), json!({})));
    let first: *const String = session.get(App::NAME).unwrap();
    let second: *const String = session.get(App::NAME).unwrap();
    assert_eq!(first, second, "a stored value is decoded once and cached");
}

#[test]
fn regenerate_id_changes_the_id_and_keeps_the_data() {
    let mut session = Session::<App>::from_data("original", data(json!({"user_id": 5}), json!({})));
    session.regenerate_id(false);
    assert_ne!(session.id(), "original");
    assert!(session.dirty());
    assert_eq!(session.delete_id(), None);
    assert_eq!(session.get(App::USER_ID), Some(&5));
}

#[test]
fn regenerate_with_delete_keeps_the_original_id_across_regenerations() {
    let mut session = Session::<App>::with_id("original");
    session.regenerate_id(true);
    let second = session.id().to_owned();
    assert_eq!(session.delete_id(), Some("original"));
    session.regenerate_id(true);
    assert_ne!(session.id(), second);
    assert_eq!(session.delete_id(), Some("original"));
    session.regenerate_id(false);
    assert_eq!(
        session.delete_id(),
        Some("original"),
        "a later regenerate does not forget the deletion"
    );
}

#[test]
fn destroy_empties_the_session() {
    let mut session = Session::<App>::from_data(
        "abc",
        data(json!({"user_id": 5, "other": 1}), json!({"notice": "x"})),
    );
    session.set(App::NAME, "Ada".into());
    session.flash(App::ERROR, "oops".into());
    let destroyed = session.destroy();
    assert!(destroyed.destroyed());
    assert_eq!(destroyed.id(), "abc");
    assert_eq!(destroyed.size(), 0);
    assert_eq!(destroyed.get(App::USER_ID), None);
    assert_eq!(destroyed.get(App::NOTICE), None);
    assert!(!destroyed.has(AppValueKey::UserId));
    assert!(!destroyed.has(AppFlashKey::Notice));
    assert_eq!(destroyed.data(), SessionData::default());
    assert!(destroyed.mismatched_keys().is_empty());
}

#[test]
fn destroy_keeps_the_id_to_delete() {
    let mut session = Session::<App>::with_id("original");
    session.regenerate_id(true);
    let destroyed = session.destroy();
    assert_eq!(destroyed.delete_id(), Some("original"));
}

#[test]
fn debug_shows_key_names_but_not_values() {
    let mut session = Session::<App>::with_id("abc");
    session.set(App::NAME, "secret-name".into());
    let debug = format!("{session:?}");
    assert!(debug.contains("\"name\""), "{debug}");
    assert!(!debug.contains("secret-name"), "{debug}");
}

/// One key only: the smallest schema.
#[derive(session_schema::SessionSchema)]
struct OneKey {
    only: u32,
}

#[test]
fn a_session_is_as_small_to_move_whatever_its_schema() {
    // The key slots live behind one pointer: a request moves the session
    // (into the handler, back to the layer, into the save) at the same cost
    // for a schema of one key as for one of many.
    assert_eq!(
        std::mem::size_of::<Session<App>>(),
        std::mem::size_of::<Session<OneKey>>()
    );
    let one = Session::<OneKey>::new();
    assert_eq!(one.get(OneKey::ONLY), None);
}
