use session_schema::{Session, SessionSchema};

#[derive(SessionSchema)]
struct App {
    user_id: u64,
    #[session(flash)]
    notice: String,
}

fn main() {
    let session = Session::<App>::new();
    let mut destroyed = session.destroy();
    destroyed.update(App::USER_ID, |id| *id += 1);
}
