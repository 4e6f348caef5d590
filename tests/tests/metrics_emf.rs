#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The metrics ingest and the processor write, for a mixed run against moto:
//! every flushed line is valid CloudWatch EMF (the `_aws` block with the
//! `Switchboard` namespace, dimension sets, metric names and units, and a value
//! for each metric), and the counts are what happened. One test: the
//! collector is the process's one `metrics` recorder.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Utc;
use ed25519_dalek::SigningKey;
use ingest::Ingest;
use serde_json::{json, Value};
use switchboard::config::{
    DISCORD_PUBLIC_KEY, IDEMPOTENCY_TABLE, PLURALKIT_SIGNING_TOKEN, QUEUE_URL,
};
use switchboard::queue::sqs::SqsQueue;
use switchboard::telemetry::Metrics;
use switchboard::{IngestConfig, LogEvent, ProcessorConfig, Registry};
use switchboard_devkit::{
    create_idempotency_table, create_queues, discord_signature_headers, failed_ids, fixture,
    local_aws_settings, local_dynamodb_client, local_sdk_config, local_sqs_client, sqs_event,
    HttpRequest, MotoServer,
};
use switchboard_tests::{drain_view, DriveIngest};

const TOKEN: &str = "bWV0cmljcy10b2tlbi1tZXRyaWNzLXRva2VuLW1ldHJpY3MtdG9rZW4tbWV0cmljcw";

fn key() -> SigningKey {
    SigningKey::from_bytes(&[9; 32])
}

fn discord(body: &str, key: &SigningKey) -> HttpRequest {
    let ts = Utc::now().timestamp().to_string();
    HttpRequest::post("/discord", body.as_bytes()).headers(discord_signature_headers(
        key,
        &ts,
        body.as_bytes(),
    ))
}

fn pluralkit(event_type: &str, id: &str, token: &str) -> HttpRequest {
    let body = json!({"type": event_type, "signing_token": token, "system_id": "s", "id": id,
        "data": {"name": "n"}});
    HttpRequest::post("/pluralkit", body.to_string())
}

/// Values by metric name and dimensions (name, value).
type Emitted = BTreeMap<(String, Vec<(String, String)>), Vec<f64>>;

/// Each EMF document's `(metric, dimensions) → values`, after checking it is
/// a valid EMF document.
fn parse_emf(text: &str) -> Emitted {
    let mut found = BTreeMap::new();
    for line in text.lines() {
        let doc: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let aws = &doc["_aws"];
        assert!(aws["Timestamp"].as_u64().is_some(), "{line}");
        let directive = &aws["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "Switchboard", "{line}");
        let dimension_names: Vec<String> = directive["Dimensions"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap().to_owned())
            .collect();
        assert!(
            !dimension_names.is_empty() && dimension_names.len() <= 2,
            "{line}"
        );
        let dimensions: Vec<(String, String)> = dimension_names
            .iter()
            .map(|name| {
                let value = doc[name]
                    .as_str()
                    .unwrap_or_else(|| panic!("no {name}: {line}"));
                (name.clone(), value.to_owned())
            })
            .collect();
        for metric in directive["Metrics"].as_array().unwrap() {
            let name = metric["Name"].as_str().unwrap().to_owned();
            let unit = metric["Unit"].as_str().unwrap_or("");
            let expected_unit = if matches!(name.as_str(), "Requests" | "Events") {
                "Count"
            } else {
                "Milliseconds"
            };
            assert_eq!(unit, expected_unit, "{name}: {line}");
            let values = match &doc[&name] {
                Value::Array(values) => values.iter().map(|v| v.as_f64().unwrap()).collect(),
                value => vec![value
                    .as_f64()
                    .unwrap_or_else(|| panic!("no {name}: {line}"))],
            };
            found.insert((name, dimensions.clone()), values);
        }
    }
    found
}

fn dims(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mixed_run_writes_valid_emf_with_the_counts_that_happened() {
    let metrics = Metrics::install().unwrap();
    let server = MotoServer::start();
    let endpoint = server.endpoint();
    let sqs = local_sqs_client(&endpoint);
    let queue_url = create_queues(&sqs, "metrics-events", 5, 30)
        .await
        .unwrap()
        .queue_url;
    create_idempotency_table(&local_dynamodb_client(&endpoint), "metrics-seen")
        .await
        .unwrap();

    // Ingest: 2 Discord events queued, 1 bad signature; 2 PluralKit events
    // queued, 1 bad token, 1 PING; 1 request to no route.
    let public_key = hex::encode(key().verifying_key().to_bytes());
    let config = IngestConfig::from_lookup(|name| match name {
        QUEUE_URL => Some(queue_url.clone()),
        DISCORD_PUBLIC_KEY => Some(public_key.clone()),
        PLURALKIT_SIGNING_TOKEN => Some(TOKEN.to_owned()),
        _ => None,
    })
    .unwrap();
    let aws = local_aws_settings(&endpoint);
    let ingest = Arc::new(Ingest::new(
        config,
        SqsQueue::new(SqsQueue::client_for_ingest(&aws), queue_url.clone()),
    ));
    let entitlement = fixture(switchboard::Sender::Discord, "ENTITLEMENT_CREATE").unwrap();
    let authorized = fixture(switchboard::Sender::Discord, "APPLICATION_AUTHORIZED").unwrap();
    let stranger = SigningKey::from_bytes(&[1; 32]);
    for (request, status) in [
        (discord(&entitlement, &key()), 204),
        (discord(&authorized, &key()), 204),
        (discord(&entitlement, &stranger), 401),
        (pluralkit("CREATE_MEMBER", "m1", TOKEN), 200),
        (pluralkit("NEW_KIND_OF_EVENT", "m2", TOKEN), 200),
        (pluralkit("CREATE_MEMBER", "m3", "wrong"), 401),
        (pluralkit("PING", "p", TOKEN), 200),
        (HttpRequest::post("/elsewhere", "{}"), 404),
        // Refused on the raw event, before the decision: counted too.
        (HttpRequest::post("/pluralkit", "x".repeat(200_000)), 413),
    ] {
        assert_eq!(ingest.answer(request).await.status, status);
    }
    let mut written = Vec::new();
    metrics.flush(&mut written);
    let ingest_metrics = parse_emf(&String::from_utf8(written).unwrap());
    let requests = |sender: &str, outcome: &str| {
        ingest_metrics
            .get(&(
                "Requests".into(),
                dims(&[("Outcome", outcome), ("Sender", sender)]),
            ))
            .or_else(|| {
                ingest_metrics.get(&(
                    "Requests".into(),
                    dims(&[("Sender", sender), ("Outcome", outcome)]),
                ))
            })
            .map(|values| values.iter().sum::<f64>())
    };
    assert_eq!(requests("discord", "queued"), Some(2.0));
    assert_eq!(requests("discord", "bad_signature"), Some(1.0));
    assert_eq!(requests("pluralkit", "queued"), Some(2.0));
    assert_eq!(requests("pluralkit", "bad_token"), Some(1.0));
    assert_eq!(requests("pluralkit", "ping"), Some(1.0));
    assert_eq!(requests("none", "not_found"), Some(1.0));
    assert_eq!(requests("pluralkit", "body_too_large"), Some(1.0));
    let latencies = |sender: &str| {
        ingest_metrics[&("EnqueueLatency".into(), dims(&[("Sender", sender)]))].len()
    };
    assert_eq!((latencies("discord"), latencies("pluralkit")), (2, 2));

    // The processor, guarded: the 4 queued events, one of them again (a
    // duplicate), and a record that is not an envelope.
    let queued = drain_view(&sqs, &queue_url).await;
    assert_eq!(queued.len(), 4);
    let mut records: Vec<(String, String)> = queued
        .iter()
        .map(|m| {
            (
                m.message_id().unwrap().to_owned(),
                m.body().unwrap().to_owned(),
            )
        })
        .collect();
    records.push(("again".into(), records[0].1.clone()));
    records.push(("broken".into(), "not an envelope".into()));
    let config = ProcessorConfig::from_lookup(|name| {
        (name == IDEMPOTENCY_TABLE).then(|| "metrics-seen".to_owned())
    })
    .unwrap();
    let registry = Registry::new().fallback(LogEvent).build().unwrap();
    let processor = processor::build_with(&config, registry, &local_sdk_config(&endpoint)).unwrap();
    let first: Vec<(&str, &str)> = records[..4]
        .iter()
        .map(|(i, b)| (i.as_str(), b.as_str()))
        .collect();
    let rest: Vec<(&str, &str)> = records[4..]
        .iter()
        .map(|(i, b)| (i.as_str(), b.as_str()))
        .collect();
    assert!(failed_ids(&processor.process(sqs_event(&first), None).await).is_empty());
    assert_eq!(
        failed_ids(&processor.process(sqs_event(&rest), None).await),
        ["broken"]
    );
    let mut written = Vec::new();
    metrics.flush(&mut written);
    let processor_metrics = parse_emf(&String::from_utf8(written).unwrap());
    let events = |sender: &str, outcome: &str| {
        processor_metrics
            .iter()
            .filter(|((name, dimensions), _)| {
                name == "Events"
                    && dimensions.contains(&("Sender".into(), sender.into()))
                    && dimensions.contains(&("Outcome".into(), outcome.into()))
            })
            .map(|(_, values)| values.iter().sum::<f64>())
            .sum::<f64>()
    };
    let discord_sender = records[0].1.contains(r#""source":"discord""#);
    let again = if discord_sender {
        "discord"
    } else {
        "pluralkit"
    };
    assert_eq!(events(again, "duplicate"), 1.0);
    assert_eq!(events("pluralkit", "unknown"), 1.0, "NEW_KIND_OF_EVENT");
    assert_eq!(events("discord", "handled"), 2.0);
    assert_eq!(events("pluralkit", "handled"), 1.0);
    assert_eq!(events("none", "failed"), 1.0, "the broken record");
    for name in ["EventAge", "HandlerDuration"] {
        let samples: usize = processor_metrics
            .iter()
            .filter(|((metric, _), _)| metric == name)
            .map(|(_, values)| values.len())
            .sum();
        assert_eq!(samples, 4, "{name}: one per event handled");
    }
    let ages: Vec<f64> = processor_metrics
        .iter()
        .filter(|((metric, _), _)| metric == "EventAge")
        .flat_map(|(_, values)| values.clone())
        .collect();
    assert!(
        ages.iter().all(|age| (0.0..60_000.0).contains(age)),
        "{ages:?}"
    );
}
