//! Property tests: round trips through every storage, tamper-proof signed
//! cookies, and no panic on any input.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::json;
use session_schema::{
    Cookie, CookieStorage, Error, FsStorage, MemoryStorage, Session, SessionStorage,
};
use session_tests::{App, Item, block_on};

#[derive(Debug, Clone)]
struct Contents {
    user_id: Option<u64>,
    name: Option<String>,
    cart: Option<Vec<Item>>,
    notice: Option<String>,
    unknown: BTreeMap<String, i64>,
}

fn item() -> impl Strategy<Value = Item> {
    (any::<String>(), any::<u32>()).prop_map(|(sku, quantity)| Item { sku, quantity })
}

fn contents() -> impl Strategy<Value = Contents> {
    (
        any::<Option<u64>>(),
        any::<Option<String>>(),
        proptest::option::of(proptest::collection::vec(item(), 0..4)),
        any::<Option<String>>(),
        proptest::collection::btree_map("x-[a-z]{1,6}", any::<i64>(), 0..3),
    )
        .prop_map(|(user_id, name, cart, notice, unknown)| Contents {
            user_id,
            name,
            cart,
            notice,
            unknown,
        })
}

fn build(contents: &Contents) -> Session<App> {
    let mut data = session_schema::SessionData::default();
    for (name, value) in &contents.unknown {
        data.values.insert(name.clone(), json!(value));
    }
    let mut session = Session::<App>::from_data(session_schema::new_session_id(), data);
    if let Some(user_id) = contents.user_id {
        session.set(App::USER_ID, user_id);
    }
    if let Some(name) = &contents.name {
        session.set(App::NAME, name.clone());
    }
    if let Some(cart) = &contents.cart {
        session.set(App::CART, cart.clone());
    }
    if let Some(notice) = &contents.notice {
        session.flash(App::NOTICE, notice.clone());
    }
    session
}

async fn round_trip(storage: &impl SessionStorage, contents: &Contents) {
    let mut session = build(contents);
    if contents.user_id.is_none()
        && contents.name.is_none()
        && contents.cart.is_none()
        && contents.notice.is_none()
    {
        // Make sure there is something to save.
        session.set(App::USER_ID, 0);
    }
    let value = storage.save(&session).await.unwrap().unwrap();
    let loaded: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert_eq!(loaded.id(), session.id());
    assert_eq!(loaded.get(App::USER_ID), session.get(App::USER_ID));
    assert_eq!(loaded.get(App::NAME), contents.name.as_ref());
    assert_eq!(loaded.get(App::CART), contents.cart.as_ref());
    assert_eq!(loaded.get(App::NOTICE), contents.notice.as_ref());
    for (name, value) in &contents.unknown {
        assert_eq!(loaded.data().values[name], json!(value));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_data_round_trips_through_every_storage(contents in contents()) {
        let dir = tempfile::tempdir().unwrap();
        block_on(async {
            round_trip(&CookieStorage::new(), &contents).await;
            round_trip(&MemoryStorage::new(), &contents).await;
            round_trip(&FsStorage::new(dir.path()).unwrap(), &contents).await;
        });
    }

    #[test]
    fn any_data_round_trips_through_a_signed_cookie_or_is_refused_as_too_large(
        contents in contents(),
        padding in prop_oneof!["[a-z]{0,200}", "[a-z]{2700,3600}"],
    ) {
        let cookie = Cookie::new("session").secrets(["a property test secret, 32 bytes"]);
        let mut session = build(&contents);
        session.set(App::USER_ID, 1);
        session.set(App::NAME, format!("{}{padding}", contents.name.clone().unwrap_or_default()));
        let value = block_on(CookieStorage::new().save(&session)).unwrap().unwrap();
        // `session=` + base64 + `.` + 43 signature characters + the attributes.
        let expected = "session=".len() + value.len().div_ceil(3) * 4 + 1 + 43 + "; Path=/; SameSite=Lax".len();
        match cookie.serialize(&value) {
            Ok(set_cookie) => {
                prop_assert!(expected <= 4096, "{expected} bytes were not refused");
                prop_assert_eq!(set_cookie.len(), expected);
                let pair = set_cookie.split(';').next().unwrap();
                prop_assert_eq!(cookie.parse(Some(pair)), Some(value));
            }
            Err(Error::CookieTooLarge { size, limit }) => {
                prop_assert!(expected > 4096, "{expected} bytes were refused");
                prop_assert_eq!((size, limit), (expected, 4096));
            }
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }

    #[test]
    fn any_change_to_a_signed_cookie_is_rejected(
        value in "[ -~]{1,40}",
        position in any::<prop::sample::Index>(),
        replacement in proptest::char::range('!', '~'),
    ) {
        let cookie = Cookie::new("s").secrets(["secret"]);
        let set_cookie = cookie.serialize(&value).unwrap();
        let pair = set_cookie.split(';').next().unwrap();
        let signed = &pair[2..];
        let index = position.index(signed.len());
        prop_assume!(signed.as_bytes()[index] != replacement as u8);
        let mut tampered = signed.as_bytes().to_vec();
        tampered[index] = replacement as u8;
        let tampered = String::from_utf8(tampered).unwrap();
        // A `;` put first leaves `s=` empty, which reads as an empty value:
        // absent to every storage. Nothing else may come out of a tampered cookie.
        let parsed = cookie.parse(Some(&format!("s={tampered}")));
        prop_assert!(matches!(parsed.as_deref(), None | Some("")), "{:?}", parsed);
    }

    #[test]
    fn any_cookie_header_is_read_without_panic(header in any::<String>()) {
        let signed = Cookie::new("session").secrets(["secret"]);
        let plain = Cookie::new("session");
        let _ = signed.parse(Some(&header));
        let value = plain.parse(Some(&header));
        let dir = tempfile::tempdir().unwrap();
        block_on(async {
            let session: Session<App> = CookieStorage::new().read(value.as_deref()).await.unwrap();
            let _ = session.get(App::USER_ID);
            let _: Session<App> = MemoryStorage::new().read(Some(&header)).await.unwrap();
            let _: Session<App> = FsStorage::new(dir.path()).unwrap().read(Some(&header)).await.unwrap();
        });
    }

    #[test]
    fn any_stored_file_is_read_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200), json in any::<String>()) {
        let dir = tempfile::tempdir().unwrap();
        let storage = FsStorage::new(dir.path()).unwrap();
        block_on(async {
            let mut session: Session<App> = Session::new();
            session.set(App::USER_ID, 1);
            let id = storage.save(&session).await.unwrap().unwrap();
            for contents in [bytes.clone(), json.clone().into_bytes(), format!("[{json:?}, {{}}]").into_bytes()] {
                let file = std::fs::read_dir(dir.path()).unwrap().flatten()
                    .find(|entry| entry.file_name().len() == 2).unwrap().path();
                let file = std::fs::read_dir(file).unwrap().flatten().next().unwrap().path();
                std::fs::write(&file, &contents).unwrap();
                let read: Session<App> = storage.read(Some(&id)).await.unwrap();
                let _ = (read.get(App::USER_ID), read.get(App::NOTICE), read.mismatched_keys(), read.data());
            }
        });
    }
}

/// One stored entry of a generated record: its name as decoded, as written
/// in the record, and its value's text.
#[derive(Debug, Clone)]
struct StoredEntry {
    name: String,
    written_name: String,
    value: String,
}

fn stored_entry() -> impl Strategy<Value = StoredEntry> {
    let entry_name = |name: &str, written: &str| (name.to_owned(), written.to_owned());
    let names = prop_oneof![
        Just(entry_name("owner", "\"owner\"")),
        Just(entry_name("user_id", "\"user_id\"")),
        Just(entry_name("name", "\"name\"")),
        Just(entry_name("cart-items", "\"cart-items\"")),
        Just(entry_name("x-a", "\"x-a\"")),
        Just(entry_name("x-b", "\"x-b\"")),
        // Stored escaped: `name` itself, and names that need an escape.
        Just(entry_name("name", "\"na\\u006de\"")),
        Just(entry_name("q\"uote", "\"q\\\"uote\"")),
        Just(entry_name("a/b", "\"a\\/b\"")),
        // Quoted: the stored bytes just before the value begin with a quote.
        Just(entry_name("\"q\"", "\"\\\"q\\\"\"")),
    ];
    let values = prop_oneof![
        Just("1".to_owned()),
        Just("42".to_owned()),
        Just("\"Ada\"".to_owned()),
        Just("[]".to_owned()),
        Just("[{\"sku\":\"tea\",\"quantity\":2}]".to_owned()),
        Just("[ {\"sku\" : \"tea\", \"quantity\" : 2} ]".to_owned()),
        Just("null".to_owned()),
        Just("{\"deep\":{\"er\":[1,2]}}".to_owned()),
    ];
    (names, values).prop_map(|((name, written_name), value)| StoredEntry {
        name,
        written_name,
        value,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    /// A save writes the untouched values of a loaded session exactly as they
    /// were stored, the schema's keys first in the schema's order and the
    /// others after them in stored order, each name as `serde_json` writes
    /// it, a repeated name with its last value: whatever the record's
    /// spacing, escapes and order (runs of entries that lie together are
    /// copied at once, which must not show).
    #[test]
    fn untouched_values_are_written_back_as_stored(
        entries in proptest::collection::vec((stored_entry(), prop_oneof![Just(","), Just(" , ")], prop_oneof![Just(":"), Just(" :")]), 0..8),
        set_user_id in any::<bool>(),
    ) {
        let id = session_schema::new_session_id();
        let stored = entries
            .iter()
            .map(|(entry, _, colon)| format!("{}{colon}{}", entry.written_name, entry.value))
            .enumerate()
            .map(|(at, text)| if at == 0 { text } else { format!("{}{text}", entries[at].1) })
            .collect::<String>();
        let record = format!(r#"{{"i":"{id}","d":[{{{stored}}},{{}}]}}"#);
        let storage = CookieStorage::new();
        let mut session: Session<App> = block_on(storage.read(Some(&record))).unwrap();
        prop_assert_eq!(session.id(), id.as_str(), "the record reads as itself: {}", record);
        if set_user_id {
            session.set(App::USER_ID, 7);
        } else {
            session.flash(App::NOTICE, "saved".to_owned());
        }
        let saved = block_on(storage.save(&session)).unwrap().unwrap();

        // The entries as JSON.parse reads them: first place, last value.
        let mut read: Vec<(String, String)> = Vec::new();
        for (entry, _, _) in &entries {
            match read.iter_mut().find(|(name, _)| *name == entry.name) {
                Some(found) => found.1.clone_from(&entry.value),
                None => read.push((entry.name.clone(), entry.value.clone())),
            }
        }
        if set_user_id {
            match read.iter_mut().find(|(name, _)| name == "user_id") {
                Some(found) => found.1 = "7".to_owned(),
                None => read.push(("user_id".to_owned(), "7".to_owned())),
            }
        }
        let schema = ["owner", "user_id", "name", "cart-items"];
        let mut expected = Vec::new();
        for key in schema {
            expected.extend(read.iter().filter(|(name, _)| name == key));
        }
        expected.extend(read.iter().filter(|(name, _)| !schema.contains(&name.as_str())));
        let values = expected
            .iter()
            .map(|(name, value)| format!("{}:{value}", serde_json::to_string(name).unwrap()))
            .collect::<Vec<_>>()
            .join(",");
        let flash = if set_user_id { "{}" } else { r#"{"notice":"saved"}"# };
        prop_assert_eq!(saved, format!(r#"{{"i":"{id}","d":[{{{values}}},{flash}]}}"#));
    }
}
