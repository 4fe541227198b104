use session_schema::SessionSchema;

#[derive(SessionSchema)]
struct App<T> {
    user: T,
}

fn main() {}
