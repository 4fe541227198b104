use session_schema::SessionSchema;

#[derive(SessionSchema)]
struct App;

fn main() {}
