use session_schema::SessionSchema;

#[derive(SessionSchema)]
#[session(rename_al = "camelCase")]
struct App {
    #[session(flash, flash)]
    notice: String,
    #[session(rename = "")]
    user_id: u64,
    #[session(hidden)]
    secret: String,
}

fn main() {}
