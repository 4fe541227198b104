use session_schema::{Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    user_id: u64,
    #[session(flash)]
    notice: String,
}


#[derive(SessionSchema)]
struct Admin {
    user_id: u64,
    #[session(flash)]
    notice: String,
}

fn main() {
    let mut session = Session::<App>::new();
    session.set(Admin::USER_ID, 1);
}
