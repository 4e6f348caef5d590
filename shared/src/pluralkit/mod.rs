//! PluralKit dispatch: everything switchboard knows about this sender. The
//! shared signing token, the event types and their models (with [`Patch`]
//! fields for partial updates), its part of the ingest decision, and its
//! configuration.

pub mod config;
pub mod events;
pub(crate) mod ingest;
pub mod patch;
pub mod token_parameter;
pub mod verify;

pub use config::{PluralKitConfig, TokenSource};
pub use events::{DispatchEvent, Event, EventType};
pub use patch::Patch;
pub use token_parameter::{Refresh, TokenParameter};
pub use verify::{SigningTokens, SIGNING_TOKEN_FIELD};
