use session_schema::SessionSchema;

#[derive(SessionSchema)]
struct App(u64, String);

fn main() {}
