use session::Session;
use session_tests::{App, AppValueKey};

#[test]
fn smoke() {
    let mut s = Session::<App>::new();
    s.set(App::USER_ID, 3);
    assert_eq!(s.get(App::USER_ID), Some(&3));
    assert!(s.has(AppValueKey::UserId));
    s.unset(AppValueKey::UserId);
    println!("{:?}", s.data());
}
