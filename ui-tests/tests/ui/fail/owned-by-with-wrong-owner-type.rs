use session_schema::{MemoryStorage, SessionSchema};

#[derive(SessionSchema)]
struct App {
    #[session(owner)]
    user_id: u64,
}

async fn sessions_of(storage: &MemoryStorage) {
    let _ = storage.owned_by::<App>(&"ada").await;
}

fn main() {
    let _ = sessions_of;
}
