//! Changing stored values in place: `update` and `get_mut`.

use session_schema::{MemoryStorage, Session, SessionData, SessionStorage};
use session_tests::{App, Item};

fn tea() -> Item {
    Item {
        sku: "tea".into(),
        quantity: 1,
    }
}

#[test]
fn update_starts_from_the_default_and_changes_in_place() {
    let mut session = Session::<App>::new();
    session.update(App::CART, |cart| cart.push(tea()));
    session.update(App::CART, |cart| cart[0].quantity += 1);
    assert_eq!(
        session.get(App::CART),
        Some(&vec![Item {
            sku: "tea".into(),
            quantity: 2
        }])
    );
    assert!(session.dirty());
}

#[test]
fn get_mut_is_none_for_an_absent_key_and_leaves_the_session_clean() {
    let mut session = Session::<App>::new();
    assert!(session.get_mut(App::CART).is_none());
    assert!(!session.dirty());
}

#[tokio::test]
async fn a_loaded_value_changed_in_place_is_saved() {
    let storage = MemoryStorage::new();
    let mut session = Session::<App>::new();
    session.set(App::CART, vec![tea()]);
    let id = storage.save(&session).await.unwrap().unwrap();

    let mut loaded: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert!(!loaded.dirty());
    loaded.get_mut(App::CART).unwrap().push(Item {
        sku: "cake".into(),
        quantity: 3,
    });
    assert!(loaded.dirty());
    storage.save(&loaded).await.unwrap();

    let again: Session<App> = storage.read(Some(&id)).await.unwrap();
    let skus: Vec<&str> = again
        .get(App::CART)
        .unwrap()
        .iter()
        .map(|item| item.sku.as_str())
        .collect();
    assert_eq!(skus, ["tea", "cake"]);
}

#[test]
fn an_unfit_stored_value_is_kept_by_get_mut_and_replaced_by_update() {
    let mut data = SessionData::default();
    data.values.insert("cart-items".into(), "not a list".into());
    let mut session = Session::<App>::from_data("id", data);
    assert!(session.get_mut(App::CART).is_none());
    assert_eq!(session.mismatched_keys(), ["cart-items"]);
    assert_eq!(session.data().values["cart-items"], "not a list");

    session.update(App::CART, |cart| cart.push(tea()));
    assert_eq!(session.get(App::CART).map(Vec::len), Some(1));
    assert!(session.mismatched_keys().is_empty());
}

#[tokio::test]
async fn a_change_in_place_merges_with_a_concurrent_change_of_another_key() {
    let storage = MemoryStorage::new();
    let mut session = Session::<App>::new();
    session.set(App::CART, vec![tea()]);
    session.set(App::NAME, "Ada".into());
    let id = storage.save(&session).await.unwrap().unwrap();

    let mut first: Session<App> = storage.read(Some(&id)).await.unwrap();
    let mut second: Session<App> = storage.read(Some(&id)).await.unwrap();
    first.update(App::CART, Vec::clear);
    second.set(App::NAME, "Grace".into());
    storage.save(&second).await.unwrap();
    storage.save(&first).await.unwrap();

    let stored: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert_eq!(stored.get(App::CART), Some(&Vec::new()));
    assert_eq!(stored.get(App::NAME).map(String::as_str), Some("Grace"));
}
