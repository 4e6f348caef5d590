#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The processor with an idempotency store, over an in-memory store that
//! keeps the same rules as the DynamoDB adapter (tested against moto in
//! `tests/tests/idempotency_store.rs`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::{json, value::RawValue};
use switchboard::builtin::TypeFilter;
use switchboard::envelope::Arrival;
use switchboard::processor::{Claim, StoreError};
use switchboard::{
    Envelope, Event, EventContext, Handler, HandlerError, Idempotency, IdempotencyStore, Processor,
    Registry, Sender,
};
use switchboard_devkit::{failed_ids, sqs_event, RecordingDestination};

#[derive(Debug, Clone, PartialEq)]
enum Status {
    InProgress(DateTime<Utc>),
    Completed(DateTime<Utc>),
}

#[derive(Default)]
struct MemoryStore {
    items: Mutex<HashMap<String, Status>>,
    down: AtomicBool,
}

impl MemoryStore {
    fn check(&self) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("down".into()));
        }
        Ok(())
    }
}

#[async_trait]
impl IdempotencyStore for MemoryStore {
    async fn claim(
        &self,
        key: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        self.check()?;
        let mut items = self.items.lock().unwrap();
        let claim = match items.get(key) {
            Some(Status::Completed(expires)) if *expires > now => Claim::Completed,
            Some(Status::InProgress(expires)) if *expires > now => Claim::InProgressElsewhere,
            _ => Claim::Proceed,
        };
        if claim == Claim::Proceed {
            items.insert(key.to_owned(), Status::InProgress(until));
        }
        Ok(claim)
    }

    async fn complete(&self, key: &str, expires_at: DateTime<Utc>) -> Result<(), StoreError> {
        self.check()?;
        self.items
            .lock()
            .unwrap()
            .insert(key.to_owned(), Status::Completed(expires_at));
        Ok(())
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        self.check()?;
        let mut items = self.items.lock().unwrap();
        if matches!(items.get(key), Some(Status::InProgress(_))) {
            items.remove(key);
        }
        Ok(())
    }
}

/// Counts runs; fails the first `fail_first` runs, or panics on them.
#[derive(Default)]
struct Counter {
    runs: Mutex<Vec<(String, bool)>>,
    fail_first: Mutex<usize>,
    panic: bool,
    slow: bool,
}

#[async_trait]
impl Handler for Counter {
    async fn handle(&self, _event: &Event, context: &EventContext) -> Result<(), HandlerError> {
        if self.slow {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        self.runs
            .lock()
            .unwrap()
            .push((context.message_id.clone(), context.guarded));
        let failing = {
            let mut fail = self.fail_first.lock().unwrap();
            let failing = *fail > 0;
            *fail = fail.saturating_sub(1);
            failing
        };
        if failing && self.panic {
            panic!("handler bug");
        }
        if failing {
            return Err("chosen failure".into());
        }
        Ok(())
    }
}

fn envelope() -> String {
    let payload =
        json!({"type": "CREATE_MEMBER", "system_id": "s", "id": "m", "data": {"name": "A"}});
    let raw = RawValue::from_string(payload.to_string()).unwrap();
    Envelope::new(
        Sender::Pluralkit,
        "CREATE_MEMBER".into(),
        Arrival::now(),
        raw,
    )
    .to_json()
}

fn guarded(handler: &Arc<Counter>, store: &Arc<MemoryStore>, concurrency: usize) -> Processor {
    let registry = Registry::new()
        .fallback(Arc::clone(handler))
        .build()
        .unwrap();
    Processor::new(registry, concurrency).with_idempotency(Idempotency::new(
        Arc::clone(store) as Arc<dyn IdempotencyStore>
    ))
}

#[tokio::test]
async fn a_redelivered_event_runs_its_handlers_once() {
    let (handler, store) = (
        Arc::new(Counter::default()),
        Arc::new(MemoryStore::default()),
    );
    let processor = guarded(&handler, &store, 4);
    let body = envelope();
    assert!(failed_ids(&processor.process(sqs_event(&[("a", &body)]), None).await).is_empty());
    assert!(failed_ids(
        &processor
            .process(sqs_event(&[("a-again", &body)]), None)
            .await
    )
    .is_empty());
    let runs = handler.runs.lock().unwrap().clone();
    assert_eq!(
        runs,
        [("a".to_owned(), true)],
        "once, and it knew it was guarded"
    );
}

#[tokio::test]
async fn the_same_key_twice_in_one_batch_runs_once_then_the_other_is_a_duplicate() {
    let handler = Arc::new(Counter {
        slow: true,
        ..Counter::default()
    });
    let store = Arc::new(MemoryStore::default());
    let processor = guarded(&handler, &store, 2);
    let body = envelope();
    let first = processor
        .process(sqs_event(&[("x", &body), ("y", &body)]), None)
        .await;
    assert_eq!(
        failed_ids(&first).len(),
        1,
        "one ran, the other found it in progress"
    );
    assert_eq!(handler.runs.lock().unwrap().len(), 1);
    let retried = failed_ids(&first)[0].clone();
    let again = processor
        .process(sqs_event(&[(&retried, &body)]), None)
        .await;
    assert!(failed_ids(&again).is_empty(), "the retry is a duplicate");
    assert_eq!(handler.runs.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_failure_or_a_panic_releases_the_claim_so_the_retry_runs() {
    for panic in [false, true] {
        let handler = Arc::new(Counter {
            fail_first: Mutex::new(1),
            panic,
            ..Counter::default()
        });
        let store = Arc::new(MemoryStore::default());
        let processor = guarded(&handler, &store, 1);
        let body = envelope();
        assert_eq!(
            failed_ids(&processor.process(sqs_event(&[("r", &body)]), None).await),
            ["r"]
        );
        assert!(failed_ids(&processor.process(sqs_event(&[("r", &body)]), None).await).is_empty());
        assert!(failed_ids(&processor.process(sqs_event(&[("r", &body)]), None).await).is_empty());
        assert_eq!(
            handler.runs.lock().unwrap().len(),
            2,
            "panic={panic}: failed once, ran once more"
        );
        assert!(matches!(
            store.items.lock().unwrap().values().next(),
            Some(Status::Completed(_))
        ));
    }
}

#[tokio::test]
async fn handlers_never_run_unguarded_when_the_store_is_down() {
    let (handler, store) = (
        Arc::new(Counter::default()),
        Arc::new(MemoryStore::default()),
    );
    let processor = guarded(&handler, &store, 1);
    store.down.store(true, Ordering::SeqCst);
    let body = envelope();
    assert_eq!(
        failed_ids(&processor.process(sqs_event(&[("d", &body)]), None).await),
        ["d"]
    );
    assert!(handler.runs.lock().unwrap().is_empty());
    store.down.store(false, Ordering::SeqCst);
    assert!(failed_ids(&processor.process(sqs_event(&[("d", &body)]), None).await).is_empty());
    assert_eq!(handler.runs.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn an_expired_claim_is_taken_over() {
    let (handler, store) = (
        Arc::new(Counter::default()),
        Arc::new(MemoryStore::default()),
    );
    let processor = guarded(&handler, &store, 1);
    let body = envelope();
    let key = Envelope::from_json(&body).unwrap().dedupe_key;
    // A crashed invocation's claim, expired a second ago.
    store.items.lock().unwrap().insert(
        key.clone(),
        Status::InProgress(Utc::now() - chrono::Duration::seconds(1)),
    );
    assert!(failed_ids(&processor.process(sqs_event(&[("t", &body)]), None).await).is_empty());
    assert_eq!(handler.runs.lock().unwrap().len(), 1);
    // A live one is not.
    let (handler, store) = (
        Arc::new(Counter::default()),
        Arc::new(MemoryStore::default()),
    );
    let processor = guarded(&handler, &store, 1);
    store.items.lock().unwrap().insert(
        key,
        Status::InProgress(Utc::now() + chrono::Duration::seconds(60)),
    );
    assert_eq!(
        failed_ids(&processor.process(sqs_event(&[("t", &body)]), None).await),
        ["t"]
    );
    assert!(handler.runs.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_failed_destination_releases_the_claim_and_the_retry_reruns_everything() {
    let (handler, store) = (
        Arc::new(Counter::default()),
        Arc::new(MemoryStore::default()),
    );
    let failing = Arc::new(RecordingDestination::new(TypeFilter::ALL, vec!["first"]));
    let other = Arc::new(RecordingDestination::new(TypeFilter::ALL, vec![]));
    let processor = guarded(&handler, &store, 4)
        .with_destination(Arc::clone(&failing))
        .with_destination(Arc::clone(&other));
    let body = envelope();
    let first = processor
        .process(sqs_event(&[("first", &body)]), None)
        .await;
    assert_eq!(failed_ids(&first), ["first"]);
    let retry = processor
        .process(sqs_event(&[("retry", &body)]), None)
        .await;
    assert!(failed_ids(&retry).is_empty());
    let again = processor
        .process(sqs_event(&[("again", &body)]), None)
        .await;
    assert!(failed_ids(&again).is_empty());

    let runs: Vec<String> = handler
        .runs
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.0.clone())
        .collect();
    assert_eq!(
        runs,
        ["first", "retry"],
        "the retry reran the handler; then a duplicate"
    );
    for destination in [&failing, &other] {
        assert_eq!(
            destination.calls(),
            [vec!["first".to_owned()], vec!["retry".to_owned()]]
        );
    }
}
