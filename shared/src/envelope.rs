//! The queue envelope: the JSON message ingest puts on SQS and the processor
//! reads. It is a public contract (users read it in the SQS console); see the
//! README's "Envelope" section before changing a field.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::sender::Sender;

/// One queued event: the sender's payload with what ingest knew of it.
#[derive(Serialize, Deserialize)]
pub struct Envelope {
    /// Who sent it; `"discord"` or `"pluralkit"` on the wire.
    pub source: Sender,
    /// The sender's own type string, e.g. `ENTITLEMENT_CREATE` or `CREATE_SWITCH`.
    pub event_type: String,
    /// When ingest accepted the event, RFC 3339 in UTC.
    #[serde(with = "rfc3339")]
    pub received_at: DateTime<Utc>,
    /// Hex SHA-256 of the source and the payload: the same for a redelivery of
    /// the same event, since neither sender gives events an id.
    pub dedupe_key: String,
    /// The sender's JSON, byte for byte (PluralKit's without `signing_token`).
    pub payload: Box<RawValue>,
}

impl Envelope {
    /// An envelope for `payload`, with its content-derived dedupe key.
    pub fn new(
        source: Sender,
        event_type: String,
        received_at: DateTime<Utc>,
        payload: Box<RawValue>,
    ) -> Self {
        let dedupe_key = dedupe_key(source, payload.get());
        Self {
            source,
            event_type,
            received_at,
            dedupe_key,
            payload,
        }
    }

    /// The queue message body. Characters SQS refuses (U+FFFE, U+FFFF) are
    /// written as `\uXXXX` escapes: the same JSON, text SQS accepts. The
    /// `dedupe_key` was computed on the payload as received, before that.
    #[expect(
        clippy::expect_used,
        reason = "strings, a timestamp and an already-valid raw value always serialize; \
                  an empty body instead would be queued and lost"
    )]
    pub fn to_json(&self) -> String {
        crate::queue::message_text::escape_for_sqs(
            serde_json::to_string(self).expect("an envelope always serializes"),
        )
    }

    /// Reads a queue message body.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

impl fmt::Debug for Envelope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The payload may carry personal data; Debug shows only its size.
        f.debug_struct("Envelope")
            .field("source", &self.source)
            .field("event_type", &self.event_type)
            .field("received_at", &self.received_at)
            .field("dedupe_key", &self.dedupe_key)
            .field("payload_bytes", &self.payload.get().len())
            .finish()
    }
}

/// Hex SHA-256 over `source`, a newline and the payload text.
pub fn dedupe_key(source: Sender, payload: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(source.as_str().as_bytes());
    hasher.update(b"\n");
    hasher.update(payload.as_bytes());
    hex::encode(hasher.finalize())
}

mod rfc3339 {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        at: &DateTime<Utc>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(deserializer)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|at| at.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Envelope {
        let payload = RawValue::from_string(
            r#"{"type":"CREATE_SWITCH","system_id":"s","id":"x","data":{"n":12345678901234567890123}}"#
                .to_owned(),
        )
        .unwrap();
        let at = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.123456789Z")
            .unwrap()
            .with_timezone(&Utc);
        Envelope::new(Sender::Pluralkit, "CREATE_SWITCH".into(), at, payload)
    }

    #[test]
    fn round_trips_losslessly() {
        let original = sample();
        let json = original.to_json();
        let back = Envelope::from_json(&json).unwrap();
        assert_eq!(back.to_json(), json);
        assert_eq!(back.source, original.source);
        assert_eq!(back.event_type, original.event_type);
        assert_eq!(back.received_at, original.received_at);
        assert_eq!(back.dedupe_key, original.dedupe_key);
        assert_eq!(back.payload.get(), original.payload.get());
        assert!(
            json.contains("12345678901234567890123"),
            "big numbers survive: {json}"
        );
    }

    #[test]
    fn has_the_documented_shape() {
        let value: serde_json::Value = serde_json::from_str(&sample().to_json()).unwrap();
        assert_eq!(value["source"], "pluralkit");
        assert_eq!(value["event_type"], "CREATE_SWITCH");
        assert_eq!(value["received_at"], "2026-01-02T03:04:05.123456789Z");
        assert_eq!(value["dedupe_key"].as_str().unwrap().len(), 64);
        assert_eq!(value["payload"]["id"], "x");
    }

    #[test]
    fn dedupe_key_is_stable_and_content_based() {
        assert_eq!(
            dedupe_key(Sender::Discord, "{}"),
            dedupe_key(Sender::Discord, "{}")
        );
        assert_ne!(
            dedupe_key(Sender::Discord, "{}"),
            dedupe_key(Sender::Pluralkit, "{}")
        );
        assert_ne!(
            dedupe_key(Sender::Discord, "{}"),
            dedupe_key(Sender::Discord, "{ }")
        );
    }

    #[test]
    fn characters_sqs_refuses_are_escaped_after_the_key_is_taken() {
        let raw = "{\"content\":\"a\u{FFFF}b\"}";
        let at = Utc::now();
        let payload = RawValue::from_string(raw.to_owned()).unwrap();
        let envelope = Envelope::new(Sender::Discord, "X".into(), at, payload);
        assert_eq!(envelope.dedupe_key, dedupe_key(Sender::Discord, raw));
        let json = envelope.to_json();
        assert!(
            json.contains("a\\uffffb") && !json.contains('\u{FFFF}'),
            "{json}"
        );
        let back = Envelope::from_json(&json).unwrap();
        assert_eq!(back.dedupe_key, envelope.dedupe_key);
        let (original, queued): (serde_json::Value, serde_json::Value) = (
            serde_json::from_str(raw).unwrap(),
            serde_json::from_str(back.payload.get()).unwrap(),
        );
        assert_eq!(original, queued);
    }

    #[test]
    fn debug_hides_the_payload() {
        let shown = format!("{:?}", sample());
        assert!(!shown.contains("CREATE_SWITCH\",\"system_id"));
        assert!(shown.contains("payload_bytes"));
    }
}
