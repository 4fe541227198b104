use session_schema::{MemoryStorage, SessionSchema};

#[derive(SessionSchema)]
struct App {
    user_id: u64,
}

async fn log_out_everywhere(storage: &MemoryStorage) {
    let _ = storage.destroy_owned_by::<App>(&7).await;
}

fn main() {
    let _ = log_out_everywhere;
}
