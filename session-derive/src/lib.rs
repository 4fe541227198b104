//! The `#[derive(SessionSchema)]` macro of the
//! [`session-schema`](https://docs.rs/session-schema) crate.
//!
//! Use it through `session_schema::SessionSchema`; this crate's items are not
//! meant to be named directly. The derive runs in passes: `ast` parses the input and its
//! attributes into a model that keeps every span, `valid` checks the rules that
//! involve several fields, and `expand` generates the code. Errors from every
//! pass are collected by `ctxt::Ctxt` and reported together; on error only the
//! errors and a stub impl (`fallback`) are emitted, so the user sees the real
//! problem and not a cascade of follow-on errors.

mod ast;
mod attr;
mod case;
mod ctxt;
mod expand;
mod fallback;
mod valid;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `session_schema::Schema` for a struct with named fields: typed key
/// handles (`App::USER_ID`), the key enums `AppValueKey` and `AppFlashKey`, and
/// the schema impl. See the `session-schema` crate for the attributes.
#[proc_macro_derive(SessionSchema, attributes(session))]
pub fn derive_session_schema(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
