use session::SessionSchema;

#[derive(SessionSchema)]
struct App<T> {
    user: T,
}

fn main() {}
