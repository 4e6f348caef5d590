//! PluralKit's part of the ingest decision: find the token in the body,
//! compare it, and queue the body without it.

use std::collections::BTreeMap;

use crate::envelope::Arrival;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::config::PluralKitConfig;
use super::events::EventType;
use super::verify::SIGNING_TOKEN_FIELD;
use crate::ingest::{queued_event, Accepted, IngestRequest};
use crate::json_limits::check_json_limits;
use crate::queue::MessageAttribute;
use crate::rejection::Rejection;
use crate::sender::Sender;

/// A body's top-level keys and raw values, refusing a key sent twice: which of
/// two `signing_token`s (or `type`s) counts would be up to the parser.
struct UniqueFields(BTreeMap<String, Box<RawValue>>);

impl<'de> Deserialize<'de> for UniqueFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = UniqueFields;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object with unique keys")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut fields = BTreeMap::new();
                while let Some((key, value)) = map.next_entry::<String, Box<RawValue>>()? {
                    if fields.insert(key, value).is_some() {
                        return Err(serde::de::Error::custom("a key is sent twice"));
                    }
                }
                Ok(UniqueFields(fields))
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

/// Authenticates a PluralKit dispatch and decides what to queue.
pub(crate) fn accept(
    config: &PluralKitConfig,
    request: &IngestRequest<'_>,
    arrival: Arrival,
) -> Result<Accepted, Rejection> {
    check_json_limits(request.body).map_err(|_| Rejection::InvalidJson)?;
    // Top-level keys with their values kept as raw text, so removing the token
    // leaves every other byte of every value as PluralKit sent it.
    let UniqueFields(mut fields) =
        serde_json::from_slice(request.body).map_err(|_| Rejection::InvalidJson)?;
    let token = fields
        .remove(SIGNING_TOKEN_FIELD)
        .ok_or(Rejection::MissingToken)?;
    // Owned: a token written with JSON escapes (`\/`, `\u0041`) cannot be
    // borrowed from the body, and is still the same token.
    let token: String = serde_json::from_str::<Option<String>>(token.get())
        .ok()
        .flatten()
        .ok_or(Rejection::MissingToken)?;
    if !config.signing_tokens.matches(&token) {
        return Err(Rejection::BadToken);
    }
    let event_type: String = fields
        .get("type")
        .and_then(|raw| serde_json::from_str(raw.get()).ok())
        .ok_or(Rejection::InvalidJson)?;
    if event_type == EventType::Ping.as_str() {
        return Ok(Accepted::Ping);
    }
    let owner = fields
        .get("system_id")
        .and_then(|raw| serde_json::from_str::<Option<String>>(raw.get()).ok())
        .flatten()
        .filter(|id| !id.is_empty())
        .map(|id| MessageAttribute {
            name: "system_id",
            value: id,
        });
    let payload = serde_json::value::to_raw_value(&fields).map_err(|_| Rejection::InvalidJson)?;
    Ok(Accepted::Event {
        event: queued_event(Sender::Pluralkit, event_type, arrival, payload, owner),
        deadline: config.enqueue_deadline,
    })
}
