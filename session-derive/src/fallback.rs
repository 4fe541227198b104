//! What is emitted when the input has errors: the errors, plus a stub impl of
//! `Schema` so that code using the struct as a schema does not add errors of its own.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

/// The errors and a `Schema` impl with no keys.
pub fn expand(input: &DeriveInput, krate: &syn::Path, errors: &syn::Error) -> TokenStream {
    let errors = errors.to_compile_error();
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        #errors
        impl #impl_generics #krate::Schema for #ident #ty_generics #where_clause {
            type ValueKey = #krate::__private::NoKeys<Self>;
            type FlashKey = #krate::__private::NoKeys<Self>;
            const __VALUE_KEYS: &'static [#krate::__private::KeyDef] = &[];
            const __FLASH_KEYS: &'static [#krate::__private::KeyDef] = &[];
        }
    }
}
