use session_schema::{Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    #[session(owner)]
    user_id: u64,
}

fn main() {
    let mut session = Session::<App>::new();
    session.update(App::USER_ID, |user| *user = 7);
}
