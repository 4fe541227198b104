use session_schema::SessionSchema;

#[derive(SessionSchema)]
union App {
    user_id: u64,
    visits: u32,
}

fn main() {}
