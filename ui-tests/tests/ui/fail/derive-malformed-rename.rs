use session_schema::SessionSchema;

#[derive(SessionSchema)]
struct App {
    #[session(rename = user)]
    user_id: u64,
}

fn main() {}

#[derive(SessionSchema)]
#[session(rename_all)]
struct Other {
    #[session(rename)]
    user_id: u64,
}
