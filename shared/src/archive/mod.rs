//! The archive: every record the processor receives, written to S3 before
//! any handler or destination runs, so that an event can be found and
//! replayed long after the queue forgot it.
//!
//! One object per batch and partition (usually one per batch: a batch's
//! records mostly share a sender and an hour), since S3 charges per PUT. A
//! record whose object could not be written fails, and SQS redelivers it; it
//! is never processed unarchived. A redelivered record may be archived
//! again, so readers show each envelope `id` once.
//!
//! [`layout`] is the key layout, [`object`] the objects' format: both are a
//! public contract.
#![cfg_attr(
    feature = "s3",
    doc = "The S3 adapter lives in [`s3`] behind the `s3` feature."
)]
#![cfg_attr(
    not(feature = "s3"),
    doc = "The S3 adapter lives in `s3` behind the `s3` feature."
)]

pub mod layout;
pub mod object;
#[cfg(feature = "s3")]
#[cfg_attr(docsrs, doc(cfg(feature = "s3")))]
pub mod s3;

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_lambda_events::event::sqs::SqsMessage;
use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

use crate::envelope::Envelope;
pub use layout::{Part, Partition};
pub use object::OtherLine;

/// Why an object could not be written or read. Never holds a body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ArchiveError(pub String);

/// Where the archive's objects are written.
#[async_trait]
pub trait ArchiveStore: Send + Sync + std::fmt::Debug {
    /// Writes one whole object under `key`.
    async fn put(&self, key: &str, object: Vec<u8>) -> Result<(), ArchiveError>;
}

/// One object to write for a batch: its key, its bytes, and the positions
/// (in the batch) of the records it holds.
#[derive(Clone)]
pub struct PlannedObject {
    /// Its partition.
    pub partition: Partition,
    /// Its key.
    pub key: String,
    /// Its bytes, gzip-compressed JSON Lines.
    pub object: Vec<u8>,
    /// The batch positions of its records, one line each, in batch order.
    pub records: Vec<usize>,
}

impl std::fmt::Debug for PlannedObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The bytes are the bodies, compressed: only their size is shown.
        f.debug_struct("PlannedObject")
            .field("key", &self.key)
            .field("records", &self.records)
            .field("object_bytes", &self.object.len())
            .finish()
    }
}

/// The objects that archive `records`: each record in its partition's
/// object, in batch order. `now` places a body that is no envelope and has
/// no `SentTimestamp`.
pub fn plan(records: &[SqsMessage], now: DateTime<Utc>) -> Vec<PlannedObject> {
    let mut partitions: BTreeMap<Partition, (Vec<String>, Vec<usize>)> = BTreeMap::new();
    for (position, record) in records.iter().enumerate() {
        let body = record.body.as_deref();
        let envelope = body.and_then(|body| Envelope::from_json(body).ok());
        let one_line = body.is_some_and(|body| !body.contains(['\n', '\r']));
        let (partition, line) = match envelope {
            Some(envelope) if one_line => (
                Partition::at(Part::Events(envelope.source), envelope.received_at),
                body.unwrap_or_default().to_owned(),
            ),
            envelope => {
                let sent_at = sent_at(record);
                let at = envelope
                    .map(|envelope| envelope.received_at)
                    .or(sent_at)
                    .unwrap_or(now);
                let line = OtherLine {
                    message_id: record.message_id.clone(),
                    sent_at,
                    body: body.map(str::to_owned),
                };
                // A struct of strings always serializes.
                let line = serde_json::to_string(&line).unwrap_or_default();
                (Partition::at(Part::Other, at), line)
            }
        };
        let entry = partitions.entry(partition).or_default();
        entry.0.push(line);
        entry.1.push(position);
    }
    partitions
        .into_iter()
        .map(|(partition, (lines, records))| PlannedObject {
            partition,
            key: partition.object_key(Uuid::now_v7()),
            object: object::encode(lines.iter().map(String::as_str)),
            records,
        })
        .collect()
}

/// When SQS took the message, from its `SentTimestamp` attribute.
fn sent_at(record: &SqsMessage) -> Option<DateTime<Utc>> {
    let millis: i64 = record.attributes.get("SentTimestamp")?.parse().ok()?;
    Utc.timestamp_millis_opt(millis).single()
}

/// Writes every object of `plan` side by side, and answers, for each of the
/// `count` records of the batch, whether its object was written.
pub async fn write(
    store: &dyn ArchiveStore,
    plan: Vec<PlannedObject>,
    count: usize,
) -> Vec<Result<(), ArchiveError>> {
    let mut outcomes: Vec<Result<(), ArchiveError>> = (0..count).map(|_| Ok(())).collect();
    let writes = plan.into_iter().map(|planned| async move {
        let result = store.put(&planned.key, planned.object).await;
        if let Err(error) = &result {
            tracing::warn!(key = %planned.key, records = planned.records.len(), %error, "archive write failed");
        }
        (planned.records, result)
    });
    for (records, result) in futures::future::join_all(writes).await {
        for position in records {
            if let Some(outcome) = outcomes.get_mut(position) {
                *outcome = result.clone();
            }
        }
    }
    outcomes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sender::Sender;

    fn record(id: &str, body: Option<&str>) -> SqsMessage {
        let mut record = SqsMessage::default();
        record.message_id = Some(id.to_owned());
        record.body = body.map(str::to_owned);
        record
            .attributes
            .insert("SentTimestamp".into(), "1764655200000".into());
        record
    }

    fn envelope(source: &str, at: &str, payload: &str) -> String {
        format!(
            r#"{{"id":"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","source":"{source}","event_type":"X","received_at":"{at}","dedupe_key":"k","payload":{payload}}}"#
        )
    }

    #[test]
    fn a_mixed_batch_is_one_object_per_partition_each_line_its_body() {
        let discord = envelope("discord", "2026-12-02T05:10:00Z", r#"{"a":1}"#);
        let pluralkit = envelope("pluralkit", "2026-12-02T05:11:00Z", r#"{"b":2}"#);
        let later = envelope("discord", "2026-12-02T06:00:00Z", r#"{"c":3}"#);
        let spread = envelope("discord", "2026-12-02T05:12:00Z", "{\n\"d\": 4\n}");
        let records = [
            record("m0", Some(&discord)),
            record("m1", Some(&pluralkit)),
            record("m2", Some("not an envelope")),
            record("m3", Some(&discord)),
            record("m4", Some(&later)),
            record("m5", Some(&spread)),
            record("m6", None),
        ];
        let plan = plan(&records, "2026-12-02T07:00:00Z".parse().unwrap());
        let find = |prefix: &str| {
            plan.iter()
                .find(|object| object.key.starts_with(prefix))
                .unwrap_or_else(|| panic!("{prefix}"))
        };
        let five = find("archive/events/date=2026-12-02/hour=05/source=discord/");
        assert_eq!(five.records, [0, 3]);
        assert_eq!(
            object::decode_lines(&five.object).unwrap(),
            [discord.clone(), discord.clone()]
        );
        assert_eq!(
            find("archive/events/date=2026-12-02/hour=05/source=pluralkit/").records,
            [1]
        );
        assert_eq!(
            find("archive/events/date=2026-12-02/hour=06/source=discord/").records,
            [4]
        );
        // SentTimestamp 1764655200000 is 2025-12-02T06:00:00Z.
        let unreadable = find("archive/other/date=2025-12-02/hour=06/");
        assert_eq!(unreadable.records, [2, 6]);
        let bodies = object::decode_bodies(Part::Other, &unreadable.object).unwrap();
        assert_eq!(bodies, ["not an envelope", ""]);
        let spread_object = find("archive/other/date=2026-12-02/hour=05/");
        assert_eq!(
            object::decode_bodies(Part::Other, &spread_object.object).unwrap(),
            [spread]
        );
        assert_eq!(plan.len(), 5);
        let shown = format!("{plan:?}");
        assert!(!shown.contains("not an envelope") && shown.contains("object_bytes"));
        assert!(plan
            .iter()
            .all(|object| Partition::of_key(&object.key) == Some(object.partition)));
        assert_eq!(
            Partition::of_key(&five.key).map(|p| p.part),
            Some(Part::Events(Sender::Discord))
        );
    }

    #[derive(Debug)]
    struct Refusing(&'static str);

    #[async_trait]
    impl ArchiveStore for Refusing {
        async fn put(&self, key: &str, _object: Vec<u8>) -> Result<(), ArchiveError> {
            match key.contains(self.0) {
                true => Err(ArchiveError("refused".into())),
                false => Ok(()),
            }
        }
    }

    #[tokio::test]
    async fn a_refused_object_fails_exactly_its_records() {
        let records = [
            record(
                "m0",
                Some(&envelope("discord", "2026-12-02T05:10:00Z", "1")),
            ),
            record(
                "m1",
                Some(&envelope("pluralkit", "2026-12-02T05:10:00Z", "2")),
            ),
            record(
                "m2",
                Some(&envelope("discord", "2026-12-02T05:20:00Z", "3")),
            ),
        ];
        let plan = plan(&records, Utc::now());
        let outcomes = write(&Refusing("source=discord"), plan, records.len()).await;
        assert!(outcomes[0].is_err() && outcomes[2].is_err());
        assert!(outcomes[1].is_ok());
    }
}
