use session_schema::SessionSchema;

#[derive(SessionSchema)]
#[session(rename_all = "Camel")]
struct App {
    user_id: u64,
}

fn main() {}
