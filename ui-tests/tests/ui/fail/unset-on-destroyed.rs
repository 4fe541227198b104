use session_schema::{Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    user_id: u64,
    #[session(flash)]
    notice: String,
}

fn main() {
    let mut destroyed = Session::<App>::new().destroy();
    destroyed.unset(App::USER_ID);
}
