use session_schema::SessionSchema;

#[derive(SessionSchema)]
struct App {
    #[session(owner, flash)]
    user_id: u64,
}

fn main() {}
