use session_schema::{Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    #[session(owner)]
    user_id: u64,
}

fn main() {
    // A planted session id would become logged in without a new id.
    let mut session = Session::<App>::new();
    session.set(App::USER_ID, 7);
}
