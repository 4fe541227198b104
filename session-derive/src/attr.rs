//! Parsing of `#[session(...)]` attributes on the struct and on its fields.
//!
//! Every problem is recorded in the [`Ctxt`] at the token that causes it, and
//! parsing goes on, so one build reports all attribute errors at once.

use proc_macro2::{Span, TokenTree};
use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitStr, Token};

use crate::case::{RULE_NAMES, RenameRule};
use crate::ctxt::Ctxt;

/// Attributes on the struct: `rename_all` and `crate`.
#[derive(Default)]
pub struct ContainerAttrs {
    /// How field names become stored names, unless a field is renamed.
    pub rename_all: Option<RenameRule>,
    /// The path of the `session-schema` crate, for re-exports.
    pub krate: Option<syn::Path>,
}

/// Attributes on a field: `flash`, `owner` and `rename`.
#[derive(Default)]
pub struct FieldAttrs {
    /// Where `flash` was written, if it was.
    pub flash: Option<Span>,
    /// Where `owner` was written, if it was.
    pub owner: Option<Span>,
    /// The stored name given with `rename = "..."`.
    pub rename: Option<LitStr>,
}

/// Parses the struct's `#[session(...)]` attributes.
pub fn container(cx: &Ctxt, attrs: &[Attribute]) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    for_each_session_meta(cx, attrs, |meta| {
        if meta.path.is_ident("rename_all") {
            let Some(lit) = string_value(cx, &meta, "rename_all", "camelCase")? else {
                return Ok(());
            };
            if out.rename_all.is_some() {
                cx.error_spanned_by(&meta.path, "duplicate session attribute `rename_all`");
            }
            match RenameRule::from_name(&lit.value()) {
                Some(rule) => out.rename_all = Some(rule),
                None => cx.error_spanned_by(
                    &lit,
                    format!(
                        "unknown case `{}` for `rename_all`; expected one of {}",
                        lit.value(),
                        RULE_NAMES
                            .iter()
                            .map(|(name, _)| format!("\"{name}\""))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
            }
        } else if meta.path.is_ident("crate") {
            let Some(lit) = string_value(cx, &meta, "crate", "my_app::sessions")? else {
                return Ok(());
            };
            if out.krate.is_some() {
                cx.error_spanned_by(&meta.path, "duplicate session attribute `crate`");
            }
            match lit.parse::<syn::Path>() {
                Ok(path) => out.krate = Some(path),
                Err(_) => cx.error_spanned_by(
                    &lit,
                    format!(
                        "`crate` must be a path such as \"my_app::sessions\", not \"{}\"",
                        lit.value()
                    ),
                ),
            }
        } else {
            unknown(
                cx,
                &meta,
                "on a struct; expected `rename_all = \"...\"` or `crate = \"...\"`",
            )?;
        }
        Ok(())
    });
    out
}

/// Parses one field's `#[session(...)]` attributes.
pub fn field(cx: &Ctxt, attrs: &[Attribute]) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for_each_session_meta(cx, attrs, |meta| {
        if meta.path.is_ident("flash") {
            if meta.input.peek(Token![=]) || !meta.input.is_empty() && !meta.input.peek(Token![,]) {
                cx.error_spanned_by(
                    &meta.path,
                    "`flash` takes no value; write `#[session(flash)]`",
                );
                skip_value(&meta)?;
            }
            if out.flash.is_some() {
                cx.error_spanned_by(&meta.path, "duplicate session attribute `flash`");
            }
            out.flash = Some(
                meta.path
                    .get_ident()
                    .map_or_else(Span::call_site, syn::Ident::span),
            );
        } else if meta.path.is_ident("owner") {
            if meta.input.peek(Token![=]) || !meta.input.is_empty() && !meta.input.peek(Token![,]) {
                cx.error_spanned_by(
                    &meta.path,
                    "`owner` takes no value; write `#[session(owner)]`",
                );
                skip_value(&meta)?;
            }
            if out.owner.is_some() {
                cx.error_spanned_by(&meta.path, "duplicate session attribute `owner`");
            }
            out.owner = Some(
                meta.path
                    .get_ident()
                    .map_or_else(Span::call_site, syn::Ident::span),
            );
        } else if meta.path.is_ident("rename") {
            let Some(lit) = string_value(cx, &meta, "rename", "user-id")? else {
                return Ok(());
            };
            if out.rename.is_some() {
                cx.error_spanned_by(&meta.path, "duplicate session attribute `rename`");
            }
            if lit.value().is_empty() {
                cx.error_spanned_by(&lit, "a stored key name cannot be empty");
            }
            out.rename = Some(lit);
        } else {
            unknown(
                cx,
                &meta,
                "on a field; expected `flash`, `owner` or `rename = \"...\"`",
            )?;
        }
        Ok(())
    });
    out
}

/// Runs `parse` on every item inside each `#[session(...)]` attribute, recording
/// the syntax errors that stop an attribute early.
fn for_each_session_meta(
    cx: &Ctxt,
    attrs: &[Attribute],
    mut parse: impl FnMut(ParseNestedMeta) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("session")) {
        if let Err(error) = attr.parse_nested_meta(&mut parse) {
            cx.syn_error(error);
        }
    }
}

/// Reads the string after `name =`. Anything else is recorded as an error that
/// shows how to write it, and skipped.
fn string_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    name: &str,
    example: &str,
) -> syn::Result<Option<LitStr>> {
    let help = format!("`{name}` takes a string: write `{name} = \"{example}\"`");
    if !meta.input.peek(Token![=]) {
        cx.error_spanned_by(&meta.path, help);
        skip_value(meta)?;
        return Ok(None);
    }
    let value = meta.value()?;
    if value.peek(LitStr) {
        return value.parse().map(Some);
    }
    let token: TokenTree = value.parse()?;
    cx.error_spanned_by(token, help);
    skip_value(meta)?;
    Ok(None)
}

/// Records an unknown attribute key at that key, and skips whatever value it has.
fn unknown(cx: &Ctxt, meta: &ParseNestedMeta, expected: &str) -> syn::Result<()> {
    let path = &meta.path;
    let name = quote::quote!(#path).to_string().replace(' ', "");
    cx.error_spanned_by(
        &meta.path,
        format!("unknown session attribute `{name}` {expected}"),
    );
    skip_value(meta)
}

/// Consumes the tokens of an item up to the next comma.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    while !meta.input.is_empty() && !meta.input.peek(Token![,]) {
        meta.input.parse::<TokenTree>()?;
    }
    Ok(())
}
