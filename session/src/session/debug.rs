//! What `Debug` shows of a session: the start of its id, its state, and the
//! names of the keys it holds; never the whole id (a credential) nor a value.

use std::fmt;

use super::Session;
use crate::schema::Schema;
use crate::state::StateOf;

impl<S: Schema, St: StateOf<S>> fmt::Debug for Session<S, St> {
    /// Shows the start of the id, the state, and the names of the keys held;
    /// never the whole id (it is a credential) nor the values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let held: Vec<&str> = self
            .value_slots()
            .iter()
            .zip(S::__VALUE_KEYS)
            .filter(|(slot, _)| slot.is_present())
            .map(|(_, def)| def.name)
            .chain(
                self.unknown_values
                    .iter()
                    .map(|(name, _)| name.as_str(&self.source)),
            )
            .collect();
        f.debug_struct("Session")
            .field("id", &crate::id::Redacted(&self.id))
            .field("destroyed", &St::DESTROYED)
            .field("dirty", &self.dirty)
            .field("keys", &held)
            .finish_non_exhaustive()
    }
}
