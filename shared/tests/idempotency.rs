#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The processor with an idempotency store, over the dev kit's in-memory
//! store, which keeps the same rules as the DynamoDB adapter (tested against
//! moto in `tests/tests/idempotency_store.rs`).

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::Utc;
use serde_json::{json, value::RawValue};
use switchboard::builtin::TypeFilter;
use switchboard::envelope::Arrival;
use switchboard::processor::Effects;
use switchboard::{
    Envelope, Event, EventContext, Handler, HandlerError, Idempotency, IdempotencyStore, Processor,
    Registry, Sender,
};
use switchboard_devkit::memory_store::{Call, Status};
use switchboard_devkit::{failed_ids, sqs_event, MemoryStore, RecordingDestination};

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
async fn a_completion_the_store_refused_reruns_nothing() {
    let (handler, store) = (
        Arc::new(Counter::default()),
        Arc::new(MemoryStore::default()),
    );
    store
        .complete_fails
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let processor = guarded(&handler, &store, 4);
    let body = envelope();
    let first = processor.process(sqs_event(&[("a", &body)]), None).await;
    assert_eq!(failed_ids(&first), ["a"], "not acknowledged unrecorded");
    store
        .complete_fails
        .store(false, std::sync::atomic::Ordering::SeqCst);
    let retry = processor.process(sqs_event(&[("a", &body)]), None).await;
    assert!(failed_ids(&retry).is_empty());
    assert_eq!(
        handler.runs.lock().unwrap().len(),
        1,
        "the handlers ran once"
    );
    assert_eq!(
        store
            .status(&Envelope::from_json(&body).unwrap().dedupe_key)
            .map(|s| matches!(s, switchboard_devkit::memory_store::Status::Completed(_))),
        Some(true)
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
        Status::InProgress {
            until: Utc::now() - chrono::Duration::seconds(1),
            expires_at: Utc::now() + chrono::Duration::days(1),
            done: Effects::none(),
        },
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
        Status::InProgress {
            until: Utc::now() + chrono::Duration::seconds(60),
            expires_at: Utc::now() + chrono::Duration::days(1),
            done: Effects::none(),
        },
    );
    assert_eq!(
        failed_ids(&processor.process(sqs_event(&[("t", &body)]), None).await),
        ["t"]
    );
    assert!(handler.runs.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_failed_destination_is_the_only_effect_the_retry_runs() {
    let (handler, store) = (
        Arc::new(Counter::default()),
        Arc::new(MemoryStore::default()),
    );
    let failing =
        Arc::new(RecordingDestination::new(TypeFilter::ALL, vec!["first"]).named("failing"));
    let other = Arc::new(RecordingDestination::new(TypeFilter::ALL, vec![]).named("other"));
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
    assert_eq!(runs, ["first"], "the handlers ran once");
    assert_eq!(
        other.calls(),
        [vec!["first".to_owned()]],
        "the other destination took it once"
    );
    assert_eq!(
        failing.calls(),
        [vec!["first".to_owned()], vec!["retry".to_owned()]],
        "only the failed destination ran again"
    );
    // Happy path 2 calls; the failure cost one write (the release with its effects).
    assert_eq!(
        store.calls(),
        [
            Call::Claim,
            Call::Release(true),
            Call::Claim,
            Call::Complete,
            Call::Claim
        ]
    );
}

#[tokio::test]
async fn a_failing_handler_is_retried_without_resending_to_a_destination_that_took_it() {
    let handler = Arc::new(Counter {
        fail_first: Mutex::new(1),
        ..Counter::default()
    });
    let store = Arc::new(MemoryStore::default());
    let destination = Arc::new(RecordingDestination::new(TypeFilter::ALL, vec![]));
    let processor = guarded(&handler, &store, 1).with_destination(Arc::clone(&destination));
    let body = envelope();
    assert_eq!(
        failed_ids(&processor.process(sqs_event(&[("a", &body)]), None).await),
        ["a"]
    );
    assert!(failed_ids(&processor.process(sqs_event(&[("b", &body)]), None).await).is_empty());
    assert_eq!(handler.runs.lock().unwrap().len(), 2);
    assert_eq!(destination.calls(), [vec!["a".to_owned()]]);
}

#[tokio::test]
async fn without_a_store_a_retry_runs_every_effect_again() {
    let handler = Arc::new(Counter::default());
    let registry = Registry::new()
        .fallback(Arc::clone(&handler))
        .build()
        .unwrap();
    let destination = Arc::new(RecordingDestination::new(TypeFilter::ALL, vec!["a"]));
    let processor = Processor::new(registry, 1).with_destination(Arc::clone(&destination));
    let body = envelope();
    assert_eq!(
        failed_ids(&processor.process(sqs_event(&[("a", &body)]), None).await),
        ["a"]
    );
    assert!(failed_ids(&processor.process(sqs_event(&[("b", &body)]), None).await).is_empty());
    assert_eq!(handler.runs.lock().unwrap().len(), 2, "at least once");
    assert_eq!(destination.calls().len(), 2);
}

/// The reproduction of a slow receiver at the deadline: a batch of 6, the
/// store on (and slow to settle), one record's destination answering after
/// 14 s with the invocation's deadline 6 s away.
#[tokio::test(start_paused = true)]
async fn at_the_deadline_only_the_slow_record_fails_and_the_others_are_completed() {
    let handler = Arc::new(Counter::default());
    let store = Arc::new(MemoryStore::slow_to_settle(
        std::time::Duration::from_millis(300),
    ));
    let slow = Arc::new(
        RecordingDestination::new(TypeFilter::ALL, vec![])
            .slow_on("r3", std::time::Duration::from_secs(14)),
    );
    let processor = guarded(&handler, &store, 6).with_destination(Arc::clone(&slow));
    let bodies: Vec<String> = (0..6).map(|_| envelope()).collect();
    let ids = ["r0", "r1", "r2", "r3", "r4", "r5"];
    let batch: Vec<(&str, &str)> = ids
        .iter()
        .copied()
        .zip(bodies.iter().map(String::as_str))
        .collect();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(6);
    let started = tokio::time::Instant::now();
    let response = processor.process(sqs_event(&batch), Some(deadline)).await;
    assert!(
        tokio::time::Instant::now() <= deadline,
        "answered before the deadline"
    );
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(6) - switchboard::SETTLE_BUDGET,
        "the slow one had until the work deadline"
    );
    assert_eq!(failed_ids(&response), ["r3"]);
    let keys: Vec<String> = bodies
        .iter()
        .map(|body| Envelope::from_json(body).unwrap().dedupe_key)
        .collect();
    for (id, key) in ids.iter().zip(&keys) {
        match store.status(key) {
            Some(Status::Completed(_)) => assert_ne!(*id, "r3"),
            Some(Status::InProgress { until, done, .. }) => {
                assert_eq!(*id, "r3");
                assert!(until < Utc::now(), "released, not left to expire");
                assert_eq!(done.iter().collect::<Vec<_>>(), ["handlers"]);
            }
            None => panic!("{id} has no record"),
        }
    }

    // The whole batch again: five duplicates, and r3 only to the destination.
    let again = processor
        .process(
            sqs_event(&batch),
            Some(tokio::time::Instant::now() + std::time::Duration::from_secs(30)),
        )
        .await;
    assert!(failed_ids(&again).is_empty());
    assert_eq!(
        handler.runs.lock().unwrap().len(),
        6,
        "handlers once per event"
    );
    let mut delivered = slow.delivered();
    delivered.sort();
    assert_eq!(delivered, ids, "each event reached the destination once");
}
