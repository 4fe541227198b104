//! Case conversions: serde's `rename_all` rules for stored names, and the
//! conversions of a field name into a const name and a variant name.

/// A `rename_all` rule, named as serde names it.
#[derive(Clone, Copy)]
pub enum RenameRule {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

/// The names `rename_all` accepts, in the order they are listed in errors.
pub const RULE_NAMES: &[(&str, RenameRule)] = &[
    ("lowercase", RenameRule::Lower),
    ("UPPERCASE", RenameRule::Upper),
    ("PascalCase", RenameRule::Pascal),
    ("camelCase", RenameRule::Camel),
    ("snake_case", RenameRule::Snake),
    ("SCREAMING_SNAKE_CASE", RenameRule::ScreamingSnake),
    ("kebab-case", RenameRule::Kebab),
    ("SCREAMING-KEBAB-CASE", RenameRule::ScreamingKebab),
];

impl RenameRule {
    /// Looks a rule up by its serde name.
    pub fn from_name(name: &str) -> Option<Self> {
        RULE_NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, rule)| *rule)
    }

    /// Applies the rule to a `snake_case` field name.
    pub fn apply(self, field: &str) -> String {
        match self {
            RenameRule::Lower | RenameRule::Snake => field.to_owned(),
            RenameRule::Upper | RenameRule::ScreamingSnake => field.to_ascii_uppercase(),
            RenameRule::Pascal => pascal_case(field),
            RenameRule::Camel => {
                let pascal = pascal_case(field);
                let mut chars = pascal.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_ascii_lowercase().to_string() + chars.as_str()
                })
            }
            RenameRule::Kebab => field.replace('_', "-"),
            RenameRule::ScreamingKebab => field.to_ascii_uppercase().replace('_', "-"),
        }
    }
}

/// `user_id` -> `UserId`.
pub fn pascal_case(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut capitalize = true;
    for ch in field.chars() {
        if ch == '_' {
            capitalize = true;
        } else if capitalize {
            out.push(ch.to_ascii_uppercase());
            capitalize = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// `user_id` -> `USER_ID`; `userId` -> `USER_ID`.
pub fn screaming_snake_case(field: &str) -> String {
    let mut out = String::with_capacity(field.len() + 4);
    let mut previous_lower = false;
    for ch in field.chars() {
        if ch.is_ascii_uppercase() && previous_lower {
            out.push('_');
        }
        previous_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        out.push(ch.to_ascii_uppercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_follow_serde() {
        let field = "cart_items";
        let expected = [
            ("lowercase", "cart_items"),
            ("UPPERCASE", "CART_ITEMS"),
            ("PascalCase", "CartItems"),
            ("camelCase", "cartItems"),
            ("snake_case", "cart_items"),
            ("SCREAMING_SNAKE_CASE", "CART_ITEMS"),
            ("kebab-case", "cart-items"),
            ("SCREAMING-KEBAB-CASE", "CART-ITEMS"),
        ];
        for (rule, want) in expected {
            assert_eq!(
                RenameRule::from_name(rule).unwrap().apply(field),
                want,
                "{rule}"
            );
        }
        assert!(RenameRule::from_name("Camel").is_none());
    }

    #[test]
    fn const_and_variant_names() {
        assert_eq!(screaming_snake_case("user_id"), "USER_ID");
        assert_eq!(screaming_snake_case("userId"), "USER_ID");
        assert_eq!(pascal_case("user_id"), "UserId");
        assert_eq!(pascal_case("notice"), "Notice");
    }
}
