//! Discord's part of the ingest decision: verify the signature over the raw
//! bytes, then read just enough of the body to queue it.

use std::borrow::Cow;

use crate::envelope::Arrival;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::config::DiscordConfig;
use super::events::WEBHOOK_TYPE_PING;
use super::verify::verify_discord_request;
use crate::ingest::{queued_event, Accepted, IngestRequest};
use crate::json_limits::check_json_limits;
use crate::queue::MessageAttribute;
use crate::rejection::Rejection;
use crate::sender::Sender;

/// What ingest needs from a Discord body, borrowed from it, with the same
/// field types the processor's models read. Every field the models read is
/// named here, even when ingest ignores its value, so a key sent twice (which
/// the models refuse) is refused here too instead of being queued.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(rename = "type")]
    webhook_type: u64,
    #[serde(borrow)]
    application_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    event: Option<EventHead<'a>>,
    #[serde(default, rename = "version")]
    _version: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct EventHead<'a> {
    #[serde(rename = "type", borrow)]
    event_type: Cow<'a, str>,
    #[serde(default, rename = "timestamp")]
    _timestamp: Option<IgnoredAny>,
    #[serde(default, rename = "data")]
    _data: Option<IgnoredAny>,
}

/// What every request Discord signs goes through first, on either of its
/// routes: the signature over the raw bytes with the configured keys, the
/// replay window, then serde_json's limits, so the body can be parsed.
pub(crate) fn verify_signed_json(
    config: &DiscordConfig,
    request: &IngestRequest<'_>,
    arrival: Arrival,
) -> Result<(), Rejection> {
    verify_discord_request(
        &config.public_keys,
        config.replay_window,
        request.headers.iter().copied(),
        request.body,
        arrival.at.timestamp(),
    )?;
    check_json_limits(request.body).map_err(|_| Rejection::InvalidJson)
}

/// The signed body as the envelope's payload, byte for byte: it is exactly
/// what was verified.
pub(crate) fn signed_payload(request: &IngestRequest<'_>) -> Result<Box<RawValue>, Rejection> {
    let text = std::str::from_utf8(request.body).map_err(|_| Rejection::InvalidJson)?;
    RawValue::from_string(text.trim().to_owned()).map_err(|_| Rejection::InvalidJson)
}

/// Verifies a Discord request and decides what to queue. The body is queued
/// byte for byte: it is exactly what was signed.
pub(crate) fn accept(
    config: &DiscordConfig,
    request: &IngestRequest<'_>,
    arrival: Arrival,
) -> Result<Accepted, Rejection> {
    verify_signed_json(config, request, arrival)?;
    let head: Head<'_> =
        serde_json::from_slice(request.body).map_err(|_| Rejection::InvalidJson)?;
    if head.webhook_type == WEBHOOK_TYPE_PING {
        return Ok(Accepted::Ping);
    }
    let event_type = head
        .event
        .ok_or(Rejection::InvalidJson)?
        .event_type
        .into_owned();
    let owner = head
        .application_id
        .filter(|id| !id.is_empty())
        .map(|id| MessageAttribute {
            name: "application_id",
            value: id.into_owned(),
        });
    let payload = signed_payload(request)?;
    Ok(Accepted::Event {
        event: queued_event(Sender::Discord, event_type, arrival, payload, owner, None),
        deadline: config.enqueue_deadline,
        answer: None,
    })
}
