//! The interactions route's part of the ingest decision: verify exactly as
//! `/discord` does (the same `verify_signed_json`), read the interaction's type and routing names, and pick
//! the answer from the table (see [`super::answer`]), asking the inline
//! responder first.

use std::borrow::Cow;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::answer::InteractionAnswer;
use super::config::InteractionsConfig;
use super::event_type::EventType;
use super::responder::{Inline, InteractionRequest};
use crate::discord::ingest::{signed_payload, verify_signed_json};
use crate::discord::DiscordConfig;
use crate::envelope::Arrival;
use crate::ingest::{queued_event, Accepted, IngestRequest};
use crate::queue::MessageAttribute;
use crate::rejection::Rejection;
use crate::sender::Sender;

/// What ingest reads of an interaction, borrowed from the body.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(rename = "type")]
    kind: u64,
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    application_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    token: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    data: Option<DataHead<'a>>,
}

#[derive(Deserialize)]
struct DataHead<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    custom_id: Option<Cow<'a, str>>,
}

/// The dedupe key of the interaction `id`: Discord never retries an
/// interaction, and every copy of one must reply once.
pub(crate) fn interaction_dedupe_key(id: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(Sender::DiscordInteraction.as_str().as_bytes());
    hasher.update(b"\nid:");
    hasher.update(id.as_bytes());
    hex::encode(hasher.finalize())
}

/// Verifies an interaction and decides its answer and whether to queue it.
pub(crate) fn accept(
    discord: &DiscordConfig,
    config: &InteractionsConfig,
    request: &IngestRequest<'_>,
    arrival: Arrival,
) -> Result<Accepted, Rejection> {
    verify_signed_json(discord, request, arrival)?;
    let head: Head<'_> =
        serde_json::from_slice(request.body).map_err(|_| Rejection::InvalidJson)?;
    let kind = EventType::from_code(head.kind);
    if kind == EventType::Ping {
        return Ok(Accepted::Answer(InteractionAnswer::PONG));
    }
    if kind.is_unknown() {
        return Err(Rejection::UnsupportedInteraction);
    }
    let present = |field: &Option<Cow<'_, str>>| field.as_deref().is_some_and(|v| !v.is_empty());
    // Without these nobody can reply: refuse rather than defer forever.
    if !present(&head.id) || !present(&head.application_id) || !present(&head.token) {
        return Err(Rejection::InvalidJson);
    }
    let data = head.data.as_ref();
    let command_name = data.and_then(|d| d.name.as_deref());
    let custom_id = data.and_then(|d| d.custom_id.as_deref());
    let view = InteractionRequest {
        kind: &kind,
        command_name,
        custom_id,
        body: request.body,
    };
    let (answer, queue) = match config.responder.respond(&view) {
        Inline::Answer(answer) => (answer, false),
        Inline::AnswerAndQueue(answer) => (answer, true),
        Inline::Defer => match kind {
            EventType::ApplicationCommandAutocomplete => (InteractionAnswer::NO_CHOICES, false),
            EventType::MessageComponent => (InteractionAnswer::DEFERRED_UPDATE, true),
            _ => {
                let name = match kind {
                    EventType::ModalSubmit => custom_id,
                    _ => command_name,
                };
                let ephemeral = name.is_some_and(|name| config.ephemeral.contains(name));
                let answer = match ephemeral {
                    true => InteractionAnswer::DEFERRED_EPHEMERAL,
                    false => InteractionAnswer::DEFERRED_MESSAGE,
                };
                (answer, true)
            }
        },
    };
    if !queue {
        return Ok(Accepted::Answer(answer));
    }
    let payload = signed_payload(request)?;
    let owner = head.application_id.as_deref().map(|id| MessageAttribute {
        name: "application_id",
        value: id.to_owned(),
    });
    let mut event = queued_event(
        Sender::DiscordInteraction,
        kind.as_str().to_owned(),
        arrival,
        payload,
        owner,
        None,
    );
    // The token stays in the payload only: never an attribute.
    event.envelope.dedupe_key = interaction_dedupe_key(head.id.as_deref().unwrap_or_default());
    event.envelope.answered_with = Some(answer.kind());
    Ok(Accepted::Event {
        event,
        deadline: discord.enqueue_deadline,
        answer: Some(answer),
    })
}
