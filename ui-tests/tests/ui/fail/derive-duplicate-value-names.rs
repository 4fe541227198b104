use session_schema::SessionSchema;

#[derive(SessionSchema)]
struct App {
    user_id: u64,
    #[session(rename = "user_id")]
    account: u64,
}

fn main() {}
