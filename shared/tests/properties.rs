#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The fuzz targets' properties, run briefly as proptests in `make test`
//! (`make fuzz` runs the coverage-guided fuzzers for longer).

use chrono::{TimeZone, Utc};
use ed25519_dalek::SigningKey;
use proptest::prelude::*;
use switchboard::{decide, discord, pluralkit, Decision, IngestConfig, IngestRequest};
use switchboard_devkit::{sign_discord_request, TestConfig};

const NOW: i64 = 1_700_000_000;
const TOKEN: &str = "cHJvcGVydHktdG9rZW4tcHJvcGVydHktdG9rZW4tcHJvcGVydHktdG9rZW4tcHJvcGU";

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
        let decision = decide(&config(), &request, Utc.timestamp_opt(NOW, 0).unwrap());
        prop_assert!(matches!(decision, Decision::Reject { .. }), "accepted: {decision:?}");
    }

    /// A correctly signed body is either refused as bad JSON, or accepted with a
    /// payload the processor can decode as JSON.
    #[test]
    fn signed_bodies_are_refused_or_decodable(body in json_text(), event_type in prop::sample::select(discord_types())) {
        let body = format!(r#"{{"version":1,"type":1,"event":{{"type":"{event_type}","timestamp":"2024-10-18T14:42:53","data":{body}}}}}"#);
        let ts = NOW.to_string();
        let sig = sign_discord_request(&SigningKey::from_bytes(&[1; 32]), &ts, body.as_bytes());
        let headers = [("x-signature-ed25519", sig.as_bytes()), ("x-signature-timestamp", ts.as_bytes())];
        let request = IngestRequest { method: "POST", path: "/discord", headers: &headers, body: body.as_bytes() };
        match decide(&config(), &request, Utc.timestamp_opt(NOW, 0).unwrap()) {
            Decision::Enqueue { event, .. } => {
                prop_assert!(serde_json::from_str::<serde_json::Value>(event.envelope.payload.get()).is_ok());
                let _ = discord::WebhookEvent::from_json(event.envelope.payload.get());
            }
            Decision::Reject { rejection, .. } => prop_assert_eq!(rejection, switchboard::Rejection::InvalidJson),
            other => prop_assert!(false, "unexpected {:?}", other),
        }
    }

    /// Model parsing never panics on any JSON or any text.
    #[test]
    fn model_parsing_never_panics(data in json_text(), text in ".{0,200}", event_type in "[A-Z_]{0,30}") {
        let value: Option<serde_json::Value> = serde_json::from_str(&data).ok();
        let _ = discord::Event::from_parts(&event_type, value.clone());
        let _ = pluralkit::Event::from_parts(&event_type, value);
        for known in discord_types() {
            let _ = discord::Event::from_parts(known, serde_json::from_str(&data).ok());
        }
        let _ = discord::WebhookEvent::from_json(&text);
        let _ = pluralkit::DispatchEvent::from_json(&text);
        let _ = discord::WebhookEvent::from_json(&data);
        let _ = pluralkit::DispatchEvent::from_json(&data);
    }
}
