#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Every effect exactly once, against real servers: the processor its `main`
//! builds, with the DynamoDB store and an EventBridge bus in moto and HTTP
//! forwarding to a local Standard Webhooks receiver.
//!
//! - At the deadline: a batch of 6, one record's receiver answering after
//!   14 s, the invocation's deadline 6 s away. Only that record fails; the
//!   other 5 are completed before the response, and a redelivery of the
//!   whole batch runs nothing for them.
//! - The same at the deadline, with the processor's own binary under a
//!   loopback Runtime API that sets the invocation's deadline, as Lambda does.
//! - Per effect: a receiver refusing one record once. The redelivery
//!   forwards it again, but neither puts it on the bus again nor runs the
//!   handlers (`LogEvent`'s `event handled` line) again.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, value::RawValue, Value};
use switchboard::config::{
    EVENT_BUS_NAME, FORWARD_SECRET, FORWARD_TIMEOUT_MS, FORWARD_URL, IDEMPOTENCY_TABLE,
};
use switchboard::envelope::Arrival;
use switchboard::{Envelope, Sender};
use switchboard_devkit::{
    create_bus_to_queue, create_idempotency_table, failed_ids, local_dynamodb_client,
    local_eventbridge_client, local_sdk_config, local_sqs_client, receive_up_to, sqs_event,
    CapturedLog, MotoServer, Received, Receiver, Reply,
};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// moto with a table and a bus whose rule copies every event to a queue.
struct Stack {
    _server: MotoServer,
    endpoint: String,
    sqs: aws_sdk_sqs::Client,
    bus: String,
    bus_copies: String,
    table: String,
}

impl Stack {
    async fn start(name: &str) -> Self {
        let server = MotoServer::start();
        let endpoint = server.endpoint();
        let sqs = local_sqs_client(&endpoint);
        let route = create_bus_to_queue(
            &local_eventbridge_client(&endpoint),
            &sqs,
            name,
            &format!("{name}-copies"),
        )
        .await
        .unwrap();
        let table = format!("{name}-seen");
        create_idempotency_table(&local_dynamodb_client(&endpoint), &table)
            .await
            .unwrap();
        Self {
            _server: server,
            endpoint,
            sqs,
            bus: route.bus,
            bus_copies: route.target_queue_url,
            table,
        }
    }

    /// The processor's variables: the store, the bus, forwarding to `receiver`.
    fn variables(&self, receiver: &Receiver) -> Vec<(&'static str, String)> {
        vec![
            (IDEMPOTENCY_TABLE, self.table.clone()),
            (EVENT_BUS_NAME, self.bus.clone()),
            (FORWARD_URL, receiver.url()),
            (FORWARD_SECRET, SECRET.to_owned()),
            (FORWARD_TIMEOUT_MS, "20000".to_owned()),
        ]
    }

    fn processor(&self, receiver: &Receiver) -> switchboard::Processor {
        let variables = self.variables(receiver);
        let vars: Vec<(&str, &str)> = variables
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        switchboard_tests::processor_for(&vars, &local_sdk_config(&self.endpoint))
    }

    /// How many times each envelope id reached the bus.
    async fn on_the_bus(&self) -> BTreeMap<String, usize> {
        let copies = receive_up_to(&self.sqs, &self.bus_copies, 50, 30)
            .await
            .unwrap();
        let mut counts = BTreeMap::new();
        for copy in copies {
            let event: Value = serde_json::from_str(copy.body().unwrap()).unwrap();
            let id = event["detail"]["id"].as_str().unwrap().to_owned();
            *counts.entry(id).or_insert(0) += 1;
        }
        counts
    }
}

/// A member event; its payload id tells the receiver how to answer.
fn event(id: &str) -> (String, String) {
    let payload =
        json!({"type": "CREATE_MEMBER", "system_id": "s", "id": id, "data": {"name": "A"}});
    let raw = RawValue::from_string(payload.to_string()).unwrap();
    let envelope = Envelope::new(
        Sender::Pluralkit,
        "CREATE_MEMBER".into(),
        Arrival::now(),
        raw,
    );
    (
        envelope.id.unwrap().hyphenated().to_string(),
        envelope.to_json(),
    )
}

/// How many times the receiver got each `webhook-id`.
fn forwarded(receiver: &Receiver) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for received in receiver.received() {
        assert!(received.verified.is_ok(), "every request is signed");
        *counts
            .entry(received.webhook_id().unwrap().to_owned())
            .or_insert(0) += 1;
    }
    counts
}

/// The payload id of a forwarded request.
fn payload_id(received: &Received) -> String {
    received.json()["payload"]["id"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn at_the_deadline_only_the_slow_record_fails_and_a_redelivery_runs_nothing_twice() {
    // Read by nobody, but see `CapturedLog::install`: without it, the other
    // test here can see no `event handled` line at all.
    let (_log, _logging) = CapturedLog::install("info");
    let stack = Stack::start("effects-deadline").await;
    let stalled = Arc::new(AtomicBool::new(false));
    let first_time = Arc::clone(&stalled);
    // The slow record's first request is answered after 14 s; any later one at once.
    let receiver = Receiver::start(0, Some(SECRET), move |received| {
        if payload_id(received) == "slow" && !first_time.swap(true, Ordering::SeqCst) {
            return Reply::Stall(Duration::from_secs(14));
        }
        Reply::if_verified(received, Reply::Status(200))
    })
    .await
    .unwrap();
    let processor = stack.processor(&receiver);
    let events: Vec<(String, String)> = ["a", "b", "slow", "c", "d", "e"]
        .iter()
        .map(|id| event(id))
        .collect();
    let names = ["m0", "m1", "m2", "m3", "m4", "m5"];
    let batch: Vec<(&str, &str)> = names
        .iter()
        .zip(&events)
        .map(|(name, (_, body))| (*name, body.as_str()))
        .collect();

    let deadline = tokio::time::Instant::now() + Duration::from_secs(6);
    let response = processor.process(sqs_event(&batch), Some(deadline)).await;
    assert!(tokio::time::Instant::now() < deadline, "answered in time");
    assert_eq!(failed_ids(&response), ["m2"], "exactly the slow record");

    // The whole batch again: 5 duplicates; the slow one is forwarded only.
    let again = processor
        .process(
            sqs_event(&batch),
            Some(tokio::time::Instant::now() + Duration::from_secs(20)),
        )
        .await;
    assert!(failed_ids(&again).is_empty(), "{:?}", failed_ids(&again));

    let on_the_bus = stack.on_the_bus().await;
    let forwarded = forwarded(&receiver);
    for (index, (id, _)) in events.iter().enumerate() {
        assert_eq!(
            on_the_bus.get(id),
            Some(&1),
            "record {index} on the bus once"
        );
        let expected = if index == 2 { 2 } else { 1 };
        assert_eq!(
            forwarded.get(id),
            Some(&expected),
            "record {index} forwarded"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_forward_is_the_only_effect_the_redelivery_runs() {
    let stack = Stack::start("effects-refused").await;
    let refused = Arc::new(AtomicBool::new(false));
    let once = Arc::clone(&refused);
    let receiver = Receiver::start(0, Some(SECRET), move |received| {
        if payload_id(received) == "refused" && !once.swap(true, Ordering::SeqCst) {
            return Reply::Status(500);
        }
        Reply::if_verified(received, Reply::Status(200))
    })
    .await
    .unwrap();
    let (log, _logging) = CapturedLog::install("info");
    let processor = stack.processor(&receiver);
    let (fine_id, fine) = event("fine");
    let (refused_id, refused_body) = event("refused");
    let batch = [("f", fine.as_str()), ("r", refused_body.as_str())];

    let first = processor.process(sqs_event(&batch), None).await;
    assert_eq!(failed_ids(&first), ["r"]);
    let retry = processor
        .process(sqs_event(&[("r", refused_body.as_str())]), None)
        .await;
    assert!(failed_ids(&retry).is_empty());

    let on_the_bus = stack.on_the_bus().await;
    assert_eq!(
        on_the_bus.get(&refused_id),
        Some(&1),
        "the bus took it once"
    );
    assert_eq!(on_the_bus.get(&fine_id), Some(&1));
    let forwarded = forwarded(&receiver);
    assert_eq!(forwarded.get(&refused_id), Some(&2), "forwarded again");
    assert_eq!(forwarded.get(&fine_id), Some(&1));
    let handled = log
        .text()
        .lines()
        .filter(|line| line.contains("event handled"))
        .count();
    assert_eq!(handled, 2, "the handlers ran once per event");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_built_processor_under_the_runtime_api_fails_only_the_slow_record_at_its_deadline() {
    let (_log, _logging) = CapturedLog::install("info");
    let stack = Stack::start("effects-binary").await;
    let stalled = Arc::new(AtomicBool::new(false));
    let first_time = Arc::clone(&stalled);
    let receiver = Receiver::start(0, Some(SECRET), move |received| {
        if payload_id(received) == "slow" && !first_time.swap(true, Ordering::SeqCst) {
            return Reply::Stall(Duration::from_secs(14));
        }
        Reply::if_verified(received, Reply::Status(200))
    })
    .await
    .unwrap();
    let mut processor = switchboard_tests::FunctionProcess::start(
        "processor",
        &stack.variables(&receiver),
        &stack.endpoint,
    )
    .await;
    let events: Vec<(String, String)> = ["a", "b", "slow", "c", "d", "e"]
        .iter()
        .map(|id| event(id))
        .collect();
    let names = ["m0", "m1", "m2", "m3", "m4", "m5"];
    let batch: Vec<(&str, &str)> = names
        .iter()
        .zip(&events)
        .map(|(name, (_, body))| (*name, body.as_str()))
        .collect();
    let batch = serde_json::to_value(sqs_event(&batch)).unwrap();
    let failed = |response: &Value| -> Vec<String> {
        response["batchItemFailures"]
            .as_array()
            .unwrap_or_else(|| panic!("a batch response: {response}"))
            .iter()
            .map(|failure| failure["itemIdentifier"].as_str().unwrap().to_owned())
            .collect()
    };

    let deadline = Duration::from_secs(6);
    let started = std::time::Instant::now();
    let response = processor.invoke(&batch, deadline).await;
    let took = started.elapsed();
    let response = response.unwrap_or_else(|| panic!("an error: {}", processor.output()));
    println!("the batch answered {took:?} after an invocation with a {deadline:?} deadline");
    assert!(took < deadline, "answered in time: {took:?}");
    assert_eq!(failed(&response), ["m2"], "exactly the slow record");

    let again = processor
        .invoke(&batch, Duration::from_secs(20))
        .await
        .unwrap_or_else(|| panic!("an error: {}", processor.output()));
    assert!(failed(&again).is_empty(), "{again}");
    processor.stop().await;

    let on_the_bus = stack.on_the_bus().await;
    let forwarded = forwarded(&receiver);
    for (index, (id, _)) in events.iter().enumerate() {
        assert_eq!(
            on_the_bus.get(id),
            Some(&1),
            "record {index} on the bus once"
        );
        let expected = if index == 2 { 2 } else { 1 };
        assert_eq!(
            forwarded.get(id),
            Some(&expected),
            "record {index} forwarded"
        );
    }
    let output = processor.output();
    assert!(!output.contains(SECRET), "the secret is in no log line");
}
