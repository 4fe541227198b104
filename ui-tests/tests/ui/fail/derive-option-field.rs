use session_schema::SessionSchema;

#[derive(SessionSchema)]
struct App {
    user_id: Option<u64>,
    #[session(flash)]
    notice: Option<Vec<String>>,
}

fn main() {}
