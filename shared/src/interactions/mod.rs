//! Discord interactions: slash commands, message components (buttons, select
//! menus), modal submits and autocomplete, on their own route,
//! `/discord/interactions`. They share Discord's verification (the same keys,
//! the same signed bytes, the same replay window, see
//! [`crate::discord::verify`]) and nothing else: an interaction's `type: 1`
//! is a PING, a webhook event's `type: 1` something else, so the route is
//! chosen by path, never by the body.
//!
//! Ingest answers within Discord's 3 s from [`answer`]'s table: a PING gets a
//! PONG, a command, component or modal is queued and then deferred, and the
//! user's [`InlineResponder`] may answer what cannot wait (autocomplete
//! choices, opening a modal). The processor decodes the queued interaction
//! into [`Interaction`] (twilight's model) and gives its handlers a
//! [`Reply`] to edit the deferred answer and send followups within the
//! token's 15 minutes.

pub mod answer;
pub mod config;
mod event_type;
pub mod fallback;
pub(crate) mod ingest;
pub mod model;
pub mod names;
pub mod reply;
pub mod responder;
pub mod snowflake;

pub use answer::InteractionAnswer;
pub use config::InteractionsConfig;
pub use event_type::EventType;
pub use fallback::InteractionFallback;
pub use model::{Interaction, InteractionBody};
pub use names::{CommandName, ComponentId, InteractionRoute, ModalId};
pub use reply::{ApiAnswer, Reply, ReplyApi, ReplyError, ReplyMethod, ReplyRequest};
pub use responder::{DeferAll, Inline, InlineResponder, InteractionRequest};
