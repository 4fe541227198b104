use session_schema::SessionSchema;

#[derive(SessionSchema)]
struct App {
    #[session(flash = true)]
    notice: String,
}

fn main() {}
