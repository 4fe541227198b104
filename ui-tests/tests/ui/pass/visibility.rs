mod schema {
    use session_schema::SessionSchema;

    #[derive(SessionSchema)]
    pub struct App {
        pub user_id: u64,
    }

    #[derive(SessionSchema)]
    pub(crate) struct Internal {
        count: u32,
    }
}

fn main() {
    let mut session = session_schema::Session::<schema::App>::new();
    session.set(schema::App::USER_ID, 1);
    let _ = schema::AppValueKey::ALL;
    let _ = schema::Internal::COUNT;
    let _ = schema::InternalValueKey::Count.name();
}
