use session::SessionSchema;

#[derive(SessionSchema)]
struct App(u64, String);

fn main() {}
