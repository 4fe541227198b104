//! The routes of [`crate::web::Framework`] served by each framework.

pub mod actix;
pub mod axum;
