#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The real ingest handler against a real SQS-compatible server (moto): what
//! is acknowledged is on the queue, with its attributes and without the token;
//! with the server down, each sender gets a 503 inside its deadline.

use std::time::{Duration, Instant};

use chrono::Utc;
use ed25519_dalek::SigningKey;
use ingest::Ingest;
use serde_json::{json, Value};
use std::sync::Arc;
use switchboard::config::{DISCORD_PUBLIC_KEY, PLURALKIT_SIGNING_TOKEN, QUEUE_URL};
use switchboard::queue::sqs::SqsQueue;
use switchboard::IngestConfig;
use switchboard_devkit::discord_signature_headers;
use switchboard_devkit::local_aws_settings;
use switchboard_devkit::HttpRequest;
use switchboard_devkit::{create_queues, local_sqs_client as sqs_client, MotoServer};
use switchboard_tests::{drain_view, DriveIngest};

const TOKEN: &str = "aW50ZWdyYXRpb24tdG9rZW4taW50ZWdyYXRpb24tdG9rZW4taW50ZWdyYXRpb24tdG8";

fn key() -> SigningKey {
    SigningKey::from_bytes(&[5; 32])
}

fn config(queue_url: &str) -> IngestConfig {
    let public_key = hex::encode(key().verifying_key().to_bytes());
    IngestConfig::from_lookup(|name| match name {
        QUEUE_URL => Some(queue_url.to_owned()),
        DISCORD_PUBLIC_KEY => Some(public_key.clone()),
        PLURALKIT_SIGNING_TOKEN => Some(TOKEN.to_owned()),
        _ => None,
    })
    .unwrap()
}

fn discord_request(body: &str) -> HttpRequest {
    let ts = Utc::now().timestamp().to_string();
    HttpRequest::post("/discord", body.as_bytes()).headers(discord_signature_headers(
        &key(),
        &ts,
        body.as_bytes(),
    ))
}

fn attribute(message: &aws_sdk_sqs::types::Message, name: &str) -> Option<String> {
    message
        .message_attributes()?
        .get(name)?
        .string_value()
        .map(str::to_owned)
}

async fn ingest_for(server: &MotoServer, queue_url: &str) -> Arc<Ingest<SqsQueue>> {
    let sdk = local_aws_settings(&server.endpoint());
    Arc::new(Ingest::new(
        config(queue_url),
        SqsQueue::new(SqsQueue::client_for_ingest(&sdk), queue_url.to_owned()),
    ))
}

#[tokio::test(flavor = "multi_thread")]
async fn acknowledged_events_are_on_the_queue_with_attributes_and_no_token() {
    let server = MotoServer::start();
    let client = sqs_client(&server.endpoint());
    let queues = create_queues(&client, "ingest-events", 5, 30)
        .await
        .unwrap();
    let ingest = ingest_for(&server, &queues.queue_url).await;

    let discord_body = std::fs::read_to_string(
        switchboard_devkit::repo_root().join("fixtures/discord/ENTITLEMENT_CREATE.json"),
    )
    .unwrap();
    let response = ingest.answer(discord_request(&discord_body)).await;
    assert_eq!(response.status, 204);

    let pk_body =
        json!({"type": "CREATE_SWITCH", "signing_token": TOKEN, "system_id": "sys-1", "id": "sw-1",
        "data": {"id": "sw-1", "timestamp": "2026-11-01T12:00:00Z", "members": ["m-1"]}})
        .to_string();
    let response = ingest
        .answer(HttpRequest::post("/pluralkit", pk_body.as_str()))
        .await;
    assert_eq!(response.status, 200);

    let ping = json!({"type": "PING", "signing_token": TOKEN, "system_id": "sys-1"}).to_string();
    assert_eq!(
        ingest
            .answer(HttpRequest::post("/pluralkit", ping.as_str()))
            .await
            .status,
        200
    );
    let bad =
        json!({"type": "CREATE_MEMBER", "signing_token": "nope", "system_id": "sys-1"}).to_string();
    assert_eq!(
        ingest
            .answer(HttpRequest::post("/pluralkit", bad.as_str()))
            .await
            .status,
        401
    );

    let messages = drain_view(&client, &queues.queue_url).await;
    assert_eq!(messages.len(), 2, "only the two events are queued");
    let discord = messages
        .iter()
        .find(|m| attribute(m, "source").as_deref() == Some("discord"))
        .unwrap();
    let pluralkit = messages
        .iter()
        .find(|m| attribute(m, "source").as_deref() == Some("pluralkit"))
        .unwrap();

    let envelope: Value = serde_json::from_str(discord.body().unwrap()).unwrap();
    assert_eq!(envelope["event_type"], "ENTITLEMENT_CREATE");
    assert_eq!(
        envelope["payload"],
        serde_json::from_str::<Value>(&discord_body).unwrap()
    );
    assert_eq!(
        attribute(discord, "event_type").as_deref(),
        Some("ENTITLEMENT_CREATE")
    );
    assert_eq!(
        attribute(discord, "application_id").as_deref(),
        Some("1234560123453231555")
    );

    let body = pluralkit.body().unwrap();
    assert!(
        !body.contains(TOKEN) && !body.contains("signing_token"),
        "{body}"
    );
    let envelope: Value = serde_json::from_str(body).unwrap();
    assert_eq!(envelope["payload"]["data"]["members"], json!(["m-1"]));
    assert_eq!(attribute(pluralkit, "system_id").as_deref(), Some("sys-1"));
    assert_eq!(
        attribute(pluralkit, "event_type").as_deref(),
        Some("CREATE_SWITCH")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_server_gets_503_inside_each_senders_deadline() {
    let mut server = MotoServer::start();
    let client = sqs_client(&server.endpoint());
    let queues = create_queues(&client, "ingest-outage", 5, 30)
        .await
        .unwrap();
    let ingest = ingest_for(&server, &queues.queue_url).await;
    server.stop();

    let body = std::fs::read_to_string(
        switchboard_devkit::repo_root().join("fixtures/discord/LOBBY_MESSAGE_CREATE.json"),
    )
    .unwrap();
    let started = Instant::now();
    let response = ingest.answer(discord_request(&body)).await;
    let discord_elapsed = started.elapsed();
    assert_eq!(response.status, 503);
    assert!(
        discord_elapsed <= Duration::from_millis(2_500),
        "Discord answered after {discord_elapsed:?}"
    );

    let pk = json!({"type": "UPDATE_MEMBER", "signing_token": TOKEN, "system_id": "s", "id": "m", "data": {"name": "x"}}).to_string();
    let started = Instant::now();
    let response = ingest
        .answer(HttpRequest::post("/pluralkit", pk.as_str()))
        .await;
    let pluralkit_elapsed = started.elapsed();
    assert_eq!(response.status, 503);
    assert!(
        pluralkit_elapsed <= Duration::from_millis(8_500),
        "PluralKit answered after {pluralkit_elapsed:?}"
    );
    eprintln!("503 after {discord_elapsed:?} (Discord), {pluralkit_elapsed:?} (PluralKit)");
}

#[tokio::test(flavor = "multi_thread")]
async fn characters_sqs_refuses_are_queued_escaped_and_mean_the_same() {
    let server = MotoServer::start();
    let client = sqs_client(&server.endpoint());
    let queues = create_queues(&client, "ingest-refused-characters", 5, 30)
        .await
        .unwrap();
    let ingest = ingest_for(&server, &queues.queue_url).await;

    // A raw U+FFFF in a lobby message, and an application id that decodes to a NUL.
    let discord_body = json!({"version": 1, "application_id": "a\u{0}b", "type": 1,
        "event": {"type": "LOBBY_MESSAGE_CREATE", "timestamp": "2024-10-18T18:41:21.109604",
            "data": {"id": "1", "content": "hi \u{FFFF} there"}}})
    .to_string();
    assert!(discord_body.contains('\u{FFFF}') && discord_body.contains("\\u0000"));
    assert_eq!(
        ingest.answer(discord_request(&discord_body)).await.status,
        204
    );
    // A PluralKit member name with a raw U+FFFE.
    let pk_body = json!({"type": "CREATE_MEMBER", "signing_token": TOKEN, "system_id": "sys-1",
        "id": "m-1", "data": {"name": "A\u{FFFE}"}})
    .to_string();
    assert_eq!(
        ingest
            .answer(HttpRequest::post("/pluralkit", pk_body.as_str()))
            .await
            .status,
        200
    );

    let messages = drain_view(&client, &queues.queue_url).await;
    assert_eq!(messages.len(), 2);
    for message in &messages {
        let body = message.body().unwrap();
        assert!(
            !body.contains('\u{FFFF}') && !body.contains('\u{FFFE}'),
            "sent escaped: {body}"
        );
        let envelope: Value = serde_json::from_str(body).unwrap();
        let payload = &envelope["payload"];
        if attribute(message, "source").as_deref() == Some("discord") {
            let original: Value = serde_json::from_str(&discord_body).unwrap();
            assert_eq!(payload, &original, "the same JSON");
            assert_eq!(attribute(message, "application_id"), None, "left out");
        } else {
            assert_eq!(payload["data"]["name"], "A\u{FFFE}");
            assert_eq!(attribute(message, "system_id").as_deref(), Some("sys-1"));
        }
    }
}
