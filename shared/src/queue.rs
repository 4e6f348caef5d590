//! The queue port: ingest hands it an envelope and answers the sender only once
//! it returns `Ok`.
#![cfg_attr(
    feature = "sqs",
    doc = "The SQS adapter lives in [`sqs`] behind the `sqs` feature."
)]
#![cfg_attr(
    not(feature = "sqs"),
    doc = "The SQS adapter lives in `sqs` behind the `sqs` feature."
)]

use std::time::Duration;

use async_trait::async_trait;

use crate::envelope::{Envelope, Replay};
use crate::sender::Sender;

pub(crate) mod message_text;
#[cfg(feature = "sqs")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqs")))]
pub mod sqs;

/// An SQS message attribute, shown and filterable in the SQS console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageAttribute {
    /// The attribute's name.
    pub name: &'static str,
    /// Its value; SQS refuses an empty one.
    pub value: String,
}

/// An envelope ready for the queue, with the attributes it is sent with.
#[derive(Debug)]
pub struct QueuedEvent {
    /// The message body.
    pub envelope: Envelope,
    /// The message attributes.
    pub attributes: Vec<MessageAttribute>,
}

impl QueuedEvent {
    /// The message attributes of `envelope`: `event_id`, `source`,
    /// `event_type`, the sender's owner id (`application_id`, `system_id`)
    /// when it has one, the `tenant` on the many-system route, and `replay`
    /// (the replay's time) on a replayed envelope. An attribute SQS would
    /// refuse is left out: attributes are a convenience for the console, and
    /// one must never fail the send.
    pub fn attributes_of(
        envelope: &Envelope,
        owner: Option<MessageAttribute>,
    ) -> Vec<MessageAttribute> {
        let mut attributes = Vec::with_capacity(5);
        if let Some(id) = envelope.id {
            attributes.push(MessageAttribute {
                name: "event_id",
                value: id.hyphenated().to_string(),
            });
        }
        attributes.push(MessageAttribute {
            name: "source",
            value: envelope.source.as_str().to_owned(),
        });
        // SQS refuses empty attribute values.
        if !envelope.event_type.is_empty() {
            attributes.push(MessageAttribute {
                name: "event_type",
                value: envelope.event_type.clone(),
            });
        }
        attributes.extend(owner);
        attributes.extend(envelope.tenant.as_ref().map(|tenant| MessageAttribute {
            name: "tenant",
            value: tenant.clone(),
        }));
        attributes.extend(envelope.replay.map(|replay| {
            MessageAttribute {
                name: "replay",
                value: replay
                    .at
                    .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            }
        }));
        attributes.retain(|attribute| {
            !attribute.value.is_empty() && attribute.value.chars().all(message_text::sqs_accepts)
        });
        attributes
    }

    /// `envelope` put back on the queue by a replay: marked with `replay`,
    /// with the attributes ingest gave it (the owner id read from the
    /// payload) and `replay`.
    pub fn replay(envelope: Envelope, replay: Replay) -> Self {
        let envelope = envelope.replayed(replay);
        let owner = owner_attribute(&envelope);
        let attributes = Self::attributes_of(&envelope, owner);
        Self {
            envelope,
            attributes,
        }
    }
}

/// The sender's owner id of an envelope, from its payload's top level.
fn owner_attribute(envelope: &Envelope) -> Option<MessageAttribute> {
    let name = match envelope.source {
        Sender::Discord | Sender::DiscordInteraction => "application_id",
        Sender::Pluralkit => "system_id",
    };
    #[derive(serde::Deserialize)]
    struct Owner {
        application_id: Option<String>,
        system_id: Option<String>,
    }
    let owner: Owner = serde_json::from_str(envelope.payload.get()).ok()?;
    let value = match envelope.source {
        Sender::Pluralkit => owner.system_id,
        _ => owner.application_id,
    }?;
    Some(MessageAttribute { name, value })
}

/// Why the queue did not take an event; ingest then answers 503.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// No answer came within the deadline.
    #[error("the queue did not accept the event within {0:?}")]
    DeadlineExceeded(Duration),
    /// The queue answered with an error (or the deadline passed after one).
    #[error("the queue refused the event: {0}")]
    Failed(String),
}

/// Where ingest puts accepted events.
#[async_trait]
pub trait EventQueue: Send + Sync {
    /// Puts the event on the queue, retrying as needed, but returns by `deadline`.
    async fn enqueue(&self, event: &QueuedEvent, deadline: Duration) -> Result<(), QueueError>;
}
