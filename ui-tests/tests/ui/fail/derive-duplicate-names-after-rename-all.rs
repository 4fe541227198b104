use session_schema::SessionSchema;

#[derive(SessionSchema)]
#[session(rename_all = "camelCase")]
struct App {
    user_id: u64,
    #[session(rename = "userId")]
    legacy_user: u64,
}

fn main() {}
