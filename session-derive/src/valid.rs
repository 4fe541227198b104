//! Checks that involve a field's type or several fields at once.

use std::collections::HashMap;

use syn::{GenericArgument, PathArguments, Type};

use crate::ast::{Field, Input};
use crate::ctxt::Ctxt;

/// Records every rule the model breaks.
pub fn check(cx: &Ctxt, input: &Input<'_>) {
    for field in &input.fields {
        check_not_option(cx, field);
        check_owner_is_a_value(cx, field);
    }
    check_unique_stored_names(cx, input);
    check_one_owner(cx, input);
    for field in &input.fields {
        check_not_reserved(cx, field);
    }
}

/// `_csrf` is where a session keeps its CSRF token (`Session::csrf_token`,
/// as the reference middleware does): a field stored there would clash.
fn check_not_reserved(cx: &Ctxt, field: &Field<'_>) {
    if field.stored_name == "_csrf" {
        cx.syn_error(syn::Error::new(
            field.stored_name_span(),
            format!(
                "`{}` would be stored as \"_csrf\", where the session keeps its CSRF token \
                 (`Session::csrf_token`); give it another name with `#[session(rename = \"...\")]`",
                field.name()
            ),
        ));
    }
}

/// The owner is a value that stays until logout, never a flash value.
fn check_owner_is_a_value(cx: &Ctxt, field: &Field<'_>) {
    if let (Some(owner), Some(_)) = (field.attrs.owner, field.attrs.flash) {
        cx.syn_error(syn::Error::new(
            owner,
            format!(
                "`{}` cannot be both `owner` and `flash`: the owner identifies the user until \
                 logout, a flash value lasts one request",
                field.name()
            ),
        ));
    }
}

/// One schema, one owner: the index of sessions by owner has one key.
fn check_one_owner(cx: &Ctxt, input: &Input<'_>) {
    let mut owners = input
        .fields
        .iter()
        .filter_map(|field| Some((field.attrs.owner?, field)));
    let Some((first_span, first)) = owners.next() else {
        return;
    };
    for (span, field) in owners {
        let mut error = syn::Error::new(
            span,
            format!(
                "a session schema has at most one `owner` field, and `{}` is already it; \
                 remove `#[session(owner)]` from `{}` or from `{}`",
                first.name(),
                first.name(),
                field.name()
            ),
        );
        error.combine(syn::Error::new(
            first_span,
            format!("`{}` is marked `owner` here", first.name()),
        ));
        cx.syn_error(error);
    }
}

/// `Option<T>` fields are refused: every key is optional already.
fn check_not_option(cx: &Ctxt, field: &Field<'_>) {
    if let Some(inner) = option_inner(field.ty) {
        let inner = type_to_string(inner);
        cx.error_spanned_by(
            field.ty,
            format!(
                "session keys are already optional (`get` returns `None` until the key is set); \
                 write `{}: {inner}`, not `Option<{inner}>`",
                field.name()
            ),
        );
    }
}

/// Two keys with the same stored name would overwrite each other's value.
fn check_unique_stored_names(cx: &Ctxt, input: &Input<'_>) {
    let mut seen: HashMap<&str, &Field<'_>> = HashMap::new();
    for field in &input.fields {
        let Some(first) = seen.get(field.stored_name.as_str()) else {
            seen.insert(&field.stored_name, field);
            continue;
        };
        let mut error = syn::Error::new(
            field.stored_name_span(),
            format!(
                "two session keys are stored as \"{}\": `{}` and `{}`; give one of them another name \
                 with `#[session(rename = \"...\")]`",
                field.stored_name,
                first.name(),
                field.name()
            ),
        );
        error.combine(syn::Error::new(
            first.stored_name_span(),
            format!(
                "\"{}\" is first used here, by `{}`",
                field.stored_name,
                first.name()
            ),
        ));
        cx.syn_error(error);
    }
}

/// `Option<T>` (also `std::option::Option<T>`) -> `T`.
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

/// A type as a user would write it: `Vec<u8>`, not `Vec < u8 >`.
fn type_to_string(ty: &Type) -> String {
    let raw = quote::quote!(#ty).to_string();
    let mut out = String::with_capacity(raw.len());
    for part in raw.split(' ') {
        let glue = matches!(part, "<" | ">" | "," | "::" | ">>")
            || out.ends_with('<')
            || out.ends_with("::")
            || out.ends_with('&')
            || out.is_empty();
        if !glue {
            out.push(' ');
        }
        out.push_str(part);
        if part == "," {
            out.push(' ');
        }
    }
    out.replace(",  ", ", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_print_as_written() {
        let ty: Type = syn::parse_str("Vec<std::collections::HashMap<String, u8>>").unwrap();
        assert_eq!(
            type_to_string(&ty),
            "Vec<std::collections::HashMap<String, u8>>"
        );
        let ty: Type = syn::parse_str("&'static str").unwrap();
        assert_eq!(type_to_string(&ty), "&'static str");
    }

    #[test]
    fn finds_option() {
        let ty: Type = syn::parse_str("Option<u64>").unwrap();
        assert!(option_inner(&ty).is_some());
        let ty: Type = syn::parse_str("std::option::Option<u64>").unwrap();
        assert!(option_inner(&ty).is_some());
        let ty: Type = syn::parse_str("Vec<Option<u64>>").unwrap();
        assert!(option_inner(&ty).is_none());
    }
}
