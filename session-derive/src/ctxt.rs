//! An error collector, so that every problem in the input is reported at once.

use std::cell::RefCell;

/// Collects errors from all passes. It must be consumed with [`Ctxt::check`];
/// dropping it unchecked is a bug in the derive and panics in debug builds.
pub struct Ctxt {
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    /// A collector with no errors yet.
    pub fn new() -> Self {
        Ctxt {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// Records an error at the span of `tokens`.
    pub fn error_spanned_by(&self, tokens: impl quote::ToTokens, message: impl std::fmt::Display) {
        self.syn_error(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error that is already a `syn::Error`.
    pub fn syn_error(&self, error: syn::Error) {
        if let Some(errors) = self.errors.borrow_mut().as_mut() {
            errors.push(error);
        }
    }

    /// Consumes the collector: `Ok` when nothing was recorded, else every error combined.
    pub fn check(self) -> Result<(), syn::Error> {
        let errors = self.errors.borrow_mut().take().unwrap_or_default();
        let mut iter = errors.into_iter();
        let Some(mut combined) = iter.next() else {
            return Ok(());
        };
        for error in iter {
            combined.combine(error);
        }
        Err(combined)
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            debug_assert!(
                self.errors.borrow().is_none(),
                "Ctxt dropped without being checked"
            );
        }
    }
}
