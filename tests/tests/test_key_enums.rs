//! The generated key enums and typed key handles.

use session_schema::{Session, UnknownKey};
use session_tests::{App, AppFlashKey, AppValueKey};

#[test]
fn enums_list_every_key_in_field_order() {
    assert_eq!(
        AppValueKey::ALL,
        [
            AppValueKey::Owner,
            AppValueKey::UserId,
            AppValueKey::Name,
            AppValueKey::Cart
        ]
    );
    assert_eq!(AppFlashKey::ALL, [AppFlashKey::Notice, AppFlashKey::Error]);
}

#[test]
fn names_are_the_stored_names() {
    let names: Vec<&str> = AppValueKey::ALL.iter().map(|key| key.name()).collect();
    assert_eq!(names, ["owner", "user_id", "name", "cart-items"]);
    assert_eq!(AppValueKey::Cart.to_string(), "cart-items");
    assert_eq!(AppFlashKey::Notice.to_string(), "notice");
}

#[test]
fn from_str_parses_stored_names_only() {
    assert_eq!("cart-items".parse::<AppValueKey>(), Ok(AppValueKey::Cart));
    assert_eq!("notice".parse::<AppFlashKey>(), Ok(AppFlashKey::Notice));
    let error: UnknownKey = "cart".parse::<AppValueKey>().unwrap_err();
    assert_eq!(error.name(), "cart");
    assert_eq!(
        error.to_string(),
        "`cart` is not a key of this session schema"
    );
    assert!(
        "notice".parse::<AppValueKey>().is_err(),
        "a flash key is not a value key"
    );
}

#[test]
fn enums_are_copy_eq_hash_debug() {
    let set: std::collections::HashSet<AppValueKey> = AppValueKey::ALL.iter().copied().collect();
    assert_eq!(set.len(), 4);
    assert_eq!(format!("{:?}", AppValueKey::UserId), "UserId");
}

#[test]
fn typed_keys_know_their_names() {
    assert_eq!(App::CART.name(), "cart-items");
    assert_eq!(App::NOTICE.to_string(), "notice");
    assert_eq!(format!("{:?}", App::USER_ID), "ValueKey(\"user_id\")");
}

#[test]
fn has_and_unset_accept_enum_variants() {
    let mut session = Session::<App>::new();
    session.set(App::NAME, "Ada".into());
    for key in AppValueKey::ALL {
        assert_eq!(session.has(*key), *key == AppValueKey::Name, "{key}");
    }
    session.unset(AppValueKey::Name);
    assert!(!session.has(App::NAME));
}
