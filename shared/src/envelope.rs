//! The queue envelope: the JSON message ingest puts on SQS and the processor
//! reads. It is a public contract (users read it in the SQS console); see the
//! README's "Envelope" section before changing a field.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use uuid::Uuid;

use crate::sender::{Identity, Sender};

/// When and as what ingest accepted a request: its time and the id minted for
/// it, once, before the first `SendMessage` attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    /// A UUIDv7 (time-ordered), new for every request a sender makes.
    pub id: Uuid,
    /// When ingest accepted it.
    pub at: DateTime<Utc>,
}

impl Arrival {
    /// A request arriving now, with a fresh id.
    pub fn now() -> Self {
        Self {
            id: Uuid::now_v7(),
            at: Utc::now(),
        }
    }
}

/// One queued event: the sender's payload with what ingest knew of it.
#[derive(Serialize, Deserialize)]
pub struct Envelope {
    /// The UUIDv7 ingest minted for the request: the same across ingest's own
    /// retries, new for every request. Absent on envelopes queued before ids
    /// existed, which still decode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// Who sent it; `"discord"` or `"pluralkit"` on the wire.
    pub source: Sender,
    /// The sender's own type string, e.g. `ENTITLEMENT_CREATE` or `CREATE_SWITCH`.
    pub event_type: String,
    /// When ingest accepted the event, RFC 3339 in UTC.
    #[serde(with = "rfc3339")]
    pub received_at: DateTime<Utc>,
    /// What makes two deliveries the same event, per sender (see
    /// [`dedupe_key`]): the idempotency store's key.
    pub dedupe_key: String,
    /// The sender's JSON, byte for byte (PluralKit's without `signing_token`).
    pub payload: Box<RawValue>,
    /// The tenant whose route (`/pluralkit/{tenant}`) the event came in on;
    /// absent for every other route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// For an interaction, the response type ingest answered it with (5 or
    /// 6, a deferral the processor then edits; 4, 8 or 9 when the inline
    /// responder answered and queued it too); absent for other events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_with: Option<u8>,
    /// Set on an envelope `switchboard events replay` put back on the queue:
    /// when, in which run, and whether it was forced. Absent on every
    /// envelope ingest queues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<Replay>,
}

/// What marks a replayed envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replay {
    /// When the replay put it back on the queue, RFC 3339 in UTC.
    #[serde(with = "rfc3339")]
    pub at: DateTime<Utc>,
    /// The replay run (one `events replay` command), new for every run.
    pub run: Uuid,
    /// True for `--force`: the envelope's effects run again, under the
    /// run's own dedupe namespace.
    pub forced: bool,
}

impl Envelope {
    /// An envelope for `payload`, with the dedupe key its sender's rule gives.
    pub fn new(
        source: Sender,
        event_type: String,
        arrival: Arrival,
        payload: Box<RawValue>,
    ) -> Self {
        let dedupe_key = dedupe_key(source, Some(arrival.id), payload.get());
        Self {
            id: Some(arrival.id),
            source,
            event_type,
            received_at: arrival.at,
            dedupe_key,
            payload,
            tenant: None,
            answered_with: None,
            replay: None,
        }
    }

    /// The same envelope, marked as replayed by `replay`: the `id` and the
    /// payload unchanged. A forced replay also moves the dedupe key into the
    /// run's namespace, so the idempotency store has no record of it and
    /// every effect runs again; copies within the run still share one key.
    #[must_use]
    pub fn replayed(mut self, replay: Replay) -> Self {
        if replay.forced {
            let mut hasher = Sha256::new();
            hasher.update(b"replay:");
            hasher.update(replay.run.hyphenated().to_string().as_bytes());
            hasher.update(b"\n");
            hasher.update(self.dedupe_key.as_bytes());
            self.dedupe_key = hex::encode(hasher.finalize());
        }
        self.replay = Some(replay);
        self
    }

    /// The same envelope, for the tenant `tenant`.
    #[must_use]
    pub fn with_tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
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
            .field("replay", &self.replay)
            .finish()
    }
}

/// The dedupe key: hex SHA-256 of what makes two deliveries the same event.
///
/// - [`Identity::Content`] (Discord): `source`, a newline and the payload
///   text. Discord retries with the same body, so a retry has the same key.
/// - [`Identity::Request`] (PluralKit): `source`, a newline, `id:` and the
///   request's id. PluralKit never retries, and identical bodies are distinct
///   events (a rename A→B→A), so only copies of one accepted request share it.
///   Without an id (an envelope from before ids) it falls back to the content.
pub fn dedupe_key(source: Sender, id: Option<Uuid>, payload: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(source.as_str().as_bytes());
    hasher.update(b"\n");
    match (source.identity(), id) {
        // The sender's own id replaces this key where the sender's module
        // knows it (an interaction's `id`).
        (Identity::Request | Identity::SenderId, Some(id)) => {
            hasher.update(b"id:");
            hasher.update(id.hyphenated().to_string().as_bytes());
        }
        _ => hasher.update(payload.as_bytes()),
    }
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
        let id = Uuid::parse_str("01938a6e-7b2c-7cc0-8f0e-123456789abc").unwrap();
        Envelope::new(
            Sender::Pluralkit,
            "CREATE_SWITCH".into(),
            Arrival { id, at },
            payload,
        )
    }

    #[test]
    fn a_tenant_is_carried_only_when_there_is_one() {
        let single = sample().to_json();
        assert!(!single.contains("tenant"), "{single}");
        let tenant = sample().with_tenant("user-42").to_json();
        assert!(tenant.contains(r#""tenant":"user-42""#), "{tenant}");
        let back = Envelope::from_json(&tenant).unwrap();
        assert_eq!(back.tenant.as_deref(), Some("user-42"));
        assert_eq!(Envelope::from_json(&single).unwrap().tenant, None);
    }

    #[test]
    fn a_replay_keeps_the_id_and_payload_and_only_a_forced_one_moves_the_key() {
        let original = sample();
        let (id, key, payload) = (
            original.id,
            original.dedupe_key.clone(),
            original.payload.get().to_owned(),
        );
        let at = "2026-12-02T06:00:00Z".parse().unwrap();
        let run = Uuid::now_v7();
        let gap = sample().replayed(Replay {
            at,
            run,
            forced: false,
        });
        assert_eq!((gap.id, &gap.dedupe_key), (id, &key));
        let json = gap.to_json();
        assert!(
            json.contains(&format!(
                r#""replay":{{"at":"2026-12-02T06:00:00Z","run":"{run}","forced":false}}"#
            )),
            "{json}"
        );
        let back = Envelope::from_json(&json).unwrap();
        assert_eq!(back.replay.map(|r| r.run), Some(run));

        let forced = |run| {
            sample()
                .replayed(Replay {
                    at,
                    run,
                    forced: true,
                })
                .dedupe_key
        };
        assert_ne!(forced(run), key, "a forced replay runs every effect again");
        assert_eq!(
            forced(run),
            forced(run),
            "copies within one run share a key"
        );
        assert_ne!(forced(run), forced(Uuid::now_v7()), "each run its own");
        assert_eq!(
            sample()
                .replayed(Replay {
                    at,
                    run,
                    forced: true
                })
                .payload
                .get(),
            payload
        );
        assert!(
            !original.to_json().contains("replay"),
            "absent unless replayed"
        );
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
        assert_eq!(back.id, original.id);
        assert_eq!(back.payload.get(), original.payload.get());
        assert!(
            json.contains("12345678901234567890123"),
            "big numbers survive: {json}"
        );
    }

    #[test]
    fn has_the_documented_shape() {
        let value: serde_json::Value = serde_json::from_str(&sample().to_json()).unwrap();
        assert_eq!(value["id"], "01938a6e-7b2c-7cc0-8f0e-123456789abc");
        assert_eq!(value["source"], "pluralkit");
        assert_eq!(value["event_type"], "CREATE_SWITCH");
        assert_eq!(value["received_at"], "2026-01-02T03:04:05.123456789Z");
        assert_eq!(value["dedupe_key"].as_str().unwrap().len(), 64);
        assert_eq!(value["payload"]["id"], "x");
    }

    #[test]
    fn discord_keys_follow_the_content_and_pluralkit_keys_the_request() {
        let (one, two) = (Uuid::now_v7(), Uuid::now_v7());
        // Discord: a retry (another request, the same body) has the same key.
        assert_eq!(
            dedupe_key(Sender::Discord, Some(one), "{}"),
            dedupe_key(Sender::Discord, Some(two), "{}")
        );
        assert_ne!(
            dedupe_key(Sender::Discord, Some(one), "{}"),
            dedupe_key(Sender::Discord, Some(one), "{ }")
        );
        // PluralKit: two requests with the same body are two events...
        assert_ne!(
            dedupe_key(Sender::Pluralkit, Some(one), "{}"),
            dedupe_key(Sender::Pluralkit, Some(two), "{}")
        );
        // ...and copies of one request are one.
        assert_eq!(
            dedupe_key(Sender::Pluralkit, Some(one), "{}"),
            dedupe_key(Sender::Pluralkit, Some(one), "{\"other\":1}")
        );
        // Without an id, the content, and never a Discord key.
        assert_eq!(
            dedupe_key(Sender::Pluralkit, None, "{}"),
            dedupe_key(Sender::Pluralkit, None, "{}")
        );
        assert_ne!(
            dedupe_key(Sender::Discord, None, "{}"),
            dedupe_key(Sender::Pluralkit, None, "{}")
        );
    }

    #[test]
    fn dedupe_keys_have_known_answers() {
        // Computed outside Rust: sha256 of the documented input, in hex.
        let id = Uuid::parse_str("01938a6e-7b2c-7cc0-8f0e-123456789abc").unwrap();
        assert_eq!(
            dedupe_key(Sender::Discord, Some(id), r#"{"a":1}"#),
            "d882ae5923ab56029913e40ceceff2354b1ddcf6e8d4f6f02532abb1675dcad7",
            "sha256(\"discord\\n\" + payload)"
        );
        assert_eq!(
            dedupe_key(Sender::Pluralkit, Some(id), r#"{"a":1}"#),
            "386a9a6a09307443d920299a299193d51e799e483fec2c36ba8b525f3c117ff2",
            "sha256(\"pluralkit\\nid:\" + id)"
        );
        assert_eq!(
            dedupe_key(Sender::Pluralkit, None, r#"{"a":1}"#),
            "8e3f504978ba49e0b4a31f935ff30ce533d8b803744b69d225bdf816ab73a7a5",
            "without an id: sha256(\"pluralkit\\n\" + payload)"
        );
    }

    #[test]
    fn an_envelope_from_before_ids_still_decodes() {
        let old = r#"{"source":"pluralkit","event_type":"CREATE_SWITCH","received_at":"2026-11-23T20:14:11.123456Z","dedupe_key":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","payload":{"type":"CREATE_SWITCH","id":"x"}}"#;
        let envelope = Envelope::from_json(old).unwrap();
        assert_eq!(envelope.id, None);
        assert_eq!(
            envelope.dedupe_key,
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        );
        assert!(!envelope.to_json().contains("\"id\":null"));
    }

    #[test]
    fn characters_sqs_refuses_are_escaped_after_the_key_is_taken() {
        let raw = "{\"content\":\"a\u{FFFF}b\"}";
        let payload = RawValue::from_string(raw.to_owned()).unwrap();
        let arrival = Arrival::now();
        let envelope = Envelope::new(Sender::Discord, "X".into(), arrival, payload);
        assert_eq!(
            envelope.dedupe_key,
            dedupe_key(Sender::Discord, Some(arrival.id), raw)
        );
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
