#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `process_batch` over SQS event fixtures, with handlers that succeed, fail
//! or panic on chosen records.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::{json, value::RawValue};
use switchboard::envelope::Arrival;
use switchboard::{
    discord, pluralkit, process_batch, Envelope, Event, EventContext, Handler, HandlerError,
    Registry, RegistryError, Sender,
};
use switchboard_devkit::{failed_ids, sqs_event};

const ENTITLEMENT: &str = r#"{"version":1,"application_id":"77","type":1,"event":{"type":"ENTITLEMENT_CREATE","timestamp":"2024-10-18T18:41:21.109604","data":{"id":"ent-1","user_id":"u"}}}"#;

fn envelope(source: Sender, event_type: &str, payload: &str) -> String {
    let raw = RawValue::from_string(payload.to_owned()).unwrap();
    Envelope::new(source, event_type.to_owned(), Arrival::now(), raw).to_json()
}

fn discord_envelope() -> String {
    envelope(Sender::Discord, "ENTITLEMENT_CREATE", ENTITLEMENT)
}

fn pluralkit_envelope(event_type: &str, id: &str) -> String {
    let payload = json!({"type": event_type, "system_id": "sys", "id": id, "data": {"name": "x"}})
        .to_string();
    envelope(Sender::Pluralkit, event_type, &payload)
}

/// Records what it saw; fails for ids in `fail`, panics for ids in `panic`.
#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<(String, u32, String)>>,
    fail: Vec<&'static str>,
    panic: Vec<&'static str>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

#[async_trait]
impl Handler for Recorder {
    async fn handle(&self, event: &Event, context: &EventContext) -> Result<(), HandlerError> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        let id = context.message_id.as_str();
        let subject = match event {
            Event::Discord(webhook) => format!("discord:{:?}", webhook.application_id),
            Event::Interaction(interaction) => format!("interaction:{}", interaction.id),
            Event::Pluralkit(dispatch) => format!("pluralkit:{:?}", dispatch.id),
        };
        self.seen
            .lock()
            .unwrap()
            .push((id.to_owned(), context.receive_count, subject));
        if self.panic.contains(&id) {
            panic!("handler bug for {id}");
        }
        if self.fail.contains(&id) {
            return Err(format!("chosen failure for {id}").into());
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_mixed_batch_reports_exactly_the_failed_ids() {
    let recorder = Arc::new(Recorder {
        fail: vec!["m3"],
        panic: vec!["m5"],
        ..Recorder::default()
    });
    let registry = Registry::new()
        .fallback(Arc::clone(&recorder))
        .build()
        .unwrap();
    let (d, p1, p2, p3) = (
        discord_envelope(),
        pluralkit_envelope("CREATE_MEMBER", "a"),
        pluralkit_envelope("UPDATE_MEMBER", "b"),
        pluralkit_envelope("DELETE_MEMBER", "c"),
    );
    let event = sqs_event(&[
        ("m1", &d),
        ("m2", &p1),
        ("m3", &p2),
        ("m4", "this is not an envelope"),
        ("m5", &p3),
        (
            "m6",
            r#"{"source":"discord","event_type":"X","received_at":"2026-01-01T00:00:00Z","dedupe_key":"k","payload":{"type":1}}"#,
        ),
    ]);
    let response = process_batch(&registry, event, 4, None).await;
    assert_eq!(failed_ids(&response), ["m3", "m4", "m5", "m6"]);
    let seen = recorder.seen.lock().unwrap();
    let mut seen_ids: Vec<_> = seen.iter().map(|(id, _, _)| id.as_str()).collect();
    seen_ids.sort();
    assert_eq!(
        seen_ids,
        ["m1", "m2", "m3", "m5"],
        "poison records never reach a handler"
    );
    assert!(seen.iter().all(|(_, count, _)| *count == 2));
    assert!(seen
        .iter()
        .any(|(id, _, subject)| id == "m1" && subject == "discord:Some(\"77\")"));
}

#[tokio::test]
async fn an_empty_batch_fails_nothing() {
    let registry = Registry::new()
        .fallback(switchboard::LogEvent)
        .build()
        .unwrap();
    let response = process_batch(&registry, sqs_event(&[]), 4, None).await;
    assert!(response.batch_item_failures.is_empty());
}

#[tokio::test]
async fn every_record_failing_reports_every_id() {
    let recorder = Arc::new(Recorder {
        fail: vec!["a", "b", "c"],
        ..Recorder::default()
    });
    let registry = Registry::new()
        .fallback(Arc::clone(&recorder))
        .build()
        .unwrap();
    let p = pluralkit_envelope("CREATE_GROUP", "g");
    let response = process_batch(
        &registry,
        sqs_event(&[("a", &p), ("b", &p), ("c", "{}")]),
        2,
        None,
    )
    .await;
    assert_eq!(failed_ids(&response), ["a", "b", "c"]);
}

#[tokio::test]
async fn routes_by_source_and_type_with_a_fallback_for_the_rest() {
    let routed = Arc::new(Recorder::default());
    let fallback = Arc::new(Recorder::default());
    let registry = Registry::new()
        .on(discord::EventType::EntitlementCreate, Arc::clone(&routed))
        .fallback(Arc::clone(&fallback))
        .build()
        .unwrap();
    let d = discord_envelope();
    let unknown = envelope(
        Sender::Discord,
        "BRAND_NEW",
        r#"{"version":1,"application_id":"77","type":1,"event":{"type":"BRAND_NEW","timestamp":"2024-10-18T18:41:21"}}"#,
    );
    let p = pluralkit_envelope("ENTITLEMENT_CREATE", "not-discord");
    let response = process_batch(
        &registry,
        sqs_event(&[("d", &d), ("u", &unknown), ("p", &p)]),
        3,
        None,
    )
    .await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(seen_ids(&routed), ["d"]);
    assert_eq!(seen_ids(&fallback), ["p", "u"]);
}

#[tokio::test]
async fn concurrency_is_bounded() {
    let recorder = Arc::new(Recorder::default());
    let registry = Registry::new()
        .fallback(Arc::clone(&recorder))
        .build()
        .unwrap();
    let p = pluralkit_envelope("CREATE_MEMBER", "a");
    let ids: Vec<String> = (0..20).map(|i| format!("r{i}")).collect();
    let records: Vec<(&str, &str)> = ids.iter().map(|id| (id.as_str(), p.as_str())).collect();
    let response = process_batch(&registry, sqs_event(&records), 3, None).await;
    assert!(response.batch_item_failures.is_empty());
    let max = recorder.max_in_flight.load(Ordering::SeqCst);
    assert!((2..=3).contains(&max), "max in flight {max}");
}

fn seen_ids(recorder: &Recorder) -> Vec<String> {
    let mut ids: Vec<_> = recorder
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.0.clone())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_handler_registered_for_a_type_the_models_do_not_know_is_called() {
    let routed = Arc::new(Recorder::default());
    let fallback = Arc::new(Recorder::default());
    let registry = Registry::new()
        .on(
            pluralkit::EventType::Unknown("UPDATE_GROUP_MEMBERS".into()),
            Arc::clone(&routed),
        )
        .on(discord::EventType::from("BRAND_NEW"), Arc::clone(&routed))
        .fallback(Arc::clone(&fallback))
        .build()
        .unwrap();
    let group_members = pluralkit_envelope("UPDATE_GROUP_MEMBERS", "g");
    let brand_new = envelope(
        Sender::Discord,
        "BRAND_NEW",
        r#"{"version":1,"application_id":"77","type":1,"event":{"type":"BRAND_NEW","timestamp":"2024-10-18T18:41:21"}}"#,
    );
    let other_unknown = pluralkit_envelope("SOMETHING_ELSE", "x");
    let response = process_batch(
        &registry,
        sqs_event(&[
            ("g", &group_members),
            ("n", &brand_new),
            ("o", &other_unknown),
        ]),
        3,
        None,
    )
    .await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(seen_ids(&routed), ["g", "n"]);
    assert_eq!(seen_ids(&fallback), ["o"]);
}

#[tokio::test]
async fn a_route_written_as_unknown_text_of_a_known_type_is_the_same_route() {
    let routed = Arc::new(Recorder::default());
    let registry = Registry::new()
        .on(
            discord::EventType::Unknown("ENTITLEMENT_CREATE".into()),
            Arc::clone(&routed),
        )
        .fallback(switchboard::LogEvent)
        .build()
        .unwrap();
    let d = discord_envelope();
    process_batch(&registry, sqs_event(&[("d", &d)]), 1, None).await;
    assert_eq!(seen_ids(&routed), ["d"]);
}

#[test]
fn a_registry_without_a_fallback_is_refused() {
    let refused = Registry::new()
        .on(discord::EventType::EntitlementCreate, switchboard::LogEvent)
        .build();
    assert_eq!(refused.err(), Some(RegistryError::NoFallback));
    assert!(RegistryError::NoFallback.to_string().contains("fallback"));
}

/// Hangs on the ids in `hang`, succeeds on the rest.
struct Hangs {
    hang: Vec<&'static str>,
    done: Mutex<Vec<String>>,
}

#[async_trait]
impl Handler for Hangs {
    async fn handle(&self, _event: &Event, context: &EventContext) -> Result<(), HandlerError> {
        if self.hang.contains(&context.message_id.as_str()) {
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
        self.done.lock().unwrap().push(context.message_id.clone());
        Ok(())
    }
}

#[tokio::test]
async fn a_record_that_runs_out_of_time_fails_alone() {
    let handler = Arc::new(Hangs {
        hang: vec!["h"],
        done: Mutex::new(Vec::new()),
    });
    let registry = Registry::new()
        .fallback(Arc::clone(&handler))
        .build()
        .unwrap();
    let d = discord_envelope();
    let p = pluralkit_envelope("CREATE_MEMBER", "m");
    let started = std::time::Instant::now();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(300);
    let response = process_batch(
        &registry,
        sqs_event(&[("a", &d), ("h", &p), ("b", &p)]),
        // A record cut off never started is retried too; two in flight let
        // the others pass the hanging one.
        2,
        Some(deadline),
    )
    .await;
    assert_eq!(failed_ids(&response), ["h"]);
    let mut done = handler.done.lock().unwrap().clone();
    done.sort();
    assert_eq!(
        done,
        ["a", "b"],
        "the others ran and are reported as they ended"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[tokio::test]
async fn failure_logs_name_the_category_and_position_never_the_payload_text() {
    // A payload whose outer field has the wrong type: serde's own message would quote it.
    let diary = envelope(
        Sender::Discord,
        "ENTITLEMENT_CREATE",
        r#"{"version":1,"type":"my diary entry","event":{"type":"ENTITLEMENT_CREATE"}}"#,
    );
    let failure = {
        let envelope = Envelope::from_json(&diary).unwrap();
        let error = Event::from_envelope(&envelope).unwrap_err();
        assert!(
            error.to_string().contains("diary"),
            "serde quotes the value"
        );
        switchboard::processor::RecordFailure::BadPayload(error.into())
    };
    let shown = failure.to_string();
    assert!(!shown.contains("diary"), "{shown}");
    assert!(shown.ends_with("data error at line 1 column 36"), "{shown}");
    let not_an_envelope = r#"{"source":"my diary entry","event_type":"X"}"#;
    let error = Envelope::from_json(not_an_envelope).unwrap_err();
    assert!(
        error.to_string().contains("diary"),
        "serde quotes the value"
    );
    let shown = switchboard::processor::RecordFailure::NotAnEnvelope(error.into()).to_string();
    assert!(!shown.contains("diary"), "{shown}");
    let not_json = switchboard::processor::DecodeError::from(
        Envelope::from_json(r#"{"source":"discord","payload":"my diary"#).unwrap_err(),
    );
    assert_eq!(
        not_json.to_string(),
        "end-of-input error at line 1 column 39"
    );
    assert!(!format!("{failure:?}").contains("diary"));
    let registry = Registry::new()
        .fallback(switchboard::LogEvent)
        .build()
        .unwrap();
    let response = process_batch(
        &registry,
        sqs_event(&[("x", &diary), ("y", not_an_envelope)]),
        1,
        None,
    )
    .await;
    assert_eq!(failed_ids(&response), ["x", "y"]);
}
