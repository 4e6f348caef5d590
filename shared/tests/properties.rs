#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The fuzz targets' properties, run briefly as proptests in `make test`
//! (`make fuzz` runs the coverage-guided fuzzers for longer).

use chrono::{TimeZone, Utc};
use ed25519_dalek::SigningKey;
use proptest::prelude::*;
use switchboard::envelope::Arrival;
use switchboard::{decide, discord, pluralkit, Decision, Event, IngestConfig, IngestRequest};
use switchboard_devkit::{sign_discord_request, TestConfig};

const NOW: i64 = 1_700_000_000;
const TOKEN: &str = "cHJvcGVydHktdG9rZW4tcHJvcGVydHktdG9rZW4tcHJvcGVydHktdG9rZW4tcHJvcGU";

fn arrival() -> Arrival {
    Arrival {
        id: uuid::Uuid::now_v7(),
        at: Utc.timestamp_opt(NOW, 0).unwrap(),
    }
}

fn config() -> IngestConfig {
    TestConfig::new()
        .queue_url("q")
        .discord_key(&SigningKey::from_bytes(&[1; 32]))
        .pluralkit_token(TOKEN)
        .max_body_bytes(4096)
        .build()
}

fn json_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        "[a-zA-Z0-9 _:.+-]{0,12}".prop_map(|s| format!("{s:?}")),
        prop_oneof![Just("1e400"), Just("-0.0"), Just("12345678901234567890123")]
            .prop_map(str::to_owned),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6)
                .prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec(("[a-z_]{1,10}", inner), 0..6).prop_map(|fields| {
                let body: Vec<String> = fields
                    .into_iter()
                    .map(|(k, v)| format!("{k:?}:{v}"))
                    .collect();
                format!("{{{}}}", body.join(","))
            }),
        ]
    })
}

/// A signed-ready Discord event body.
fn discord_sample_body() -> String {
    r#"{"version":1,"application_id":"77","type":1,"event":{"type":"ENTITLEMENT_CREATE","timestamp":"2024-10-18T18:41:21.109604","data":{"id":"1"}}}"#.to_owned()
}

/// PluralKit's known types and one this version does not know.
fn pluralkit_types() -> Vec<&'static str> {
    let mut types: Vec<&'static str> = pluralkit::EventType::ALL
        .iter()
        .map(|t| t.as_str())
        .collect();
    types.push("UPDATE_GROUP_MEMBERS");
    types
}

/// The known types and one this version does not know.
fn discord_types() -> Vec<&'static str> {
    let mut types: Vec<&'static str> = discord::EventType::ALL.iter().map(|t| t.as_str()).collect();
    types.push("SOMETHING_NEW");
    types
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Unsigned or wrongly signed input, however shaped, never panics and is never queued.
    #[test]
    fn forged_requests_are_never_accepted(
        method in prop_oneof![Just("POST".to_string()), Just("GET".to_string()), "[A-Z]{1,7}"],
        path in prop_oneof![Just("/discord".to_string()), Just("/pluralkit".to_string()), "/[a-z/]{0,20}"],
        headers in prop::collection::vec(("[a-zA-Z-]{1,24}", prop::collection::vec(any::<u8>(), 0..140)), 0..4),
        body in prop_oneof![prop::collection::vec(any::<u8>(), 0..512), json_text().prop_map(String::into_bytes)],
    ) {
        let headers: Vec<(&str, &[u8])> = headers.iter().map(|(k, v)| (k.as_str(), v.as_slice())).collect();
        let request = IngestRequest { method: &method, path: &path, headers: &headers, body: &body };
        let decision = decide(&config(), &request, arrival());
        prop_assert!(matches!(decision, Decision::Reject { .. }), "accepted: {decision:?}");
    }

    /// A valid signed Discord request, mutated: any change to the body, the
    /// timestamp or the signature (one byte set to another value, or bytes cut
    /// or added) is never accepted, and changing the key fails too.
    #[test]
    fn mutated_discord_requests_are_never_accepted(
        part in 0usize..3,
        at in any::<prop::sample::Index>(),
        value in any::<u8>(),
        cut in any::<bool>(),
        key_seed in 2u8..255,
    ) {
        let body = discord_sample_body();
        let ts = NOW.to_string();
        let sig = sign_discord_request(&SigningKey::from_bytes(&[1; 32]), &ts, body.as_bytes());
        let (mut sig_b, mut ts_b, mut body_b) = (sig.into_bytes(), ts.into_bytes(), body.into_bytes());
        let target = match part { 0 => &mut sig_b, 1 => &mut ts_b, _ => &mut body_b };
        let i = at.index(target.len());
        if cut {
            target.truncate(i);
        } else if target[i] != value {
            target[i] = value;
        } else {
            target.insert(i, value);
        }
        let headers = [("x-signature-ed25519", sig_b.as_slice()), ("x-signature-timestamp", ts_b.as_slice())];
        let request = IngestRequest { method: "POST", path: "/discord", headers: &headers, body: &body_b };
        let decision = decide(&config(), &request, arrival());
        prop_assert!(matches!(decision, Decision::Reject { .. }), "accepted a mutation: {decision:?}");

        // The untouched request signed by another key.
        let body = discord_sample_body();
        let ts = NOW.to_string();
        let other = sign_discord_request(&SigningKey::from_bytes(&[key_seed; 32]), &ts, body.as_bytes());
        let headers = [("x-signature-ed25519", other.as_bytes()), ("x-signature-timestamp", ts.as_bytes())];
        let request = IngestRequest { method: "POST", path: "/discord", headers: &headers, body: body.as_bytes() };
        let decision = decide(&config(), &request, arrival());
        prop_assert!(matches!(decision, Decision::Reject { .. }), "another key was accepted: {decision:?}");
    }

    /// A valid PluralKit body whose token is mutated (a character changed,
    /// cut or added) is never accepted, however the rest looks.
    #[test]
    fn mutated_pluralkit_tokens_are_never_accepted(
        at in any::<prop::sample::Index>(),
        replacement in "[ -~]",
        cut in any::<bool>(),
        event_type in prop::sample::select(pluralkit_types()),
    ) {
        let mut token: Vec<char> = TOKEN.chars().collect();
        let i = at.index(token.len());
        let replacement = replacement.chars().next().unwrap();
        if cut {
            token.truncate(i);
        } else if token[i] != replacement {
            token[i] = replacement;
        } else {
            token.insert(i, replacement);
        }
        let token: String = token.into_iter().collect();
        let body = serde_json::json!({"type": event_type, "signing_token": token, "system_id": "s", "id": "m", "data": {}}).to_string();
        let request = IngestRequest { method: "POST", path: "/pluralkit", headers: &[], body: body.as_bytes() };
        let decision = decide(&config(), &request, arrival());
        prop_assert!(matches!(decision, Decision::Reject { .. }), "accepted a mutated token: {decision:?}");
    }

    /// Every signed Discord body that `decide` queues decodes in the processor
    /// (typed, or `Unknown` with its raw data); anything else is refused as bad
    /// JSON or is a PING. The body's outer fields vary too: odd versions,
    /// webhook types, timestamps, and keys sent twice.
    #[test]
    fn signed_discord_bodies_that_are_queued_decode_in_the_processor(
        data in json_text(),
        event_type in prop::sample::select(discord_types()),
        version in prop::sample::select(vec!["1", "256", "\"1\"", "null", "-1", "1.5", "[1]"]),
        webhook_type in prop::sample::select(vec!["0", "1", "256", "18446744073709551615"]),
        timestamp in prop::sample::select(vec!["\"2024-10-18T14:42:53.064834\"", "\"yesterday\"", "5", "null"]),
        twice in prop::sample::select(vec!["", "version", "data", "timestamp", "type"]),
    ) {
        let extra_outer = if twice == "version" { format!(r#","version":{version}"#) } else { String::new() };
        let extra_inner = match twice {
            "data" => format!(r#","data":{data}"#),
            "timestamp" => format!(r#","timestamp":{timestamp}"#),
            "type" => format!(r#","type":"{event_type}""#),
            _ => String::new(),
        };
        let body = format!(
            r#"{{"version":{version}{extra_outer},"application_id":"77","type":{webhook_type},"event":{{"type":"{event_type}","timestamp":{timestamp},"data":{data}{extra_inner}}}}}"#
        );
        let ts = NOW.to_string();
        let sig = sign_discord_request(&SigningKey::from_bytes(&[1; 32]), &ts, body.as_bytes());
        let headers = [("x-signature-ed25519", sig.as_bytes()), ("x-signature-timestamp", ts.as_bytes())];
        let request = IngestRequest { method: "POST", path: "/discord", headers: &headers, body: body.as_bytes() };
        match decide(&config(), &request, arrival()) {
            Decision::Enqueue { event, .. } => {
                let decoded = Event::from_envelope(&event.envelope);
                prop_assert!(decoded.is_ok(), "queued but undecodable: {body}");
                prop_assert!(twice.is_empty(), "a key sent twice was queued: {body}");
            }
            Decision::Reject { rejection, .. } => prop_assert_eq!(rejection, switchboard::Rejection::InvalidJson),
            Decision::AcknowledgePing { .. } => prop_assert_eq!(webhook_type, "0"),
            Decision::Answer { .. } => prop_assert!(false, "a webhook event answered with a body: {body}"),
        }
    }

    /// No verified interaction body, however its type, ids, names and data
    /// are shaped, makes ingest answer anything but the table's answers, and
    /// every one queued decodes in the processor.
    #[test]
    fn a_verified_interaction_gets_only_the_tables_answers(
        kind in prop_oneof![(0u64..14).prop_map(|n| n.to_string()), json_text()],
        id in prop_oneof![Just(r#""1312345678901234567""#.to_string()), json_text()],
        token in prop_oneof![Just(r#""tok""#.to_string()), json_text()],
        name in prop_oneof![Just(r#""ping""#.to_string()), Just(r#""secret""#.to_string()), json_text()],
        data in json_text(),
        with_data in any::<bool>(),
    ) {
        let data_field = if with_data {
            format!(r#","data":{{"name":{name},"custom_id":{name},"options":{data}}}"#)
        } else {
            String::new()
        };
        let body = format!(
            r#"{{"type":{kind},"id":{id},"application_id":"77","token":{token}{data_field}}}"#
        );
        let ts = NOW.to_string();
        let sig = sign_discord_request(&SigningKey::from_bytes(&[1; 32]), &ts, body.as_bytes());
        let headers = [("x-signature-ed25519", sig.as_bytes()), ("x-signature-timestamp", ts.as_bytes())];
        let request = IngestRequest { method: "POST", path: "/discord/interactions", headers: &headers, body: body.as_bytes() };
        let mut config = config();
        if let Some(interactions) = &mut config.interactions {
            interactions.ephemeral.insert("secret".into());
        }
        use switchboard::interactions::InteractionAnswer as A;
        match decide(&config, &request, arrival()) {
            Decision::Answer { answer, .. } => {
                prop_assert!(answer == A::PONG || answer == A::NO_CHOICES, "{body} -> {}", answer.as_str());
            }
            Decision::Enqueue { event, answer, .. } => {
                let answer = answer.expect("an interaction is answered with a body");
                prop_assert!(
                    [A::DEFERRED_MESSAGE, A::DEFERRED_EPHEMERAL, A::DEFERRED_UPDATE].contains(&answer),
                    "{body} -> {}", answer.as_str()
                );
                prop_assert!(Event::from_envelope(&event.envelope).is_ok(), "queued but undecodable: {body}");
            }
            Decision::Reject { rejection, .. } => prop_assert_eq!(rejection.status(), 400, "{}", body),
            Decision::AcknowledgePing { .. } => prop_assert!(false, "an interaction acknowledged without a body: {body}"),
        }
    }

    /// Every authenticated PluralKit body that `decide` queues decodes in the
    /// processor, whatever its ids and data hold.
    #[test]
    fn pluralkit_bodies_that_are_queued_decode_in_the_processor(
        data in json_text(),
        system_id in json_text(),
        id in json_text(),
        event_type in prop::sample::select(pluralkit_types()),
    ) {
        let body = format!(
            r#"{{"type":"{event_type}","signing_token":"{TOKEN}","system_id":{system_id},"id":{id},"data":{data}}}"#
        );
        let request = IngestRequest { method: "POST", path: "/pluralkit", headers: &[], body: body.as_bytes() };
        match decide(&config(), &request, arrival()) {
            Decision::Enqueue { event, .. } => {
                prop_assert!(Event::from_envelope(&event.envelope).is_ok(), "queued but undecodable: {body}");
            }
            Decision::Reject { rejection, .. } => prop_assert_eq!(rejection, switchboard::Rejection::InvalidJson),
            Decision::AcknowledgePing { .. } => prop_assert_eq!(event_type, "PING"),
            Decision::Answer { .. } => prop_assert!(false, "a dispatch answered with a body: {body}"),
        }
    }

    /// The envelope round-trips: every field, and the payload's text, come
    /// back exactly, whatever the payload holds.
    #[test]
    fn the_envelope_round_trips(data in json_text(), event_type in "[A-Z_]{0,30}", pluralkit in any::<bool>()) {
        let payload = format!(r#"{{"type":"{event_type}","data":{data}}}"#);
        let raw = serde_json::value::RawValue::from_string(payload).unwrap();
        let sender = if pluralkit { switchboard::Sender::Pluralkit } else { switchboard::Sender::Discord };
        let original = switchboard::Envelope::new(sender, event_type.clone(), arrival(), raw);
        let text = original.to_json();
        let back = switchboard::Envelope::from_json(&text).unwrap();
        prop_assert_eq!(back.to_json(), text);
        prop_assert_eq!(back.id, original.id);
        prop_assert_eq!(back.source, original.source);
        prop_assert_eq!(back.event_type, original.event_type);
        prop_assert_eq!(back.received_at, original.received_at);
        prop_assert_eq!(back.dedupe_key, original.dedupe_key);
        prop_assert_eq!(back.payload.get(), original.payload.get());
    }

    /// Model parsing never panics on any JSON or any text.
    #[test]
    fn model_parsing_never_panics(data in json_text(), text in ".{0,200}", event_type in "[A-Z_]{0,30}") {
        let value: Option<serde_json::Value> = serde_json::from_str(&data).ok();
        let _ = discord::Event::from_parts(&event_type, value.as_ref());
        let _ = pluralkit::Event::from_parts(&event_type, value.as_ref());
        for known in discord_types() {
            let _ = discord::Event::from_parts(known, value.as_ref());
            let _ = discord::Event::from_parts_or_unknown(known, value.clone());
        }
        for known in pluralkit_types() {
            let _ = pluralkit::Event::from_parts_or_unknown(known, value.clone());
        }
        let _ = discord::WebhookEvent::from_json(&text);
        let _ = pluralkit::DispatchEvent::from_json(&text);
        let _ = discord::WebhookEvent::from_json(&data);
        let _ = pluralkit::DispatchEvent::from_json(&data);
    }
}
