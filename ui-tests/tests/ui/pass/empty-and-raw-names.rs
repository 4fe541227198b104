use session_schema::{Session, SessionSchema};

#[derive(SessionSchema)]
struct Empty {}

#[derive(SessionSchema)]
#[session(rename_all = "kebab-case")]
struct Names {
    r#type: String,
    last_page: String,
}

fn main() {
    let session = Session::<Empty>::new();
    assert_eq!(session.size(), 0);
    assert!(EmptyValueKey::ALL.is_empty());
    let mut names = Session::<Names>::new();
    names.set(Names::TYPE, "admin".to_owned());
    names.set(Names::LAST_PAGE, "/".to_owned());
    assert_eq!(NamesValueKey::LastPage.name(), "last-page");
    assert_eq!(NamesValueKey::Type.to_string(), "type");
    assert_eq!("last-page".parse::<NamesValueKey>(), Ok(NamesValueKey::LastPage));
}
