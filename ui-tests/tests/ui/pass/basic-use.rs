use serde::{Deserialize, Serialize};
use session_schema::{Session, SessionSchema};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Item {
    sku: String,
}

#[derive(SessionSchema)]
struct App {
    user_id: u64,
    #[session(rename = "cart-items")]
    cart: Vec<Item>,
    #[session(flash)]
    notice: String,
}

fn main() {
    let mut session = Session::<App>::new();
    session.set(App::USER_ID, 1);
    session.set(App::CART, vec![Item { sku: "a".into() }]);
    session.flash(App::NOTICE, "saved".to_owned());
    let _: Option<&u64> = session.get(App::USER_ID);
    let _: Option<&String> = session.get(App::NOTICE);
    assert!(session.has(App::USER_ID));
    assert!(session.has(AppValueKey::Cart));
    assert!(!session.has(AppFlashKey::Notice));
    session.unset(App::CART);
    session.unset(AppValueKey::UserId);
    session.regenerate_id(true);
    let destroyed = session.destroy();
    assert_eq!(destroyed.get(App::USER_ID), None);
    assert_eq!(destroyed.size(), 0);
    let _ = destroyed.data();
}
