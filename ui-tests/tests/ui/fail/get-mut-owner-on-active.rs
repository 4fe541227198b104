use session_schema::{Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    #[session(owner)]
    user_id: u64,
}

fn main() {
    let mut session = Session::<App>::new();
    if let Some(user) = session.get_mut(App::USER_ID) {
        *user = 7;
    }
}
