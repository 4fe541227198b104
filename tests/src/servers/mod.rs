//! The servers the tests run: the routes of [`crate::web::Framework`] served
//! by each framework, and the storage servers the tests start themselves.

pub mod actix;
pub mod axum;
mod handlers;
pub mod postgres;
pub mod process;
