use session_schema::SessionSchema;

#[derive(SessionSchema)]
struct Shop {
    #[session(rename = "_csrf")]
    token: String,
}

fn main() {}
