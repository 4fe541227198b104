use session::SessionSchema;

struct Cart {
    items: Vec<String>,
}

#[derive(SessionSchema)]
struct App {
    cart: Cart,
}

fn main() {}
