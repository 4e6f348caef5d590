//! Discord webhook events: everything switchboard knows about this sender.
//! Ed25519 verification, the event types and their models, its part of the
//! ingest decision, and its configuration.

pub mod config;
pub mod events;
pub(crate) mod ingest;
pub mod verify;

pub use config::DiscordConfig;
pub use events::{Event, EventBody, EventType, WebhookEvent, WebhookPayload};
pub use verify::{
    verify_discord_request, verify_discord_signature, DiscordPublicKeys, ReplayWindow,
    SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
