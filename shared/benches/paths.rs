//! The per-event work of each path, without I/O: (a) Discord ingest beside a
//! bare `verify_strict` of the same message, (b) PluralKit ingest, on the
//! single-system route and on a tenant's (the cache hit and the decision),
//! (c) the processor's decode and dispatch for a 10-record batch, (d) an
//! interaction's deferral beside a webhook event, both verified, in one run.
#![expect(
    clippy::expect_used,
    reason = "a benchmark on a broken setup (a missing fixture, say) must stop, not measure null"
)]

use std::hint::black_box;

use async_trait::async_trait;
use aws_lambda_events::event::sqs::SqsEvent;
use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use ed25519_dalek::{Signature, SigningKey};
use std::sync::Arc;
use switchboard::envelope::Arrival;

use switchboard::pluralkit::{
    token_sha256, Pinned, TenantDirectory, TenantError, TenantId, TenantRecord, Tenants,
};
use switchboard::{
    decide, decide_with, process_batch, Decision, Event, EventContext, Handler, HandlerError,
    IngestConfig, IngestRequest, Registry, Sender,
};
use switchboard_devkit::{sign_discord_request, TestConfig};

const NOW: i64 = 1_700_000_000;
const TOKEN: &str = "YmVuY2gtdG9rZW4tYmVuY2gtdG9rZW4tYmVuY2gtdG9rZW4tYmVuY2gtdG9rZW4tYm";

fn fixture(sender: Sender, name: &str) -> serde_json::Value {
    let text = switchboard_devkit::fixture(sender, name).expect("the fixture exists");
    serde_json::from_str(&text).expect("the fixture is JSON")
}

fn config(key: &SigningKey) -> IngestConfig {
    TestConfig::new()
        .queue_url("q")
        .discord_key(key)
        .pluralkit_token(TOKEN)
        .pluralkit_tenants("tenants")
        .build()
}

/// One tenant, `alice`, pinned to the fixture's system, always at hand.
#[derive(Debug)]
struct OneTenant(TenantRecord);

#[async_trait]
impl TenantDirectory for OneTenant {
    async fn read(&self, _: &TenantId) -> Result<Option<TenantRecord>, TenantError> {
        Ok(Some(self.0.clone()))
    }

    async fn pin(&self, _: &TenantId, _: &str) -> Result<Pinned, TenantError> {
        Ok(Pinned::Unchanged)
    }
}

/// The no-op sink: what the SQS adapter would send, serialized, then dropped.
fn sink(decision: Decision) -> usize {
    match decision {
        Decision::Enqueue { event, .. } => event.envelope.to_json().len(),
        _ => 0,
    }
}

fn discord_ingest(c: &mut Criterion) {
    let key = SigningKey::from_bytes(&[9; 32]);
    let config = config(&key);
    let body = fixture(Sender::Discord, "ENTITLEMENT_CREATE").to_string();
    let ts = NOW.to_string();
    let sig = sign_discord_request(&key, &ts, body.as_bytes());
    let headers = [
        ("content-type", b"application/json".as_slice()),
        ("user-agent", b"Discord-Interactions/1.0".as_slice()),
        ("x-signature-ed25519", sig.as_bytes()),
        ("x-signature-timestamp", ts.as_bytes()),
    ];
    let now = Arrival {
        id: uuid::Uuid::now_v7(),
        at: Utc.timestamp_opt(NOW, 0).single().expect("a valid time"),
    };
    let mut message = ts.as_bytes().to_vec();
    message.extend_from_slice(body.as_bytes());
    let signature = Signature::from_bytes(
        &hex::decode(&sig)
            .expect("hex")
            .try_into()
            .expect("64 bytes"),
    );
    let verifying_key = key.verifying_key();

    // The path measured must be the one that enqueues, not a rejection.
    let check = IngestRequest {
        method: "POST",
        path: "/discord",
        headers: &headers,
        body: body.as_bytes(),
    };
    assert!(
        matches!(decide(&config, &check, now), Decision::Enqueue { .. }),
        "the Discord bench input is not accepted"
    );
    let mut group = c.benchmark_group("a_discord");
    group.bench_function("bare_verify_strict", |b| {
        b.iter(|| {
            verifying_key
                .verify_strict(black_box(&message), black_box(&signature))
                .is_ok()
        })
    });
    group.bench_function("ingest_path", |b| {
        b.iter(|| {
            let request = IngestRequest {
                method: "POST",
                path: "/discord",
                headers: &headers,
                body: black_box(body.as_bytes()),
            };
            sink(decide(&config, &request, now))
        })
    });
    group.finish();
}

/// (d) A slash command on `/discord/interactions` (verify, the head, the
/// answer table, the envelope) beside the webhook event on `/discord`.
fn interaction_ingest(c: &mut Criterion) {
    let key = SigningKey::from_bytes(&[9; 32]);
    let config = config(&key);
    let now = Arrival {
        id: uuid::Uuid::now_v7(),
        at: Utc.timestamp_opt(NOW, 0).single().expect("a valid time"),
    };
    let ts = NOW.to_string();
    let signed = |sender: Sender, name: &str| {
        let body = fixture(sender, name).to_string();
        let sig = sign_discord_request(&key, &ts, body.as_bytes());
        (body, sig)
    };
    let (webhook, webhook_sig) = signed(Sender::Discord, "ENTITLEMENT_CREATE");
    let (command, command_sig) = signed(Sender::DiscordInteraction, "APPLICATION_COMMAND");
    let mut group = c.benchmark_group("d_interactions");
    for (name, path, body, sig) in [
        ("webhook_event", "/discord", &webhook, &webhook_sig),
        (
            "command_deferral",
            "/discord/interactions",
            &command,
            &command_sig,
        ),
    ] {
        let headers = [
            ("content-type", b"application/json".as_slice()),
            ("x-signature-ed25519", sig.as_bytes()),
            ("x-signature-timestamp", ts.as_bytes()),
        ];
        let check = IngestRequest {
            method: "POST",
            path,
            headers: &headers,
            body: body.as_bytes(),
        };
        assert!(
            matches!(decide(&config, &check, now), Decision::Enqueue { .. }),
            "the {name} bench input is not accepted"
        );
        group.bench_function(name, |b| {
            b.iter(|| {
                let request = IngestRequest {
                    method: "POST",
                    path,
                    headers: &headers,
                    body: black_box(body.as_bytes()),
                };
                sink(decide(&config, &request, now))
            })
        });
    }
    group.finish();
}

fn pluralkit_ingest(c: &mut Criterion) {
    let config = config(&SigningKey::from_bytes(&[9; 32]));
    let mut value = fixture(Sender::Pluralkit, "CREATE_SWITCH");
    value["signing_token"] = TOKEN.into();
    let body = value.to_string();
    let now = Arrival {
        id: uuid::Uuid::now_v7(),
        at: Utc.timestamp_opt(NOW, 0).single().expect("a valid time"),
    };
    let check = IngestRequest {
        method: "POST",
        path: "/pluralkit",
        headers: &[],
        body: body.as_bytes(),
    };
    assert!(
        matches!(decide(&config, &check, now), Decision::Enqueue { .. }),
        "the PluralKit bench input is not accepted"
    );
    let digest = token_sha256(TOKEN);
    let system = value["system_id"].as_str().map(str::to_owned);
    let (record, _) = TenantRecord::from_parts([digest.as_str()], system, false);
    let tenants_config = config.pluralkit_tenants.clone().expect("tenants are on");
    let tenants = Tenants::new(Arc::new(OneTenant(record)), &tenants_config);
    let alice = TenantId::parse("alice").expect("an id");
    let later = || tokio::time::Instant::now() + std::time::Duration::from_secs(1);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    // Warm: the cached path is what every request but a tenant's first takes.
    let cached = runtime
        .block_on(tenants.get(&alice, later()))
        .expect("read")
        .expect("alice");
    let tenant_check = IngestRequest {
        path: "/pluralkit/alice",
        ..check
    };
    assert!(
        matches!(
            decide_with(&config, &tenant_check, now, Some(&cached)),
            Decision::Enqueue { .. }
        ),
        "the tenant bench input is not accepted"
    );
    let mut group = c.benchmark_group("b_pluralkit");
    group.bench_function("ingest_path", |b| {
        b.iter(|| {
            let request = IngestRequest {
                method: "POST",
                path: "/pluralkit",
                headers: &[],
                body: black_box(body.as_bytes()),
            };
            sink(decide(&config, &request, now))
        })
    });
    // What a tenant's request adds: the route, the cache hit, the tenant's
    // digests instead of the configured ones, the system check.
    group.bench_function("tenant_path_cached", |b| {
        b.iter(|| {
            let request = IngestRequest {
                method: "POST",
                path: black_box("/pluralkit/alice"),
                headers: &[],
                body: black_box(body.as_bytes()),
            };
            let record = runtime
                .block_on(tenants.get(black_box(&alice), later()))
                .expect("cached")
                .expect("alice");
            sink(decide_with(&config, &request, now, Some(&record)))
        })
    });
    group.finish();
}

struct Noop;

#[async_trait]
impl Handler for Noop {
    async fn handle(&self, event: &Event, context: &EventContext) -> Result<(), HandlerError> {
        black_box((event, context));
        Ok(())
    }
}

fn processor(c: &mut Criterion) {
    let key = SigningKey::from_bytes(&[9; 32]);
    let config = config(&key);
    let now = Arrival {
        id: uuid::Uuid::now_v7(),
        at: Utc.timestamp_opt(NOW, 0).single().expect("a valid time"),
    };
    // Ten real envelopes, as ingest made them: five Discord, five PluralKit.
    let mut bodies = Vec::new();
    for (i, (sender, name)) in [
        (Sender::Discord, "ENTITLEMENT_CREATE"),
        (Sender::Pluralkit, "CREATE_SWITCH"),
        (Sender::Discord, "LOBBY_MESSAGE_CREATE"),
        (Sender::Pluralkit, "UPDATE_MEMBER"),
        (Sender::Discord, "GAME_DIRECT_MESSAGE_CREATE"),
    ]
    .iter()
    .cycle()
    .take(10)
    .enumerate()
    {
        let mut value = fixture(*sender, name);
        value["signing_token"] = TOKEN.into();
        value["n"] = i.into();
        let body = value.to_string();
        let ts = NOW.to_string();
        let sig = sign_discord_request(&key, &ts, body.as_bytes());
        let headers = [
            ("x-signature-ed25519", sig.as_bytes()),
            ("x-signature-timestamp", ts.as_bytes()),
        ];
        let request = IngestRequest {
            method: "POST",
            path: &format!("/{sender}"),
            headers: &headers,
            body: body.as_bytes(),
        };
        if let Decision::Enqueue { event, .. } = decide(&config, &request, now) {
            bodies.push(event.envelope.to_json());
        }
    }
    assert_eq!(bodies.len(), 10);
    let records: Vec<serde_json::Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| serde_json::json!({"messageId": format!("m{i}"), "receiptHandle": "r", "body": body, "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}}))
        .collect();
    let event: SqsEvent =
        serde_json::from_value(serde_json::json!({"Records": records})).expect("an SqsEvent");
    let registry = Registry::new()
        .fallback(Noop)
        .build()
        .expect("a fallback is set");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");

    let mut group = c.benchmark_group("c_processor");
    group.throughput(Throughput::Elements(10));
    group.bench_function("batch_of_10", |b| {
        b.iter_batched(
            || event.clone(),
            |event| {
                let response = runtime.block_on(process_batch(&registry, event, 8, None));
                assert!(response.batch_item_failures.is_empty());
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(
    benches,
    discord_ingest,
    pluralkit_ingest,
    processor,
    interaction_ingest
);
criterion_main!(benches);
