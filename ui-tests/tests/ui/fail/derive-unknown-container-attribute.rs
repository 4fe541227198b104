use session_schema::SessionSchema;

#[derive(SessionSchema)]
#[session(flash)]
struct App {
    notice: String,
}

fn main() {}
