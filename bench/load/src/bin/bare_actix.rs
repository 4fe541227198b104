//! The route without sessions, on actix-web: the baseline.

use actix_web::{App, HttpServer, web};

async fn visit() -> String {
    format!("visits {}", std::hint::black_box(1))
}

fn main() -> std::io::Result<()> {
    actix_web::rt::System::new().block_on(
        HttpServer::new(|| App::new().route("/", web::get().to(visit)))
            .workers(2)
            .bind(session_load::addr())?
            .run(),
    )
}
