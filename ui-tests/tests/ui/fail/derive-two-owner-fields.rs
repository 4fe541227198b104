use session_schema::SessionSchema;

#[derive(SessionSchema)]
struct App {
    #[session(owner)]
    user_id: u64,
    #[session(owner)]
    account_id: u64,
}

fn main() {}
