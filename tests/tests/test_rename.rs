//! `rename` and `rename_all`.

use serde_json::json;
use session_schema::{Session, SessionSchema};

#[derive(SessionSchema)]
#[session(rename_all = "camelCase")]
struct Camel {
    user_id: u64,
    #[session(rename = "LAST")]
    last_page: String,
    #[session(flash)]
    flash_message: String,
}

#[test]
fn rename_all_applies_to_fields_without_a_rename() {
    assert_eq!(CamelValueKey::UserId.name(), "userId");
    assert_eq!(CamelValueKey::LastPage.name(), "LAST");
    assert_eq!(CamelFlashKey::FlashMessage.name(), "flashMessage");

    let mut session = Session::<Camel>::new();
    session.set(Camel::USER_ID, 1);
    session.set(Camel::LAST_PAGE, "/cart".into());
    session.flash(Camel::FLASH_MESSAGE, "hi".into());
    let data = session.data();
    assert_eq!(
        serde_json::to_value(&data).unwrap(),
        json!([{"userId": 1, "LAST": "/cart"}, {"flashMessage": "hi"}])
    );
}

#[test]
fn stored_names_are_what_loading_matches() {
    let data = serde_json::from_value(json!([{"userId": 9, "user_id": 1}, {}])).unwrap();
    let session = Session::<Camel>::from_data("abc", data);
    assert_eq!(session.get(Camel::USER_ID), Some(&9));
}
