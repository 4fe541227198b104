use session_schema::{Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    user_id: u64,
    #[session(flash)]
    notice: String,
}

fn main() {
    let session = Session::<App>::new();
    let _name: Option<&String> = session.get(App::USER_ID);
}
