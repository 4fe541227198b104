use session_schema::SessionSchema;

struct Cart {
    items: Vec<String>,
}

#[derive(SessionSchema)]
struct App {
    cart: Cart,
}

fn main() {}
