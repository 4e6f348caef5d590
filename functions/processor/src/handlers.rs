//! Customize here: this file is where your logic lives.
//!
//! Implement [`Handler`] for a type of yours and register it below for the
//! event type it wants, e.g. `.on(discord::EventType::EntitlementCreate, GrantPremiumRole)`,
//! or for an interaction by its command name or `custom_id`:
//! `.on(PING, Pong)`. The built-in [`LogEvent`] stays as the fallback, so
//! events without a handler of their own are still logged (and an
//! interaction no handler takes has its "thinking…" replaced by a short
//! message). A handler that returns `Err` (or panics) fails only its own
//! record, which SQS redelivers and, after `maxReceiveCount`, moves to the
//! dead-letter queue.

use async_trait::async_trait;
#[allow(unused_imports)]
use switchboard::interactions::{CommandName, ComponentId, ModalId};
#[allow(unused_imports)]
use switchboard::{discord, pluralkit, Event, EventContext, Handler, HandlerError};
use switchboard::{LogEvent, Registry, RegistryError};

/// The `/ping` slash command, as registered with Discord. Name each command
/// once, here: a typo elsewhere is then a compile error.
pub const PING: CommandName = CommandName::new("ping");

/// The handlers this deployment runs.
pub fn registry() -> Result<Registry, RegistryError> {
    Registry::new()
        // .on(discord::EventType::EntitlementCreate, GrantPremiumRole)
        .on(PING, Pong)
        .fallback(LogEvent)
        .build()
}

/// An example interaction handler: answers `/ping` by editing the deferred
/// reply. Delete it, or keep it as the pattern for yours.
#[derive(Debug, Clone, Copy)]
pub struct Pong;

#[async_trait]
impl Handler for Pong {
    async fn handle(&self, _event: &Event, context: &EventContext) -> Result<(), HandlerError> {
        let Some(reply) = &context.reply else {
            return Ok(());
        };
        reply
            .edit_original(&serde_json::json!({ "content": "pong" }))
            .await?;
        Ok(())
    }
}
