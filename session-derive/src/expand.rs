//! Code generation: key consts, the two key enums and the `Schema` impl.
//! Everything else lives in generic runtime code of the `session-schema` crate.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::DeriveInput;
use syn::spanned::Spanned;

use crate::ast::{Field, Input};
use crate::case::{pascal_case, screaming_snake_case};
use crate::ctxt::Ctxt;
use crate::{fallback, valid};

/// Runs every pass over the input.
pub fn derive(node: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let input = Input::from_syn(&cx, node);
    if let Some(input) = &input {
        valid::check(&cx, input);
    }
    let krate = input
        .as_ref()
        .and_then(|input| input.attrs.krate.clone())
        .unwrap_or_else(|| syn::parse_quote!(::session_schema));
    match (cx.check(), input) {
        (Ok(()), Some(input)) => expand(&input, &krate),
        (Err(errors), _) if !node.generics.params.is_empty() => errors.to_compile_error(),
        (Err(errors), _) => fallback::expand(node, &krate, &errors),
        (Ok(()), None) => unreachable!("an input that is not a struct records an error"),
    }
}

fn expand(input: &Input<'_>, krate: &syn::Path) -> TokenStream {
    let ident = input.ident;
    let value_enum = format_ident!("{}ValueKey", ident);
    let flash_enum = format_ident!("{}FlashKey", ident);
    let field_idents = input.fields.iter().map(|field| field.ident);
    let value_fields: Vec<_> = input.value_fields().collect();
    let flash_fields: Vec<_> = input.flash_fields().collect();

    let value_consts = key_consts(input, &value_fields, krate, &quote!(value_key), "value");
    let flash_consts = key_consts(input, &flash_fields, krate, &quote!(flash_key), "flash");
    let value_defs = key_defs(&value_fields, krate);
    let flash_defs = key_defs(&flash_fields, krate);
    let value_key_enum = key_enum(input, &value_enum, &value_fields, krate, KeyKind::Value);
    let owner_index = input.owner().map_or_else(
        || quote!(::core::option::Option::None),
        |(index, _)| quote!(::core::option::Option::Some(#index)),
    );
    let owner_impl = input.owner().map(|(_, field)| {
        let ty = field.ty;
        let key = Ident::new(&screaming_snake_case(&field.name()), field.ident.span());
        quote! {
            #[automatically_derived]
            impl #krate::HasOwner for #ident {
                type Owner = #ty;
                const OWNER: #krate::OwnerKey<Self, #ty> = Self::#key;
            }
        }
    });
    let flash_key_enum = key_enum(input, &flash_enum, &flash_fields, krate, KeyKind::Flash);

    quote! {
        impl #ident {
            #(#value_consts)*
            #(#flash_consts)*
        }

        #value_key_enum
        #flash_key_enum
        #owner_impl

        impl #krate::Schema for #ident {
            type ValueKey = #value_enum;
            type FlashKey = #flash_enum;
            #[doc(hidden)]
            const __VALUE_KEYS: &'static [#krate::__private::KeyDef] = &[#(#value_defs),*];
            #[doc(hidden)]
            const __FLASH_KEYS: &'static [#krate::__private::KeyDef] = &[#(#flash_defs),*];
            #[doc(hidden)]
            const __OWNER: ::core::option::Option<usize> = #owner_index;
        }

        // The struct is a description and is never built; reading its fields in
        // a trait impl keeps the dead-code lint quiet about them.
        #[automatically_derived]
        impl #krate::__private::Described for #ident {
            fn __fields(&self) {
                #(let _ = &self.#field_idents;)*
            }
        }

        #[automatically_derived]
        impl #krate::HasKey<#ident> for #value_enum {
            #[inline]
            fn __key_ref(self) -> #krate::__private::KeyRef {
                #krate::__private::KeyRef::value(#krate::__private::KeyEnum::__index(self))
            }
        }

        #[automatically_derived]
        impl #krate::HasKey<#ident> for #flash_enum {
            #[inline]
            fn __key_ref(self) -> #krate::__private::KeyRef {
                #krate::__private::KeyRef::flash(#krate::__private::KeyEnum::__index(self))
            }
        }

        #[automatically_derived]
        impl #krate::UnsetKey<#ident> for #value_enum {
            type Role = #krate::role::Dynamic;
            #[inline]
            fn __index(self) -> usize {
                #krate::__private::KeyEnum::__index(self)
            }
        }
    }
}

#[derive(Clone, Copy)]
enum KeyKind {
    Value,
    Flash,
}

/// `pub const USER_ID: ValueKey<App, u64> = ...;` for each field.
fn key_consts(
    input: &Input<'_>,
    fields: &[&Field<'_>],
    krate: &syn::Path,
    constructor: &TokenStream,
    kind: &str,
) -> Vec<TokenStream> {
    let ident = input.ident;
    let vis = input.vis;
    fields
        .iter()
        .enumerate()
        .map(|(index, field)| {
            let name = Ident::new(&screaming_snake_case(&field.name()), field.ident.span());
            let ty = field.ty;
            let (key_type, kind) = match kind {
                "value" if field.is_owner() => (quote!(OwnerKey), "owner"),
                "value" => (quote!(ValueKey), "value"),
                _ => (quote!(FlashKey), "flash"),
            };
            let doc = format!(
                "The {kind} key `{}`, stored as `\"{}\"`.",
                field.name(),
                field.stored_name
            );
            quote! {
                #[doc = #doc]
                #vis const #name: #krate::#key_type<#ident, #ty> = #krate::__private::#constructor(#index);
            }
        })
        .collect()
}

/// The schema's table entry for each field; the bound on the value type is
/// checked here, at the field's type, so an unfit type is reported there.
fn key_defs(fields: &[&Field<'_>], krate: &syn::Path) -> Vec<TokenStream> {
    fields
        .iter()
        .map(|field| {
            let ty = field.ty;
            let name = &field.stored_name;
            quote_spanned! {ty.span()=>
                #krate::__private::key_def::<#ty>(#name)
            }
        })
        .collect()
}

/// `enum AppValueKey { UserId, Cart }` with its impls.
fn key_enum(
    input: &Input<'_>,
    enum_ident: &Ident,
    fields: &[&Field<'_>],
    krate: &syn::Path,
    kind: KeyKind,
) -> TokenStream {
    let ident = input.ident;
    let vis = input.vis;
    let kind_name = match kind {
        KeyKind::Value => "value",
        KeyKind::Flash => "flash",
    };
    let variants: Vec<Ident> = fields
        .iter()
        .map(|field| Ident::new(&pascal_case(&field.name()), field.ident.span()))
        .collect();
    let indexes = 0..fields.len();
    let names: Vec<&str> = fields
        .iter()
        .map(|field| field.stored_name.as_str())
        .collect();
    let variant_docs = fields.iter().map(|field| {
        format!(
            "The {kind_name} key `{}`, stored as `\"{}\"`.",
            field.name(),
            field.stored_name
        )
    });
    let enum_doc = format!(
        "The {kind_name} keys of [`{ident}`], one variant per field, for code that \
         handles keys by name. `FromStr` parses a stored key name."
    );
    let span = Span::call_site();
    quote_spanned! {span=>
        #[doc = #enum_doc]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        #vis enum #enum_ident {
            #(
                #[doc = #variant_docs]
                #variants,
            )*
        }

        impl #enum_ident {
            /// Every key, in field order.
            #vis const ALL: &'static [Self] = &[#(Self::#variants),*];

            /// The name the key is stored under.
            #[must_use]
            #vis const fn name(self) -> &'static str {
                match self {
                    #(Self::#variants => #names,)*
                }
            }
        }

        #[automatically_derived]
        impl ::core::fmt::Display for #enum_ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.name())
            }
        }

        #[automatically_derived]
        impl ::core::str::FromStr for #enum_ident {
            type Err = #krate::UnknownKey;

            fn from_str(name: &str) -> ::core::result::Result<Self, Self::Err> {
                match name {
                    #(#names => ::core::result::Result::Ok(Self::#variants),)*
                    _ => ::core::result::Result::Err(#krate::__private::unknown_key(name)),
                }
            }
        }

        #[automatically_derived]
        impl #krate::__private::KeyEnum for #enum_ident {
            type Schema = #ident;

            #[inline]
            fn __index(self) -> usize {
                match self {
                    #(Self::#variants => #indexes,)*
                }
            }
        }
    }
}
