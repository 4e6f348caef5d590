#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The archive in front of the processor, with an in-memory store: every
//! record written before any effect runs, and a record whose object is not
//! written runs nothing and fails.

use std::sync::{Arc, Mutex};

use serde_json::{json, value::RawValue};
use switchboard::archive::{object, Part, Partition};
use switchboard::envelope::Arrival;
use switchboard::{
    Envelope, Event, EventContext, Handler, HandlerError, Processor, Registry, Sender,
};
use switchboard_devkit::{failed_ids, sqs_event, MemoryArchive};

fn event(sender: Sender, event_type: &str) -> String {
    let payload = match sender {
        Sender::Pluralkit => json!({"type": event_type, "system_id": "s", "id": "m", "data": {}}),
        _ => {
            json!({"version": 1, "application_id": "1", "type": 1, "event": {"type": event_type, "timestamp": "2026-12-02T05:00:00", "data": {}}})
        }
    };
    let raw = RawValue::from_string(payload.to_string()).unwrap();
    Envelope::new(sender, event_type.into(), Arrival::now(), raw).to_json()
}

/// Notes, for each record it handles, how many objects the archive held.
struct Witness {
    archive: Arc<MemoryArchive>,
    seen: Mutex<Vec<(String, usize)>>,
}

#[async_trait::async_trait]
impl Handler for Witness {
    async fn handle(&self, _event: &Event, context: &EventContext) -> Result<(), HandlerError> {
        let held = self.archive.objects().len();
        self.seen
            .lock()
            .unwrap()
            .push((context.event_type.clone(), held));
        Ok(())
    }
}

fn processor(archive: &Arc<MemoryArchive>) -> (Processor, Arc<Witness>) {
    let witness = Arc::new(Witness {
        archive: Arc::clone(archive),
        seen: Mutex::default(),
    });
    let registry = Registry::new()
        .fallback(Arc::clone(&witness))
        .build()
        .unwrap();
    let processor = Processor::new(registry, 4).with_archive(archive.clone());
    (processor, witness)
}

#[tokio::test]
async fn every_record_is_archived_byte_for_byte_before_any_handler_runs() {
    let archive = Arc::new(MemoryArchive::new());
    let (processor, witness) = processor(&archive);
    let member = event(Sender::Pluralkit, "CREATE_MEMBER");
    let entitlement = event(Sender::Discord, "ENTITLEMENT_CREATE");
    let batch = sqs_event(&[
        ("a", &member),
        ("b", &entitlement),
        ("c", "not an envelope"),
        ("d", &member),
    ]);
    let response = processor.process(batch, None).await;
    assert_eq!(
        failed_ids(&response),
        ["c"],
        "the undecodable body still fails"
    );

    let objects = archive.objects();
    assert_eq!(objects.len(), 3, "one object per partition: {objects:?}");
    let mut bodies = Vec::new();
    for (key, bytes) in &objects {
        let partition = Partition::of_key(key).unwrap_or_else(|| panic!("{key}"));
        bodies.push((
            partition.part,
            object::decode_bodies(partition.part, bytes).unwrap(),
        ));
    }
    bodies.sort_by_key(|(part, _)| *part);
    assert_eq!(
        bodies,
        [
            (Part::Events(Sender::Discord), vec![entitlement.clone()]),
            (
                Part::Events(Sender::Pluralkit),
                vec![member.clone(), member.clone()]
            ),
            (Part::Other, vec!["not an envelope".to_owned()]),
        ]
    );
    let seen = witness.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter().all(|(_, held)| *held == 3),
        "every handler ran after every object was written: {seen:?}"
    );
}

#[tokio::test]
async fn a_record_whose_object_is_refused_runs_nothing_and_fails() {
    let archive = Arc::new(MemoryArchive::refusing("source=discord"));
    let (processor, witness) = processor(&archive);
    let member = event(Sender::Pluralkit, "CREATE_MEMBER");
    let entitlement = event(Sender::Discord, "ENTITLEMENT_CREATE");
    let batch = sqs_event(&[("a", &member), ("b", &entitlement), ("c", &entitlement)]);
    let response = processor.process(batch, None).await;
    assert_eq!(failed_ids(&response), ["b", "c"]);
    let seen = witness.seen.lock().unwrap().clone();
    assert_eq!(
        seen.iter()
            .map(|(kind, _)| kind.as_str())
            .collect::<Vec<_>>(),
        ["CREATE_MEMBER"],
        "only the archived record ran"
    );
}
