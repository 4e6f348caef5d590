//! Discord webhook events: Ed25519 verification and the typed payload.

pub mod events;
pub mod signing;
pub mod verify;

pub use events::{Event, EventBody, WebhookEvent, WebhookPayload};
pub use signing::sign_discord_request;
pub use verify::{
    verify_discord_request, verify_discord_signature, DiscordPublicKeys, ReplayWindow,
    SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
