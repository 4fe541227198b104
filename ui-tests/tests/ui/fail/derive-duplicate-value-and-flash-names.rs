use session_schema::SessionSchema;

#[derive(SessionSchema)]
struct App {
    #[session(rename = "message")]
    status: String,
    #[session(flash, rename = "message")]
    notice: String,
}

fn main() {}
