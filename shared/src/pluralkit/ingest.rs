//! PluralKit's part of the ingest decision: find the token in the body,
//! compare it (with the single system's tokens, or the tenant's), and queue
//! the body without it.

use std::collections::BTreeMap;

use crate::envelope::Arrival;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use std::time::Duration;

use super::config::{PluralKitConfig, TenantsConfig};
use super::events::EventType;
use super::tenant::{TenantId, TenantRecord};
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

/// A dispatch's top-level fields without its token, and the token.
struct Dispatch {
    fields: BTreeMap<String, Box<RawValue>>,
    token: String,
}

impl Dispatch {
    /// Reads the body: JSON within limits, each key once, a string token.
    fn read(body: &[u8]) -> Result<Self, Rejection> {
        check_json_limits(body).map_err(|_| Rejection::InvalidJson)?;
        // Top-level keys with their values kept as raw text, so removing the
        // token leaves every other byte of every value as PluralKit sent it.
        let UniqueFields(mut fields) =
            serde_json::from_slice(body).map_err(|_| Rejection::InvalidJson)?;
        let token = fields
            .remove(SIGNING_TOKEN_FIELD)
            .ok_or(Rejection::MissingToken)?;
        // Owned: a token written with JSON escapes (`\/`, `\u0041`) cannot be
        // borrowed from the body, and is still the same token.
        let token: String = serde_json::from_str::<Option<String>>(token.get())
            .ok()
            .flatten()
            .ok_or(Rejection::MissingToken)?;
        Ok(Self { fields, token })
    }

    /// The `system_id`, when the event has a non-empty one.
    fn system_id(&self) -> Option<String> {
        self.fields
            .get("system_id")
            .and_then(|raw| serde_json::from_str::<Option<String>>(raw.get()).ok())
            .flatten()
            .filter(|id| !id.is_empty())
    }

    /// What to do with an authenticated dispatch: answer a PING, or queue the
    /// event (for `tenant`, on the many-system route).
    fn accepted(
        self,
        arrival: Arrival,
        deadline: Duration,
        tenant: Option<&TenantId>,
    ) -> Result<Accepted, Rejection> {
        let event_type: String = self
            .fields
            .get("type")
            .and_then(|raw| serde_json::from_str(raw.get()).ok())
            .ok_or(Rejection::InvalidJson)?;
        if event_type == EventType::Ping.as_str() {
            return Ok(Accepted::Ping);
        }
        let owner = self.system_id().map(|id| MessageAttribute {
            name: "system_id",
            value: id,
        });
        let payload =
            serde_json::value::to_raw_value(&self.fields).map_err(|_| Rejection::InvalidJson)?;
        Ok(Accepted::Event {
            event: queued_event(
                Sender::Pluralkit,
                event_type,
                arrival,
                payload,
                owner,
                tenant,
            ),
            deadline,
            answer: None,
        })
    }
}

/// Authenticates a dispatch to the single-system route and decides what to
/// queue.
pub(crate) fn accept(
    config: &PluralKitConfig,
    request: &IngestRequest<'_>,
    arrival: Arrival,
) -> Result<Accepted, Rejection> {
    let dispatch = Dispatch::read(request.body)?;
    if !config.signing_tokens.matches(&dispatch.token) {
        return Err(Rejection::BadToken);
    }
    dispatch.accepted(arrival, config.enqueue_deadline, None)
}

/// Authenticates a dispatch to `/pluralkit/{tenant}` against what the
/// tenant table says of the tenant (`None`: no such tenant). Every refusal
/// past the body's shape is a 401, whichever it is.
pub(crate) fn accept_for_tenant(
    config: &TenantsConfig,
    tenant: &TenantId,
    record: Option<&TenantRecord>,
    request: &IngestRequest<'_>,
    arrival: Arrival,
) -> Result<Accepted, Rejection> {
    let dispatch = Dispatch::read(request.body)?;
    let record = record
        .filter(|record| !record.disabled)
        .ok_or(Rejection::UnknownTenant)?;
    if !record.tokens.matches(&dispatch.token) {
        return Err(Rejection::BadToken);
    }
    // Older senders put `system_id: null` on some events: only a different
    // system is refused, not a missing one.
    if let (Some(pinned), Some(sent)) = (&record.system_id, dispatch.system_id()) {
        if *pinned != sent {
            return Err(Rejection::WrongSystem);
        }
    }
    dispatch.accepted(arrival, config.enqueue_deadline, Some(tenant))
}

/// The `system_id` of a dispatch body, when it has one: what a tenant not
/// yet pinned is pinned to. `None` for anything that is not a dispatch.
pub fn dispatch_system_id(body: &[u8]) -> Option<String> {
    Dispatch::read(body).ok()?.system_id()
}
