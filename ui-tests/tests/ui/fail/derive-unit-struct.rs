use session::SessionSchema;

#[derive(SessionSchema)]
struct App;

fn main() {}
