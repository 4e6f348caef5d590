//! The built-in handler: one structured log line per event, with its type,
//! its ids and its dedupe key. Ids only: names, contents and other personal
//! data never reach the log.

use async_trait::async_trait;

use crate::discord::Event as DiscordEvent;
use crate::pluralkit::Event as PluralkitEvent;
use crate::processor::{Event, EventContext, Handler, HandlerError};

/// Writes one `event handled` line per event: type, ids, dedupe key, nothing else.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogEvent;

#[async_trait]
impl Handler for LogEvent {
    async fn handle(&self, event: &Event, context: &EventContext) -> Result<(), HandlerError> {
        let (owner_id, subject_id) = event_ids(event);
        tracing::info!(
            source = context.source.as_str(),
            event_type = context.event_type.as_str(),
            message_id = context.message_id.as_str(),
            receive_count = context.receive_count,
            dedupe_key = context.dedupe_key.as_str(),
            tenant = context.tenant.as_deref().unwrap_or(""),
            owner_id = owner_id.unwrap_or(""),
            subject_id = subject_id.unwrap_or(""),
            known = !event.is_unknown(),
            guarded = context.guarded,
            "event handled"
        );
        Ok(())
    }
}

/// The owning id (application or system) and the id of the thing the event is
/// about, when the event has them.
pub(crate) fn event_ids(event: &Event) -> (Option<&str>, Option<&str>) {
    match event {
        Event::Discord(webhook) => {
            let subject = match &webhook.event {
                DiscordEvent::ApplicationAuthorized(e) => {
                    e.user.as_ref().and_then(|u| u.id.as_deref())
                }
                DiscordEvent::ApplicationDeauthorized(e) => {
                    e.user.as_ref().and_then(|u| u.id.as_deref())
                }
                DiscordEvent::EntitlementCreate(e)
                | DiscordEvent::EntitlementUpdate(e)
                | DiscordEvent::EntitlementDelete(e) => e.id.as_deref(),
                DiscordEvent::LobbyMessageCreate(m) | DiscordEvent::LobbyMessageUpdate(m) => {
                    m.id.as_deref()
                }
                DiscordEvent::LobbyMessageDelete(m) => m.id.as_deref(),
                DiscordEvent::GameDirectMessageCreate(m)
                | DiscordEvent::GameDirectMessageUpdate(m)
                | DiscordEvent::GameDirectMessageDelete(m) => m.id.as_deref(),
                DiscordEvent::QuestUserEnrollment(_) | DiscordEvent::Unknown { .. } => None,
            };
            (webhook.application_id.as_deref(), subject)
        }
        Event::Interaction(interaction) => (
            Some(interaction.application_id.as_str()),
            Some(interaction.id.as_str()),
        ),
        Event::Pluralkit(dispatch) => {
            let subject = match &dispatch.event {
                PluralkitEvent::Unknown { .. } => None,
                _ => dispatch.id.as_deref(),
            };
            (dispatch.system_id.as_deref(), subject)
        }
    }
}
