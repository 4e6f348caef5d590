#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Exactly-once handling against moto's server (SQS and DynamoDB): the real
//! ingest, the real queue, the processor with the DynamoDB idempotency store.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::Utc;
use ed25519_dalek::SigningKey;
use ingest::Ingest;
use serde_json::json;
use switchboard::config::{DISCORD_PUBLIC_KEY, PLURALKIT_SIGNING_TOKEN, QUEUE_URL};
use switchboard::queue::sqs::SqsQueue;
use switchboard::store::dynamodb::DynamoDbStore;
use switchboard::{
    Envelope, Event, EventContext, Handler, HandlerError, Idempotency, IngestConfig, Processor,
    Registry,
};
use switchboard_devkit::event_source::LocalEventSource;
use switchboard_devkit::{
    create_idempotency_table, create_queues, discord_signature_headers, failed_ids, free_port,
    local_aws_settings, local_dynamodb_client, local_sqs_client, sqs_event, HttpRequest,
    MotoServer, Queues,
};
use switchboard_tests::proxy::TcpProxy;
use switchboard_tests::DriveIngest;

const TOKEN: &str = "aWRlbXBvdGVudC10b2tlbi1pZGVtcG90ZW50LXRva2VuLWlkZW1wb3RlbnQtdG9rZW4";

fn key() -> SigningKey {
    SigningKey::from_bytes(&[61; 32])
}

/// Counts the runs per dedupe key; fails the first run of the keys in
/// `fail_once`; takes 300 ms over the keys in `slow`, so a twin's claim
/// surely lands while it runs.
#[derive(Default)]
struct Counting {
    runs: Mutex<Vec<String>>,
    fail_once: Mutex<Vec<String>>,
    slow: Mutex<Vec<String>>,
}

#[async_trait]
impl Handler for Counting {
    async fn handle(&self, _event: &Event, context: &EventContext) -> Result<(), HandlerError> {
        assert!(context.guarded, "the store guards every record");
        self.runs.lock().unwrap().push(context.dedupe_key.clone());
        let slow = self.slow.lock().unwrap().contains(&context.dedupe_key);
        if slow {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        let mut fail_once = self.fail_once.lock().unwrap();
        if let Some(at) = fail_once.iter().position(|k| *k == context.dedupe_key) {
            fail_once.remove(at);
            return Err("chosen failure".into());
        }
        Ok(())
    }
}

impl Counting {
    fn runs_of(&self, key: &str) -> usize {
        self.runs
            .lock()
            .unwrap()
            .iter()
            .filter(|k| *k == key)
            .count()
    }
}

struct Harness {
    server: MotoServer,
    sqs: aws_sdk_sqs::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    queues: Queues,
    table: String,
    handler: Arc<Counting>,
}

impl Harness {
    async fn start(name: &str) -> Self {
        let server = MotoServer::start();
        let sqs = local_sqs_client(&server.endpoint());
        let dynamodb = local_dynamodb_client(&server.endpoint());
        let queues = create_queues(&sqs, name, 5, 1).await.unwrap();
        let table = format!("{name}-seen");
        create_idempotency_table(&dynamodb, &table).await.unwrap();
        Self {
            server,
            sqs,
            dynamodb,
            queues,
            table,
            handler: Arc::new(Counting::default()),
        }
    }

    /// The processor on DynamoDB at `endpoint` (moto, or a proxy in front of it).
    fn processor(&self, endpoint: &str) -> Processor {
        let registry = Registry::new()
            .fallback(Arc::clone(&self.handler))
            .build()
            .unwrap();
        let store = DynamoDbStore::new(local_dynamodb_client(endpoint), self.table.clone());
        Processor::new(registry, 4).with_idempotency(Idempotency::new(Arc::new(store)))
    }

    fn ingest(&self) -> Arc<Ingest<SqsQueue>> {
        let public_key = hex::encode(key().verifying_key().to_bytes());
        let config = IngestConfig::from_lookup(|name| match name {
            QUEUE_URL => Some(self.queues.queue_url.clone()),
            DISCORD_PUBLIC_KEY => Some(public_key.clone()),
            PLURALKIT_SIGNING_TOKEN => Some(TOKEN.to_owned()),
            _ => None,
        })
        .unwrap();
        let settings = local_aws_settings(&self.server.endpoint());
        Arc::new(Ingest::new(
            config,
            SqsQueue::new(
                SqsQueue::client_for_ingest(&settings),
                self.queues.queue_url.clone(),
            ),
        ))
    }

    /// Puts envelopes on the queue, as ingest would have.
    async fn enqueue(&self, bodies: &[String]) {
        for body in bodies {
            self.sqs
                .send_message()
                .queue_url(&self.queues.queue_url)
                .message_body(body)
                .send()
                .await
                .unwrap();
        }
    }

    /// Polls as Lambda's event source does until the queue stays empty.
    async fn drain(&self, processor: &Processor) -> (usize, usize) {
        let source = LocalEventSource::new(self.sqs.clone(), self.queues.queue_url.clone())
            .await
            .unwrap();
        let (mut received, mut failed, mut idle) = (0, 0, 0);
        while idle < 3 {
            let outcome = source
                .poll_once(|event| async {
                    Ok::<_, std::convert::Infallible>(processor.process(event, None).await)
                })
                .await
                .unwrap();
            received += outcome.received;
            failed += outcome.failed;
            idle = if outcome.received == 0 { idle + 1 } else { 0 };
        }
        (received, failed)
    }

    async fn status(&self, key: &str) -> Option<String> {
        self.dynamodb
            .get_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(key.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item?
            .get("status")?
            .as_s()
            .ok()
            .cloned()
    }
}

fn discord_event(id: &str) -> String {
    json!({"version": 1, "application_id": "1", "type": 1, "event": {"type": "ENTITLEMENT_CREATE",
        "timestamp": "2024-10-18T18:41:21.109604", "data": {"id": id}}})
    .to_string()
}

/// A queued Discord event, as ingest would have built it.
fn discord_envelope(id: &str) -> String {
    let payload = serde_json::value::RawValue::from_string(discord_event(id)).unwrap();
    Envelope::new(
        switchboard::Sender::Discord,
        "ENTITLEMENT_CREATE".into(),
        switchboard::envelope::Arrival::now(),
        payload,
    )
    .to_json()
}

/// Hands `records` to the processor as one batch; the ids it failed.
async fn run(processor: &Processor, records: &[(&str, &str)]) -> Vec<String> {
    failed_ids(&processor.process(sqs_event(records), None).await)
}

fn key_of(body: &str) -> String {
    Envelope::from_json(body).unwrap().dedupe_key
}

#[tokio::test(flavor = "multi_thread")]
async fn a_discord_retry_runs_the_handler_once_and_a_repeated_pluralkit_payload_twice() {
    let harness = Harness::start("identity").await;
    let ingest = harness.ingest();
    // 1. Discord sends the same event twice (a retry: same body, signed again).
    let body = discord_event("ent-1");
    for _ in 0..2 {
        let ts = Utc::now().timestamp().to_string();
        let request = HttpRequest::post("/discord", body.as_str())
            .headers(discord_signature_headers(&key(), &ts, body.as_bytes()));
        assert_eq!(ingest.answer(request).await.status, 204);
    }
    // 2. PluralKit sends the same payload twice: a rename A→B→A, say.
    let pk = json!({"type": "UPDATE_MEMBER", "signing_token": TOKEN, "system_id": "s", "id": "m",
        "data": {"name": "A"}})
    .to_string();
    for _ in 0..2 {
        let answer = ingest
            .answer(HttpRequest::post("/pluralkit", pk.as_str()))
            .await;
        assert_eq!(answer.status, 200);
    }
    let (received, failed) = harness
        .drain(&harness.processor(&harness.server.endpoint()))
        .await;
    // In one batch, the retry finds its twin in progress and comes back once.
    assert_eq!(
        received - failed,
        4,
        "all four acknowledged in the end: {received} received, {failed} failed"
    );
    let left = switchboard_tests::drain_view(&harness.sqs, &harness.queues.queue_url).await;
    let dead = switchboard_tests::drain_view(&harness.sqs, &harness.queues.dlq_url).await;
    assert!(left.is_empty() && dead.is_empty());
    let runs = harness.handler.runs.lock().unwrap().clone();
    let mut per_key: HashMap<&str, usize> = HashMap::new();
    for key in &runs {
        *per_key.entry(key.as_str()).or_default() += 1;
    }
    let mut counts: Vec<usize> = per_key.values().copied().collect();
    counts.sort_unstable();
    assert_eq!(
        counts,
        [1, 1, 1],
        "the Discord event once, each PluralKit event once"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn redelivery_failure_and_concurrency_run_each_event_once() {
    let harness = Harness::start("redelivery").await;
    let processor = harness.processor(&harness.server.endpoint());
    let envelope = discord_envelope;

    // 3. One message delivered twice: after a success, and after a success
    // whose delete was lost (the same message comes back).
    let once = envelope("once");
    assert_eq!(run(&processor, &[("m1", &once)]).await.len(), 0);
    assert_eq!(run(&processor, &[("m1", &once)]).await.len(), 0);
    assert_eq!(harness.handler.runs_of(&key_of(&once)), 1);

    // 4. A handler fails once, then succeeds on the redelivery.
    let flaky = envelope("flaky");
    harness
        .handler
        .fail_once
        .lock()
        .unwrap()
        .push(key_of(&flaky));
    assert_eq!(run(&processor, &[("m2", &flaky)]).await.len(), 1);
    assert_eq!(
        harness.status(&key_of(&flaky)).await,
        None,
        "the claim was released"
    );
    assert_eq!(run(&processor, &[("m2", &flaky)]).await.len(), 0);
    assert_eq!(harness.handler.runs_of(&key_of(&flaky)), 2);
    assert_eq!(
        harness.status(&key_of(&flaky)).await.as_deref(),
        Some("COMPLETED")
    );

    // 5. The same key twice in one batch, and in two concurrent batches.
    let twice = envelope("twice");
    harness.handler.slow.lock().unwrap().push(key_of(&twice));
    let failures = run(&processor, &[("a", &twice), ("b", &twice)]).await;
    assert_eq!(
        failures.len(),
        1,
        "one runs, the other finds it in progress"
    );
    assert_eq!(harness.handler.runs_of(&key_of(&twice)), 1);
    let retry = failures[0].clone();
    assert_eq!(run(&processor, &[(&retry, &twice)]).await.len(), 0);
    assert_eq!(
        harness.handler.runs_of(&key_of(&twice)),
        1,
        "the retry is a duplicate"
    );
    let concurrent = envelope("concurrent");
    harness
        .handler
        .slow
        .lock()
        .unwrap()
        .push(key_of(&concurrent));
    let (first, second) = ([("c1", concurrent.as_str())], [("c2", concurrent.as_str())]);
    let (one, two) = tokio::join!(run(&processor, &first), run(&processor, &second));
    assert_eq!(harness.handler.runs_of(&key_of(&concurrent)), 1);
    assert_eq!(one.len() + two.len(), 1);

    // 7. A claim left by a crashed invocation is taken over once it expires.
    let crashed = envelope("crashed");
    let expired = Utc::now() - chrono::Duration::seconds(5);
    harness
        .dynamodb
        .put_item()
        .table_name(&harness.table)
        .item("id", AttributeValue::S(key_of(&crashed)))
        .item("status", AttributeValue::S("IN_PROGRESS".into()))
        .item(
            "expiration",
            AttributeValue::N((expired.timestamp() + 3600).to_string()),
        )
        .item(
            "in_progress_expiration",
            AttributeValue::N(expired.timestamp_millis().to_string()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(run(&processor, &[("x", &crashed)]).await.len(), 0);
    assert_eq!(harness.handler.runs_of(&key_of(&crashed)), 1);

    // 8. An envelope from before ids: no `id`, the content key; it is processed.
    let old = r#"{"source":"pluralkit","event_type":"DELETE_ALL_SWITCHES","received_at":"2026-11-23T20:14:11Z","dedupe_key":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","payload":{"type":"DELETE_ALL_SWITCHES","system_id":"s","id":null,"data":null}}"#;
    assert!(run(&processor, &[("old", old)]).await.is_empty());
    assert_eq!(harness.handler.runs_of(&key_of(old)), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_store_down_mid_stream_loses_nothing_and_handles_each_event_once() {
    let harness = Harness::start("store-outage").await;
    let mut proxy = TcpProxy::start(free_port().unwrap(), harness.server.port).await;
    let processor = harness.processor(&proxy.endpoint());
    const EVENTS: usize = 30;
    let bodies: Vec<String> = (0..EVENTS)
        .map(|n| discord_envelope(&format!("e{n}")))
        .collect();
    harness.enqueue(&bodies[..EVENTS / 2]).await;
    let (first, first_failed) = harness.drain(&processor).await;
    assert_eq!((first, first_failed), (EVENTS / 2, 0));

    // 6. The store goes away: the records fail (their handlers never run).
    proxy.stop().await;
    harness.enqueue(&bodies[EVENTS / 2..]).await;
    let source = LocalEventSource::new(harness.sqs.clone(), harness.queues.queue_url.clone())
        .await
        .unwrap();
    let outage = source
        .poll_once(|event| async {
            Ok::<_, std::convert::Infallible>(processor.process(event, None).await)
        })
        .await
        .unwrap();
    assert!(
        outage.received > 0 && outage.failed == outage.received,
        "{outage:?}"
    );
    assert_eq!(
        harness.handler.runs.lock().unwrap().len(),
        EVENTS / 2,
        "nothing ran unguarded"
    );

    // Back: every event is handled, each exactly once.
    proxy.resume().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    harness.drain(&processor).await;
    let runs = harness.handler.runs.lock().unwrap().clone();
    let distinct: std::collections::HashSet<_> = runs.iter().collect();
    assert_eq!(runs.len(), EVENTS, "each of the {EVENTS} events once");
    assert_eq!(distinct.len(), EVENTS);
}
