use session::SessionSchema;

#[derive(SessionSchema)]
#[session(flash)]
struct App {
    notice: String,
}

fn main() {}
