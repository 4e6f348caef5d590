//! What identifies an event at a glance, for `peek` and `events`: its owner
//! (the app or the system) and its subject (what it is about). Never the
//! payload text, never an interaction's token.

use serde_json::Value;
use switchboard::{Envelope, Sender};

/// An event's owner and subject ids, `-` where the payload has none.
pub(crate) struct EventIds {
    /// `application_id=…` or `system_id=…`.
    pub(crate) owner: String,
    /// `data.id=…`, `interaction_id=… name=…` or `id=…`.
    pub(crate) subject: String,
}

impl EventIds {
    pub(crate) fn of(envelope: &Envelope) -> Self {
        let payload: Value = serde_json::from_str(envelope.payload.get()).unwrap_or(Value::Null);
        let text = |value: &Value| value.as_str().unwrap_or("-").to_owned();
        match envelope.source {
            Sender::Discord => Self {
                owner: format!("application_id={}", text(&payload["application_id"])),
                subject: format!("data.id={}", text(&payload["event"]["data"]["id"])),
            },
            Sender::DiscordInteraction => Self {
                owner: format!("application_id={}", text(&payload["application_id"])),
                subject: format!(
                    "interaction_id={} name={}",
                    text(&payload["id"]),
                    payload["data"]["name"]
                        .as_str()
                        .or(payload["data"]["custom_id"].as_str())
                        .unwrap_or("-")
                ),
            },
            Sender::Pluralkit => Self {
                owner: format!(
                    "tenant={} system_id={}",
                    envelope.tenant.as_deref().unwrap_or("-"),
                    text(&payload["system_id"])
                ),
                subject: format!("id={}", text(&payload["id"])),
            },
        }
    }
}
