#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Built-in destinations beside the handlers, through [`Processor`], with an
//! in-memory destination: one call per batch, only the types it takes, and a
//! failed, hung or panicking destination failing exactly its own records.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, value::RawValue};
use switchboard::builtin::TypeFilter;
use switchboard::envelope::Arrival;
use switchboard::{Envelope, Handler, LogEvent, Processor, Registry, Sender};
use switchboard_devkit::{failed_ids, sqs_event, Behaviour, RecordingDestination};

fn member(event_type: &str) -> String {
    let payload = json!({"type": event_type, "system_id": "s", "id": "m", "data": {"name": "A"}});
    let raw = RawValue::from_string(payload.to_string()).unwrap();
    Envelope::new(Sender::Pluralkit, event_type.into(), Arrival::now(), raw).to_json()
}

fn processor(
    destinations: &[&Arc<RecordingDestination>],
    handler: impl Handler + 'static,
) -> Processor {
    let registry = Registry::new().fallback(handler).build().unwrap();
    destinations
        .iter()
        .fold(Processor::new(registry, 4), |processor, destination| {
            processor.with_destination(Arc::clone(destination))
        })
}

#[tokio::test]
async fn a_batch_is_one_call_and_a_failed_entry_fails_only_its_record() {
    let destination = Arc::new(RecordingDestination::new(TypeFilter::ALL, vec!["m3"]));
    let processor = processor(&[&destination], LogEvent);
    let bodies: Vec<String> = (0..5).map(|_| member("CREATE_MEMBER")).collect();
    let ids = ["m0", "m1", "m2", "m3", "m4"];
    let records: Vec<(&str, &str)> = ids
        .iter()
        .zip(&bodies)
        .map(|(i, b)| (*i, b.as_str()))
        .collect();
    let response = processor.process(sqs_event(&records), None).await;
    assert_eq!(failed_ids(&response), ["m3"]);
    assert_eq!(destination.calls(), [ids.map(String::from).to_vec()]);
}

#[tokio::test]
async fn a_destination_is_offered_only_the_types_it_takes() {
    let switches = Arc::new(RecordingDestination::new(
        TypeFilter::only(["CREATE_SWITCH"]),
        vec![],
    ));
    let everything = Arc::new(RecordingDestination::new(TypeFilter::ALL, vec![]));
    let processor = processor(&[&switches, &everything], LogEvent);
    let (member, switch) = (member("CREATE_MEMBER"), member("CREATE_SWITCH"));
    let batch = sqs_event(&[("a", &member), ("b", &switch), ("c", &member)]);
    let response = processor.process(batch, None).await;
    assert!(failed_ids(&response).is_empty());
    assert_eq!(switches.calls(), [vec!["b".to_owned()]]);
    assert_eq!(
        everything.calls(),
        [vec!["a".to_owned(), "b".into(), "c".into()]]
    );

    let only_members = sqs_event(&[("d", &member)]);
    processor.process(only_members, None).await;
    assert_eq!(switches.calls().len(), 1, "no call with nothing to send");
}

#[tokio::test]
async fn a_record_fails_when_its_handler_fails_even_if_every_destination_took_it() {
    struct FailsOn(&'static str);
    #[async_trait::async_trait]
    impl Handler for FailsOn {
        async fn handle(
            &self,
            _event: &switchboard::Event,
            context: &switchboard::EventContext,
        ) -> Result<(), switchboard::HandlerError> {
            match context.message_id == self.0 {
                true => Err("chosen".into()),
                false => Ok(()),
            }
        }
    }
    let destination = Arc::new(RecordingDestination::new(TypeFilter::ALL, vec!["c"]));
    let processor = processor(&[&destination], FailsOn("a"));
    let body = member("CREATE_MEMBER");
    let response = processor
        .process(sqs_event(&[("a", &body), ("b", &body), ("c", &body)]), None)
        .await;
    let mut failed = failed_ids(&response);
    failed.sort();
    assert_eq!(failed, ["a", "c"]);
}

#[tokio::test]
async fn a_hanging_or_panicking_destination_fails_its_records_and_no_others() {
    for behaviour in [Behaviour::Hang, Behaviour::Panic] {
        let destination = Arc::new(
            RecordingDestination::new(TypeFilter::only(["CREATE_SWITCH"]), vec![])
                .behaving(behaviour),
        );
        let processor = processor(&[&destination], LogEvent);
        let (member, switch) = (member("CREATE_MEMBER"), member("CREATE_SWITCH"));
        let batch = sqs_event(&[("a", &member), ("b", &switch), ("c", &switch)]);
        let deadline = tokio::time::Instant::now() + Duration::from_millis(300);
        let response = processor.process(batch, Some(deadline)).await;
        let mut failed = failed_ids(&response);
        failed.sort();
        assert_eq!(failed, ["b", "c"], "{behaviour:?}");
    }
}
