#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The ingest decision for every status in the protocol, without any I/O.

use chrono::{DateTime, TimeZone, Utc};
use ed25519_dalek::SigningKey;
use switchboard::envelope::Arrival;
use switchboard::timestamp::SentAt;
use switchboard::{
    decide, discord, pluralkit, Decision, Envelope, IngestConfig, IngestRequest, Rejection, Sender,
};
use switchboard_devkit::{sign_discord_request, TestConfig};

const TOKEN: &str = "pk-test-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

fn now() -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000, 0).single().unwrap()
}

fn arrival() -> Arrival {
    Arrival {
        id: uuid::Uuid::now_v7(),
        at: now(),
    }
}

fn key() -> SigningKey {
    SigningKey::from_bytes(&[42; 32])
}

fn config() -> IngestConfig {
    TestConfig::new()
        .discord_key(&key())
        .pluralkit_token(TOKEN)
        .max_body_bytes(1024)
        .build()
}

fn discord(config: &IngestConfig, body: &str) -> Decision {
    let ts = now().timestamp().to_string();
    let sig = sign_discord_request(&key(), &ts, body.as_bytes());
    let headers = [
        ("X-Signature-Ed25519", sig.as_bytes()),
        ("x-signature-timestamp", ts.as_bytes()),
    ];
    let request = IngestRequest {
        method: "POST",
        path: "/discord",
        headers: &headers,
        body: body.as_bytes(),
    };
    decide(config, &request, arrival())
}

fn pluralkit(config: &IngestConfig, body: &str) -> Decision {
    let request = IngestRequest {
        method: "POST",
        path: "/pluralkit",
        headers: &[],
        body: body.as_bytes(),
    };
    decide(config, &request, arrival())
}

fn rejection(decision: &Decision) -> Option<Rejection> {
    match decision {
        Decision::Reject { rejection, .. } => Some(*rejection),
        _ => None,
    }
}

fn enqueued(decision: Decision) -> Envelope {
    match decision {
        Decision::Enqueue { event, .. } => event.envelope,
        other => panic!("expected Enqueue, got {other:?}"),
    }
}

const EVENT: &str = r#"{"version":1,"application_id":"77","type":1,"event":{"type":"ENTITLEMENT_CREATE","timestamp":"2024-10-18T18:41:21.109604","data":{"id":"1"}}}"#;

#[test]
fn discord_event_is_enqueued_with_raw_payload_and_attributes() {
    let decision = discord(&config(), EVENT);
    let Decision::Enqueue {
        sender,
        event,
        deadline,
        ..
    } = decision
    else {
        panic!("not enqueued")
    };
    assert_eq!((sender, deadline.as_secs()), (Sender::Discord, 2));
    assert_eq!(event.envelope.payload.get(), EVENT);
    assert_eq!(event.envelope.event_type, "ENTITLEMENT_CREATE");
    let names: Vec<_> = event
        .attributes
        .iter()
        .map(|a| (a.name, a.value.as_str()))
        .collect();
    let id = event.envelope.id.expect("every new envelope has an id");
    let id = id.hyphenated().to_string();
    assert_eq!(
        names,
        [
            ("event_id", id.as_str()),
            ("source", "discord"),
            ("event_type", "ENTITLEMENT_CREATE"),
            ("application_id", "77")
        ]
    );
}

#[test]
fn discord_ping_is_acknowledged_and_not_queued() {
    let decision = discord(&config(), r#"{"version":1,"application_id":"77","type":0}"#);
    assert!(matches!(
        decision,
        Decision::AcknowledgePing {
            sender: Sender::Discord
        }
    ));
}

#[test]
fn discord_unknown_type_is_queued() {
    let body = r#"{"version":1,"application_id":"77","type":1,"event":{"type":"NEW_THING","timestamp":"2024-10-18T18:41:21"}}"#;
    assert_eq!(enqueued(discord(&config(), body)).event_type, "NEW_THING");
}

#[test]
fn discord_signed_garbage_is_400_and_unsigned_is_401() {
    assert_eq!(
        rejection(&discord(&config(), "not json")),
        Some(Rejection::InvalidJson)
    );
    assert_eq!(
        rejection(&discord(&config(), r#"{"type":1}"#)),
        Some(Rejection::InvalidJson)
    );
    let request = IngestRequest {
        method: "POST",
        path: "/discord",
        headers: &[],
        body: EVENT.as_bytes(),
    };
    let decision = decide(&config(), &request, arrival());
    assert_eq!(rejection(&decision), Some(Rejection::MissingSignature));
    assert_eq!(Rejection::MissingSignature.status(), 401);
}

#[test]
fn stale_timestamp_is_refused() {
    let ts = (now().timestamp() - 901).to_string();
    let sig = sign_discord_request(&key(), &ts, EVENT.as_bytes());
    let headers = [
        ("x-signature-ed25519", sig.as_bytes()),
        ("x-signature-timestamp", ts.as_bytes()),
    ];
    let request = IngestRequest {
        method: "POST",
        path: "/discord",
        headers: &headers,
        body: EVENT.as_bytes(),
    };
    assert_eq!(
        rejection(&decide(&config(), &request, arrival())),
        Some(Rejection::StaleTimestamp)
    );
}

#[test]
fn routing_method_size_and_configuration() {
    let cases = [
        ("GET", "/discord", Rejection::MethodNotAllowed, 405),
        ("POST", "/elsewhere", Rejection::NotFound, 404),
    ];
    for (method, path, expected, status) in cases {
        let request = IngestRequest {
            method,
            path,
            headers: &[],
            body: b"{}",
        };
        let decision = decide(&config(), &request, arrival());
        assert_eq!(rejection(&decision), Some(expected));
        assert_eq!(expected.status(), status);
    }
    let big = vec![b'x'; 1025];
    let request = IngestRequest {
        method: "POST",
        path: "/pluralkit",
        headers: &[],
        body: &big,
    };
    assert_eq!(
        rejection(&decide(&config(), &request, arrival())),
        Some(Rejection::BodyTooLarge)
    );

    let mut only_pk = config();
    only_pk.discord = None;
    assert_eq!(
        rejection(&discord(&only_pk, EVENT)),
        Some(Rejection::SenderNotConfigured)
    );
}

#[test]
fn pluralkit_registration_handshake() {
    let good = format!(r#"{{"type":"PING","signing_token":"{TOKEN}","system_id":"s"}}"#);
    assert!(matches!(
        pluralkit(&config(), &good),
        Decision::AcknowledgePing {
            sender: Sender::Pluralkit
        }
    ));
    let random = r#"{"type":"PING","signing_token":"cmFuZG9tcmFuZG9tcmFuZG9tcmFuZG9tcmFuZG9tcmFuZG9tcmFuZG9tcmFuZG9t","system_id":"s"}"#;
    let decision = pluralkit(&config(), random);
    assert_eq!(rejection(&decision), Some(Rejection::BadToken));
    assert_eq!(Rejection::BadToken.status(), 401);
}

#[test]
fn pluralkit_event_is_queued_without_the_token() {
    let body = format!(
        r#"{{"type":"CREATE_SWITCH","signing_token":"{TOKEN}","system_id":"sys-1","id":"sw","data":{{"id":"sw","timestamp":"2026-01-01T00:00:00Z","members":["m"],"n":1.10}}}}"#
    );
    let decision = pluralkit(&config(), &body);
    let Decision::Enqueue {
        event, deadline, ..
    } = decision
    else {
        panic!("not enqueued")
    };
    assert_eq!(deadline.as_secs(), 8);
    let json = event.envelope.to_json();
    assert!(
        !json.contains(TOKEN) && !json.contains("signing_token"),
        "{json}"
    );
    assert!(
        json.contains(r#""n":1.10"#),
        "values stay byte-exact: {json}"
    );
    assert!(event
        .attributes
        .iter()
        .any(|a| a.name == "system_id" && a.value == "sys-1"));
}

#[test]
fn pluralkit_bad_tokens_and_bodies() {
    let cases = [
        (
            r#"{"type":"PING","system_id":"s"}"#.to_string(),
            Rejection::MissingToken,
        ),
        (
            r#"{"type":"PING","signing_token":null}"#.to_string(),
            Rejection::MissingToken,
        ),
        (
            r#"{"type":"PING","signing_token":7}"#.to_string(),
            Rejection::MissingToken,
        ),
        (
            format!(r#"{{"type":"PING","token":"{TOKEN}"}}"#),
            Rejection::MissingToken,
        ),
        (
            format!(r#"{{"type":"PING","signing_token":"{}"}}"#, &TOKEN[1..]),
            Rejection::BadToken,
        ),
        ("not json".to_string(), Rejection::InvalidJson),
        ("[]".to_string(), Rejection::InvalidJson),
        (
            format!(r#"{{"signing_token":"{TOKEN}"}}"#),
            Rejection::InvalidJson,
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(
            rejection(&pluralkit(&config(), &body)),
            Some(expected),
            "{body}"
        );
    }
}

#[test]
fn identical_pluralkit_requests_are_distinct_events() {
    // A member renamed A→B→A sends the first body twice: two events, two keys.
    let body = format!(
        r#"{{"type":"UPDATE_MEMBER","signing_token":"{TOKEN}","system_id":"s","id":"m","data":{{"name":"A"}}}}"#
    );
    let first = enqueued(pluralkit(&config(), &body));
    let third = enqueued(pluralkit(&config(), &body));
    assert_ne!(first.id, third.id);
    assert_ne!(first.dedupe_key, third.dedupe_key);
    assert_eq!(first.payload.get(), third.payload.get());
}

#[test]
fn identical_redelivery_has_the_same_dedupe_key() {
    let first = enqueued(discord(&config(), EVENT));
    let second = enqueued(discord(&config(), EVENT));
    assert_eq!(first.dedupe_key, second.dedupe_key);
}

#[test]
fn a_token_written_with_json_escapes_is_the_same_token() {
    // `p` as `\u0070`, and every `-` as `\u002d`.
    let escaped = TOKEN.replacen('p', "\\u0070", 1).replace('-', "\\u002d");
    let body = format!(r#"{{"type":"PING","signing_token":"{escaped}","system_id":"s"}}"#);
    assert!(matches!(
        pluralkit(&config(), &body),
        Decision::AcknowledgePing {
            sender: Sender::Pluralkit
        }
    ));
    let slashed = TestConfig::new().pluralkit_token("abc/def+ghi==").build();
    let body = r#"{"type":"PING","signing_token":"abc\/def+ghi==","system_id":"s"}"#;
    assert!(matches!(
        pluralkit(&slashed, body),
        Decision::AcknowledgePing { .. }
    ));
    let wrong = r#"{"type":"PING","signing_token":"abc\/def+ghi=!","system_id":"s"}"#;
    assert_eq!(
        rejection(&pluralkit(&slashed, wrong)),
        Some(Rejection::BadToken)
    );
}

#[test]
fn debug_of_a_request_shows_no_header_value_and_no_body() {
    let headers = [("x-signature-ed25519", b"deadbeef-signature".as_slice())];
    let body = format!(r#"{{"signing_token":"{TOKEN}"}}"#);
    let request = IngestRequest {
        method: "POST",
        path: "/pluralkit",
        headers: &headers,
        body: body.as_bytes(),
    };
    let shown = format!("{request:?}");
    assert!(
        !shown.contains("deadbeef") && !shown.contains(TOKEN),
        "{shown}"
    );
    assert!(shown.contains("x-signature-ed25519") && shown.contains("body_bytes"));
}

/// The processor's view of what `decide` queued.
fn decoded(decision: Decision) -> switchboard::Event {
    switchboard::Event::from_envelope(&enqueued(decision)).expect("the processor decodes it")
}

#[test]
fn the_reviews_bodies_are_refused_or_decode_in_the_processor() {
    let event_with = |outer: &str, inner: &str| {
        format!(
            r#"{{"version":1,"application_id":"77","type":1{outer},"event":{{"type":"ENTITLEMENT_CREATE","timestamp":"2024-10-18T18:41:21.109604","data":{{"id":"1"}}{inner}}}}}"#
        )
    };
    // A key sent twice is ambiguous; the models refuse it, so ingest does.
    for body in [
        event_with(r#","version":2"#, ""),
        event_with("", r#","data":{"id":"2"}"#),
        event_with("", r#","timestamp":"2024-10-18T18:41:22""#),
    ] {
        assert_eq!(
            rejection(&discord(&config(), &body)),
            Some(Rejection::InvalidJson),
            "{body}"
        );
    }
    // Odd versions and a wide webhook type decode.
    for version in ["256", r#""1""#] {
        let body = EVENT.replace(r#""version":1"#, &format!(r#""version":{version}"#));
        let switchboard::Event::Discord(event) = decoded(discord(&config(), &body)) else {
            panic!("not Discord")
        };
        assert!(matches!(event.event, discord::Event::EntitlementCreate(_)));
    }
    let wide = EVENT.replace(r#""type":1,"#, r#""type":256,"#);
    assert!(matches!(
        decoded(discord(&config(), &wide)),
        switchboard::Event::Discord(_)
    ));
    // An unparseable timestamp is kept as text.
    let yesterday = EVENT.replace("2024-10-18T18:41:21.109604", "yesterday");
    let switchboard::Event::Discord(event) = decoded(discord(&config(), &yesterday)) else {
        panic!("not Discord")
    };
    assert_eq!(event.timestamp, Some(SentAt::Text("yesterday".into())));
    // Data that does not fit its type's model is kept raw, as unknown.
    let misfit = EVENT.replace(r#""data":{"id":"1"}"#, r#""data":1"#);
    let event = decoded(discord(&config(), &misfit));
    assert!(event.is_unknown() && event.is_misfit());
    let switchboard::Event::Discord(webhook) = event else {
        panic!("not Discord")
    };
    assert_eq!(
        webhook.event,
        discord::Event::Unknown {
            event_type: "ENTITLEMENT_CREATE".into(),
            data: Some(serde_json::json!(1))
        }
    );
}

#[test]
fn pluralkit_events_with_odd_ids_or_data_decode_in_the_processor() {
    for (system_id, id, data) in [
        ("5", "null", r#"{"name":"A"}"#),
        (r#"{"x":1}"#, "[1]", r#"{"name":1}"#),
        (r#""s""#, r#""m""#, r#""my diary""#),
    ] {
        let body = format!(
            r#"{{"type":"CREATE_MEMBER","signing_token":"{TOKEN}","system_id":{system_id},"id":{id},"data":{data}}}"#
        );
        let switchboard::Event::Pluralkit(event) = decoded(pluralkit(&config(), &body)) else {
            panic!("not PluralKit")
        };
        if system_id == "5" {
            assert_eq!(event.system_id.as_deref(), Some("5"));
            assert!(matches!(event.event, pluralkit::Event::CreateMember(_)));
        } else if data.contains("diary") {
            assert!(event.event.is_unknown(), "kept raw: {body}");
        }
    }
}
