//! What an interaction no handler takes is answered with, so that nobody
//! waits on "thinking…" forever: the deferred message of a command or a
//! modal is edited to a short message; a component, whose deferral was an
//! update of the message it is on, gets an ephemeral followup instead, so
//! that message is left as it was.

use async_trait::async_trait;

use super::event_type::EventType;
use crate::processor::{Event, EventContext, Handler, HandlerError};

/// The built-in last handler of an interaction without a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionFallback {
    /// The message the user sees.
    pub message: String,
}

#[async_trait]
impl Handler for InteractionFallback {
    async fn handle(&self, event: &Event, context: &EventContext) -> Result<(), HandlerError> {
        let (Event::Interaction(interaction), Some(reply)) = (event, &context.reply) else {
            return Ok(());
        };
        match interaction.kind {
            EventType::MessageComponent => {
                let message = serde_json::json!({ "content": self.message, "flags": 64 });
                reply.followup(&message).await?;
            }
            _ => {
                let message = serde_json::json!({ "content": self.message });
                reply.edit_original(&message).await?;
            }
        }
        tracing::info!(
            message_id = context.message_id.as_str(),
            interaction_id = interaction.id.as_str(),
            event_type = interaction.kind.as_str(),
            "interaction answered by the fallback"
        );
        Ok(())
    }
}
