use session_schema::SessionSchema;

#[derive(SessionSchema)]
enum App {
    LoggedIn { user_id: u64 },
    Anonymous,
}

fn main() {}
