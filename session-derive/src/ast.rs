//! The parsed model of the input struct. Every node borrows the syn nodes it
//! comes from, so later passes can point errors at the exact tokens.

use proc_macro2::Span;
use syn::{Data, DeriveInput, Fields, Ident, Type, Visibility};

use crate::attr::{self, ContainerAttrs, FieldAttrs};
use crate::ctxt::Ctxt;

/// The struct a schema is derived for.
pub struct Input<'a> {
    /// The struct's name.
    pub ident: &'a Ident,
    /// The struct's visibility, given to every generated item.
    pub vis: &'a Visibility,
    /// `#[session(...)]` on the struct.
    pub attrs: ContainerAttrs,
    /// The named fields, in declaration order.
    pub fields: Vec<Field<'a>>,
}

/// One field, that is, one session key.
pub struct Field<'a> {
    /// The field's name.
    pub ident: &'a Ident,
    /// The field's type: the type of the key's value.
    pub ty: &'a Type,
    /// `#[session(...)]` on the field.
    pub attrs: FieldAttrs,
    /// The name the value is stored under.
    pub stored_name: String,
}

impl Field<'_> {
    /// Whether this is a flash key.
    pub fn is_flash(&self) -> bool {
        self.attrs.flash.is_some()
    }

    /// Whether this is the owner key.
    pub fn is_owner(&self) -> bool {
        self.attrs.owner.is_some()
    }

    /// The field name without a raw-identifier prefix.
    pub fn name(&self) -> String {
        unraw(self.ident)
    }

    /// The span that best shows where the stored name comes from.
    pub fn stored_name_span(&self) -> Span {
        self.attrs
            .rename
            .as_ref()
            .map_or_else(|| self.ident.span(), syn::LitStr::span)
    }
}

impl<'a> Input<'a> {
    /// Builds the model, recording every problem of shape or attributes in `cx`.
    /// Returns `None` when the input is not a struct with named fields.
    pub fn from_syn(cx: &Ctxt, node: &'a DeriveInput) -> Option<Self> {
        let attrs = attr::container(cx, &node.attrs);
        if !node.generics.params.is_empty() {
            cx.error_spanned_by(
                &node.generics,
                "a session schema cannot be generic: the stored keys and their value types must be fixed",
            );
        }
        let named = match &node.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named,
                Fields::Unnamed(unnamed) => {
                    cx.error_spanned_by(
                        unnamed,
                        "`SessionSchema` needs named fields, not a tuple struct: each field is a session key, \
                         stored under its name (write `struct App { user_id: u64 }`)",
                    );
                    return None;
                }
                Fields::Unit => {
                    cx.error_spanned_by(
                        &node.ident,
                        "`SessionSchema` needs a struct with named fields, not a unit struct: \
                         each field is a session key (write `struct App { user_id: u64 }`)",
                    );
                    return None;
                }
            },
            Data::Enum(data) => {
                cx.error_spanned_by(
                    data.enum_token,
                    "`SessionSchema` can only be derived for a struct with named fields, not an enum: \
                     each field of the struct is a session key",
                );
                return None;
            }
            Data::Union(data) => {
                cx.error_spanned_by(
                    data.union_token,
                    "`SessionSchema` can only be derived for a struct with named fields, not a union: \
                     each field of the struct is a session key",
                );
                return None;
            }
        };
        let fields = named
            .named
            .iter()
            .filter_map(|original| {
                let ident = original.ident.as_ref()?;
                let attrs = attr::field(cx, &original.attrs);
                // `rename_all` is applied below, to the fields it concerns.
                let stored_name = attrs
                    .rename
                    .as_ref()
                    .map_or_else(|| unraw(ident), syn::LitStr::value);
                Some(Field {
                    ident,
                    ty: &original.ty,
                    attrs,
                    stored_name,
                })
            })
            .collect::<Vec<_>>();
        let mut input = Input {
            ident: &node.ident,
            vis: &node.vis,
            attrs,
            fields,
        };
        if let Some(rule) = input.attrs.rename_all {
            for field in input
                .fields
                .iter_mut()
                .filter(|field| field.attrs.rename.is_none())
            {
                field.stored_name = rule.apply(&field.stored_name);
            }
        }
        Some(input)
    }

    /// The fields that are value keys.
    pub fn value_fields(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields.iter().filter(|field| !field.is_flash())
    }

    /// The owner field and its position among the value fields, if there is one.
    pub fn owner(&self) -> Option<(usize, &Field<'a>)> {
        self.value_fields()
            .enumerate()
            .find(|(_, field)| field.is_owner())
    }

    /// The fields that are flash keys.
    pub fn flash_fields(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields.iter().filter(|field| field.is_flash())
    }
}

/// `r#type` -> `type`.
fn unraw(ident: &Ident) -> String {
    let name = ident.to_string();
    name.strip_prefix("r#").map_or(name.clone(), str::to_owned)
}
