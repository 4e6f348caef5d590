#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The processor against a real SQS-compatible server (moto): batches arrive in
//! Lambda's `SqsEvent` shape, successes are deleted, failures reappear, and
//! after the redeliveries the poison message sits in the DLQ and nothing else.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::{json, value::RawValue};
use switchboard::envelope::Arrival;
use switchboard::{
    process_batch, Envelope, Event, EventContext, Handler, HandlerError, Registry, Sender,
};
use switchboard_devkit::event_source::LocalEventSource;
use switchboard_devkit::{create_queues, local_sqs_client as sqs_client, MotoServer};
use switchboard_tests::drain_view;

/// Succeeds, except that it fails the first delivery of events whose id starts
/// with `flaky`. Counts successful handlings per dedupe key.
#[derive(Default)]
struct FlakyOnce {
    handled: Mutex<HashMap<String, u32>>,
    attempts: Mutex<HashMap<String, u32>>,
}

#[async_trait]
impl Handler for FlakyOnce {
    async fn handle(&self, event: &Event, context: &EventContext) -> Result<(), HandlerError> {
        let Event::Pluralkit(dispatch) = event else {
            return Err("unexpected source".into());
        };
        let attempt = {
            let mut attempts = self.attempts.lock().unwrap();
            let count = attempts.entry(context.dedupe_key.clone()).or_default();
            *count += 1;
            *count
        };
        if dispatch
            .id
            .as_deref()
            .is_some_and(|id| id.starts_with("flaky"))
            && attempt == 1
        {
            return Err("transient failure on first delivery".into());
        }
        *self
            .handled
            .lock()
            .unwrap()
            .entry(context.dedupe_key.clone())
            .or_default() += 1;
        Ok(())
    }
}

fn envelope_for(id: &str) -> String {
    let payload =
        json!({"type": "UPDATE_MEMBER", "system_id": "sys", "id": id, "data": {"name": "n"}})
            .to_string();
    let payload = RawValue::from_string(payload).unwrap();
    Envelope::new(
        Sender::Pluralkit,
        "UPDATE_MEMBER".into(),
        Arrival::now(),
        payload,
    )
    .to_json()
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_reappear_and_poison_ends_in_the_dlq() {
    let server = MotoServer::start();
    let client = sqs_client(&server.endpoint());
    let queues = create_queues(&client, "processor-events", 2, 1)
        .await
        .unwrap();

    let mut bodies: Vec<String> = (0..12)
        .map(|i| envelope_for(&format!("member-{i}")))
        .collect();
    bodies.extend((0..3).map(|i| envelope_for(&format!("flaky-{i}"))));
    bodies.push("{\"not\": \"an envelope\"}".to_owned());
    for body in &bodies {
        client
            .send_message()
            .queue_url(&queues.queue_url)
            .message_body(body)
            .send()
            .await
            .unwrap();
    }
    let sent = bodies.len();

    let handler = std::sync::Arc::new(FlakyOnce::default());
    let registry = Registry::new()
        .fallback(std::sync::Arc::clone(&handler))
        .build()
        .unwrap();
    let source = LocalEventSource::new(client.clone(), queues.queue_url.clone())
        .await
        .unwrap();

    let started = Instant::now();
    let mut idle_polls = 0;
    let (mut received, mut failed) = (0, 0);
    while started.elapsed() < Duration::from_secs(60) && idle_polls < 4 {
        let outcome = source
            .poll_once(|event| async {
                Ok::<_, std::convert::Infallible>(process_batch(&registry, event, 4, None).await)
            })
            .await
            .unwrap();
        received += outcome.received;
        failed += outcome.failed;
        idle_polls = if outcome.received == 0 {
            idle_polls + 1
        } else {
            0
        };
    }

    let handled = handler.handled.lock().unwrap().clone();
    let attempts = handler.attempts.lock().unwrap().clone();
    let retried: Vec<_> = attempts.values().filter(|count| **count > 1).collect();
    assert_eq!(
        retried,
        [&2, &2, &2],
        "only the three records that failed were delivered again"
    );
    let dlq = drain_view(&client, &queues.dlq_url).await;
    let left = drain_view(&client, &queues.queue_url).await;
    eprintln!(
        "sent {sent}, received {received}, failed {failed}, processed {}, dlq {}",
        handled.len(),
        dlq.len()
    );

    assert_eq!(handled.len(), 15, "every good event was processed");
    assert!(
        handled.values().all(|count| *count == 1),
        "each exactly once: {handled:?}"
    );
    assert_eq!(dlq.len(), 1, "only the poison message is in the DLQ");
    assert_eq!(dlq[0].body(), Some("{\"not\": \"an envelope\"}"));
    assert!(left.is_empty(), "the main queue is empty");
    assert_eq!(
        sent,
        handled.len() + dlq.len(),
        "count in == processed + in DLQ"
    );
    // 3 flaky first deliveries + the poison's 2 deliveries failed.
    assert_eq!(failed, 5);
}
