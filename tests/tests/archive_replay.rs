#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The archive and replay against moto's S3, SQS and DynamoDB:
//!
//! - the processor's own binary, under a loopback Runtime API, archives a
//!   mixed batch (an undecodable body included) byte for byte under dated
//!   keys, and an unwritable bucket fails every record, running nothing;
//! - `switchboard events list` filters by time, type and source and shows
//!   each id once; `show` prints one envelope whole;
//! - `events replay`: `--dry-run` sends nothing, a replay without `--force`
//!   is acknowledged as duplicates, one with `--force` runs every effect
//!   again, `--after` resumes, and `--rate` paces the sends.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::{json, value::RawValue, Value};
use switchboard::archive::{object, Part, Partition};
use switchboard::config::{ARCHIVE_BUCKET, IDEMPOTENCY_TABLE};
use switchboard::envelope::Arrival;
use switchboard::{Envelope, Event, EventContext, Handler, HandlerError, Sender};
use switchboard_devkit::{
    create_idempotency_table, create_local_bucket, create_queues, failed_ids,
    local_dynamodb_client, local_s3_client, local_sdk_config, local_sqs_client, receive_up_to,
    sqs_event, CapturedLog, MotoServer,
};
use switchboard_tests::{cli_binary, FunctionProcess};

/// Text in every payload, to look for in logs.
const PRIVATE: &str = "diary-entry-7f3a";

struct Stack {
    server: MotoServer,
    s3: aws_sdk_s3::Client,
    sqs: aws_sdk_sqs::Client,
    bucket: String,
    queue_url: String,
    dlq_url: String,
    table: String,
    dev_dir: PathBuf,
}

impl Stack {
    async fn start(name: &str) -> Self {
        let server = MotoServer::start();
        let endpoint = server.endpoint();
        let s3 = local_s3_client(&endpoint);
        let bucket = format!("{name}-archive");
        create_local_bucket(&s3, &bucket).await.unwrap();
        let sqs = local_sqs_client(&endpoint);
        let queues = create_queues(&sqs, name, 5, 30).await.unwrap();
        let table = format!("{name}-seen");
        create_idempotency_table(&local_dynamodb_client(&endpoint), &table)
            .await
            .unwrap();
        let dev_dir =
            std::env::temp_dir().join(format!("switchboard-{name}-{}", std::process::id()));
        Self {
            server,
            s3,
            sqs,
            bucket,
            queue_url: queues.queue_url,
            dlq_url: queues.dlq_url,
            table,
            dev_dir,
        }
    }

    /// Every archived object, as `(key, bytes)`.
    async fn objects(&self) -> Vec<(String, Vec<u8>)> {
        let listed = self
            .s3
            .list_objects_v2()
            .bucket(&self.bucket)
            .send()
            .await
            .unwrap();
        let mut objects = Vec::new();
        for item in listed.contents() {
            let key = item.key().unwrap().to_owned();
            let got = self
                .s3
                .get_object()
                .bucket(&self.bucket)
                .key(&key)
                .send()
                .await
                .unwrap();
            objects.push((key, got.body.collect().await.unwrap().into_bytes().to_vec()));
        }
        objects
    }

    /// Runs the CLI with `args` against this stack; its (stdout, stderr).
    async fn cli(&self, args: &[&str]) -> (bool, String, String) {
        let endpoint = self.server.endpoint();
        let output = tokio::process::Command::new(cli_binary())
            .arg("--dev-dir")
            .arg(&self.dev_dir)
            .args(args)
            .args(["--bucket", &self.bucket, "--s3-endpoint", &endpoint])
            .env_remove("SWITCHBOARD_STACK")
            .output()
            .await
            .unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// Runs `events replay` with `args`, sending to this stack's queue.
    async fn replay(&self, args: &[&str]) -> (bool, String, String) {
        let endpoint = self.server.endpoint();
        let mut all = vec![
            "events",
            "replay",
            "--queue-url",
            &self.queue_url,
            "--sqs-endpoint",
            &endpoint,
        ];
        all.extend_from_slice(args);
        self.cli(&all).await
    }

    /// Receives and deletes every message on the queue.
    async fn take(&self) -> Vec<aws_sdk_sqs::types::Message> {
        let messages = receive_up_to(&self.sqs, &self.queue_url, 100, 30)
            .await
            .unwrap();
        for message in &messages {
            self.sqs
                .delete_message()
                .queue_url(&self.queue_url)
                .receipt_handle(message.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
        messages
    }
}

/// An envelope; Discord's are told apart by content, so each gets its own `data.id`.
fn envelope(sender: Sender, event_type: &str, arrival: Arrival) -> String {
    let payload = match sender {
        Sender::Pluralkit => {
            json!({"type": event_type, "system_id": "sys", "id": "mem", "data": {"description": PRIVATE}})
        }
        _ => json!({"version": 1, "application_id": "app", "type": 1, "event": {
            "type": event_type, "timestamp": "2026-12-02T05:00:00",
            "data": {"id": arrival.id.to_string(), "note": PRIVATE}}}),
    };
    let raw = RawValue::from_string(payload.to_string()).unwrap();
    Envelope::new(sender, event_type.into(), arrival, raw).to_json()
}

fn failed(response: &Value) -> Vec<String> {
    let mut ids: Vec<String> = response["batchItemFailures"]
        .as_array()
        .unwrap_or_else(|| panic!("a batch response: {response}"))
        .iter()
        .map(|failure| failure["itemIdentifier"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread")]
async fn the_built_processor_archives_every_record_byte_for_byte_before_it_runs() {
    let stack = Stack::start("archive-binary").await;
    let member = envelope(Sender::Pluralkit, "CREATE_MEMBER", Arrival::now());
    let entitlement = envelope(Sender::Discord, "ENTITLEMENT_CREATE", Arrival::now());
    let unreadable = format!("not an envelope: {PRIVATE}");
    let batch = [
        ("m0", member.as_str()),
        ("m1", entitlement.as_str()),
        ("m2", unreadable.as_str()),
        ("m3", member.as_str()),
    ];
    let batch = serde_json::to_value(sqs_event(&batch)).unwrap();

    let vars = [
        (ARCHIVE_BUCKET, stack.bucket.clone()),
        ("RUST_LOG", "trace".to_owned()),
    ];
    let mut processor = FunctionProcess::start("processor", &vars, &stack.server.endpoint()).await;
    let response = processor
        .invoke(&batch, Duration::from_secs(20))
        .await
        .unwrap_or_else(|| panic!("an error: {}", processor.output()));
    assert_eq!(failed(&response), ["m2"], "only the undecodable body fails");
    processor.stop().await;

    let hour = Utc::now().format("date=%Y-%m-%d/hour=%H/").to_string();
    let mut archived = Vec::new();
    for (key, bytes) in stack.objects().await {
        let partition = Partition::of_key(&key).unwrap_or_else(|| panic!("{key}"));
        // The undecodable body by its SentTimestamp (the devkit's batches: 2023-11-14T22:13:20Z).
        let expected = match partition.part {
            Part::Other => "date=2023-11-14/hour=22/",
            Part::Events(_) => hour.as_str(),
        };
        assert!(key.contains(expected), "{key} under {expected}");
        archived.push((
            partition.part,
            object::decode_bodies(partition.part, &bytes).unwrap(),
        ));
    }
    archived.sort_by_key(|(part, _)| *part);
    assert_eq!(
        archived,
        [
            (Part::Events(Sender::Discord), vec![entitlement]),
            (
                Part::Events(Sender::Pluralkit),
                vec![member.clone(), member]
            ),
            (Part::Other, vec![unreadable]),
        ],
        "one object per partition, every body byte for byte"
    );
    let output = processor.output();
    assert!(output.contains("event handled"), "{output}");
    assert!(!output.contains(PRIVATE), "no payload text in any log line");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unwritable_bucket_fails_every_record_and_runs_nothing() {
    let stack = Stack::start("archive-refused").await;
    let member = envelope(Sender::Pluralkit, "CREATE_MEMBER", Arrival::now());
    let batch = serde_json::to_value(sqs_event(&[("m0", &member), ("m1", &member)])).unwrap();
    let vars = [
        (ARCHIVE_BUCKET, "no-such-bucket".to_owned()),
        ("RUST_LOG", "info".to_owned()),
    ];
    let mut processor = FunctionProcess::start("processor", &vars, &stack.server.endpoint()).await;
    let response = processor
        .invoke(&batch, Duration::from_secs(20))
        .await
        .unwrap_or_else(|| panic!("an error: {}", processor.output()));
    processor.stop().await;
    assert_eq!(failed(&response), ["m0", "m1"]);
    let output = processor.output();
    assert!(output.contains("archive write failed"), "{output}");
    assert!(!output.contains("event handled"), "nothing ran: {output}");
    assert!(stack.objects().await.is_empty());
}

/// Received messages as the batch Lambda would hand the processor.
fn as_batch(messages: &[aws_sdk_sqs::types::Message]) -> aws_lambda_events::event::sqs::SqsEvent {
    let records: Vec<(&str, &str)> = messages
        .iter()
        .map(|m| (m.message_id().unwrap(), m.body().unwrap()))
        .collect();
    sqs_event(&records)
}

/// Counts the records its handler runs for.
struct Counting(AtomicUsize);

#[async_trait::async_trait]
impl Handler for Counting {
    async fn handle(&self, _event: &Event, _context: &EventContext) -> Result<(), HandlerError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn events_are_found_shown_and_replayed_as_the_readme_says() {
    let (log, _logging) = CapturedLog::install("info");
    let stack = Stack::start("replay").await;
    let runs = Arc::new(Counting(AtomicUsize::new(0)));
    let endpoint = stack.server.endpoint();
    let processor = switchboard_tests::processor_with(
        &[
            (ARCHIVE_BUCKET, stack.bucket.as_str()),
            (IDEMPOTENCY_TABLE, stack.table.as_str()),
        ],
        &local_sdk_config(&endpoint),
        switchboard::Registry::new().fallback(Arc::clone(&runs)),
    );

    // Three members and two entitlements now, and one member three hours ago.
    let old_at = Utc::now() - chrono::Duration::hours(3);
    let old = Arrival {
        id: uuid::Uuid::new_v7(uuid::Timestamp::from_unix(
            uuid::NoContext,
            old_at.timestamp() as u64,
            old_at.timestamp_subsec_nanos(),
        )),
        at: old_at,
    };
    let bodies = [
        envelope(Sender::Pluralkit, "CREATE_MEMBER", Arrival::now()),
        envelope(Sender::Discord, "ENTITLEMENT_CREATE", Arrival::now()),
        envelope(Sender::Pluralkit, "CREATE_MEMBER", Arrival::now()),
        envelope(Sender::Discord, "ENTITLEMENT_CREATE", Arrival::now()),
        envelope(Sender::Pluralkit, "CREATE_MEMBER", Arrival::now()),
        envelope(Sender::Pluralkit, "CREATE_MEMBER", old),
    ];
    let records: Vec<(String, &str)> = bodies
        .iter()
        .enumerate()
        .map(|(n, body)| (format!("m{n}"), body.as_str()))
        .collect();
    let records: Vec<(&str, &str)> = records.iter().map(|(id, b)| (id.as_str(), *b)).collect();
    // Delivered twice, so the archive holds every record twice.
    for _ in 0..2 {
        let response = processor.process(sqs_event(&records), None).await;
        assert!(failed_ids(&response).is_empty(), "{}", log.text());
    }
    assert_eq!(runs.0.load(Ordering::SeqCst), 6, "each once: the store");
    let ids: Vec<String> = bodies
        .iter()
        .map(|body| Envelope::from_json(body).unwrap().id.unwrap().to_string())
        .collect();

    // list: by time, type and source; each id once; no payload unless asked.
    let (ok, out, err) = stack.cli(&["events", "list", "--since", "1h"]).await;
    assert!(ok, "{out}{err}");
    assert_eq!(
        out.lines().count(),
        5,
        "the last hour, each id once:\n{out}"
    );
    assert!(
        !out.contains(PRIVATE) && !err.contains(PRIVATE),
        "no payload text"
    );
    assert!(
        out.contains("system_id=sys") && out.contains("application_id=app"),
        "{out}"
    );
    let (_, out, _) = stack
        .cli(&["events", "list", "--since", "4h", "--type", "CREATE_MEMBER"])
        .await;
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(
        out.contains(&ids[5]),
        "the older one is in a 4 h range: {out}"
    );
    let (_, out, _) = stack
        .cli(&["events", "list", "--since", "4h", "--source", "discord"])
        .await;
    let listed: BTreeSet<&str> = out
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        listed,
        BTreeSet::from([ids[1].as_str(), ids[3].as_str()]),
        "{out}"
    );
    let (_, out, _) = stack
        .cli(&[
            "events",
            "list",
            "--since",
            "1h",
            "--type",
            "ENTITLEMENT_CREATE",
            "--payload",
        ])
        .await;
    assert!(out.contains(PRIVATE), "--payload shows it: {out}");
    let (ok, _, err) = stack.cli(&["events", "list", "--since", "yesterday"]).await;
    assert!(!ok && err.contains("--since"), "{err}");

    // show: the envelope whole, byte for byte.
    let (ok, out, err) = stack.cli(&["events", "show", &ids[5]]).await;
    assert!(ok, "{out}{err}");
    assert_eq!(out.trim_end(), bodies[5]);
    let (ok, _, err) = stack
        .cli(&["events", "show", &uuid::Uuid::now_v7().to_string()])
        .await;
    assert!(!ok && err.contains("is not in"), "{err}");

    // peek --dlq: which dead letters the archive holds.
    let stranger = envelope(Sender::Pluralkit, "CREATE_MEMBER", Arrival::now());
    for body in [&bodies[0], &stranger] {
        stack
            .sqs
            .send_message()
            .queue_url(&stack.dlq_url)
            .message_body(body)
            .send()
            .await
            .unwrap();
    }
    let endpoint = stack.server.endpoint();
    let (ok, out, err) = stack
        .cli(&[
            "peek",
            "--dlq",
            "--queue-url",
            &stack.queue_url,
            "--dlq-url",
            &stack.dlq_url,
            "--sqs-endpoint",
            &endpoint,
        ])
        .await;
    assert!(ok, "{out}{err}");
    let stranger_id = Envelope::from_json(&stranger)
        .unwrap()
        .id
        .unwrap()
        .to_string();
    let line_of = |id: &str| {
        out.lines()
            .find(|l| l.contains(id))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(line_of(&ids[0]).ends_with("archived=yes"), "{out}");
    assert!(line_of(&stranger_id).ends_with("archived=no"), "{out}");

    // --dry-run: a count, nothing sent; --after resumes past an id.
    let members = ["--since", "4h", "--type", "CREATE_MEMBER"];
    let (ok, out, err) = stack.replay(&[&members[..], &["--dry-run"]].concat()).await;
    assert!(ok, "{out}{err}");
    assert!(out.contains("4 event(s) would be replayed"), "{out}");
    assert!(stack.take().await.is_empty(), "a dry run sends nothing");
    let (_, out, _) = stack
        .replay(&[&members[..], &["--dry-run", "--after", &ids[5]]].concat())
        .await;
    assert!(
        out.contains("3 event(s) would be replayed"),
        "the oldest is first: {out}"
    );

    // A replay that cannot send stops, and says how to run it again with
    // the range it resolved (not "4h", which moves).
    let endpoint = stack.server.endpoint();
    let (ok, _, err) = stack
        .cli(
            &[
                &["events", "replay"],
                &members[..],
                &[
                    "--queue-url",
                    &format!("{endpoint}/123456789012/no-such-queue"),
                    "--sqs-endpoint",
                    &endpoint,
                ],
            ]
            .concat(),
        )
        .await;
    assert!(!ok, "{err}");
    assert!(err.contains("stopped after 0 event(s)"), "{err}");
    assert!(
        err.contains("nothing was sent: run it again with --since 20"),
        "{err}"
    );

    // Without --force: every effect had completed, so all are duplicates.
    let (ok, out, err) = stack.replay(&members).await;
    assert!(ok, "{out}{err}");
    assert!(out.contains("replayed 4 event(s)"), "{out}");
    let replayed = stack.take().await;
    assert_eq!(replayed.len(), 4, "each envelope once in a run");
    for message in &replayed {
        let envelope = Envelope::from_json(message.body().unwrap()).unwrap();
        assert!(
            ids.contains(&envelope.id.unwrap().to_string()),
            "its own id"
        );
        let replay = envelope.replay.expect("marked as a replay");
        assert!(!replay.forced);
        let attribute = message.message_attributes().unwrap().get("replay").unwrap();
        assert_eq!(
            attribute.string_value(),
            Some(
                replay
                    .at
                    .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
                    .as_str()
            )
        );
    }
    let batch = as_batch(&replayed);
    let response = processor.process(batch.clone(), None).await;
    assert!(failed_ids(&response).is_empty());
    assert_eq!(
        runs.0.load(Ordering::SeqCst),
        6,
        "a gap-filling replay ran nothing again"
    );

    // --force, paced: every effect again, no faster than --rate.
    let started = Instant::now();
    let (ok, out, err) = stack
        .replay(&[&members[..], &["--force", "--rate", "4"]].concat())
        .await;
    let took = started.elapsed();
    assert!(ok, "{out}{err}");
    assert!(
        took >= Duration::from_millis(750),
        "4 sends at 4/s take 0.75 s at least: {took:?}"
    );
    let forced = stack.take().await;
    assert_eq!(forced.len(), 4);
    let batch = as_batch(&forced);
    let response = processor.process(batch.clone(), None).await;
    assert!(failed_ids(&response).is_empty());
    assert_eq!(
        runs.0.load(Ordering::SeqCst),
        10,
        "a forced replay ran all 4 again"
    );
    let again = processor.process(batch, None).await;
    assert!(failed_ids(&again).is_empty());
    assert_eq!(
        runs.0.load(Ordering::SeqCst),
        10,
        "its redelivery is still a duplicate"
    );
    let _ = std::fs::remove_dir_all(&stack.dev_dir);
}
