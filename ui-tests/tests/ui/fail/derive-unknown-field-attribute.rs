use session_schema::SessionSchema;

#[derive(SessionSchema)]
struct App {
    #[session(flsh)]
    notice: String,
}

fn main() {}
