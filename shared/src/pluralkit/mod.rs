//! PluralKit dispatch: the shared signing token and the typed events.

pub mod events;
pub mod verify;

pub use events::{DispatchEvent, Event};
pub use verify::{SigningTokens, SIGNING_TOKEN_FIELD};
