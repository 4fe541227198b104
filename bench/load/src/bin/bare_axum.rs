//! The route without sessions, on axum: the baseline.

async fn visit() -> String {
    format!("visits {}", std::hint::black_box(1))
}

#[tokio::main]
async fn main() {
    let app = axum::Router::new().route("/", axum::routing::get(visit));
    let listener = tokio::net::TcpListener::bind(session_load::addr())
        .await
        .unwrap();
    axum::serve(listener, app).await.unwrap();
}
