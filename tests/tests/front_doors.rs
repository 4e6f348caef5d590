#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Every route answers alike whichever front door delivers it: the HTTP
//! API's payload 2.0 (the default `Frontend`), a Lambda Function URL's event
//! (`Frontend=FunctionUrl`), and the REST and ALB shapes an integrator may put
//! in front. Ingest as its `main` builds it, against moto's SQS and DynamoDB:
//! each accepted request is one message on the queue, each refused one is
//! exactly 401 with nothing queued.

use std::sync::Arc;

use chrono::Utc;
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};
use switchboard::config::{
    DISCORD_PUBLIC_KEY, PLURALKIT_SIGNING_TOKEN, PLURALKIT_TENANT_TABLE, QUEUE_URL,
};
use switchboard::pluralkit::tenant_table::TenantTable;
use switchboard::pluralkit::TenantId;
use switchboard::{IngestConfig, Sender};
use switchboard_devkit::{
    create_queues, create_tenant_table, discord_signature_headers, fixture, local_aws_settings,
    local_dynamodb_client, local_sqs_client, HttpRequest, MotoServer, RequestShape,
};
use switchboard_tests::{drain_view, DriveIngest};

const SYSTEM_TOKEN: &str = "ZnJvbnQtZG9vci1zeXN0ZW0tdG9rZW4tZnJvbnQtZG9vci1zeXN0ZW0tdG9rZW4x";
const TENANT_TOKEN: &str = "ZnJvbnQtZG9vci10ZW5hbnQtdG9rZW4tZnJvbnQtZG9vci10ZW5hbnQtdG9rZW4x";

fn key() -> SigningKey {
    SigningKey::from_bytes(&[11; 32])
}

fn signed(path: &str, body: &str, key: &SigningKey) -> HttpRequest {
    let timestamp = Utc::now().timestamp().to_string();
    HttpRequest::post(path, body.as_bytes()).headers(discord_signature_headers(
        key,
        &timestamp,
        body.as_bytes(),
    ))
}

/// A fixture with one field set.
fn fixture_with(sender: Sender, event_type: &str, field: &str, value: &str) -> String {
    let mut body: Value = serde_json::from_str(&fixture(sender, event_type).unwrap()).unwrap();
    body[field] = json!(value);
    body.to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_answers_alike_through_every_front_door() {
    let server = MotoServer::start();
    let endpoint = server.endpoint();
    let sqs = local_sqs_client(&endpoint);
    let queue_url = create_queues(&sqs, "front-doors", 5, 30)
        .await
        .unwrap()
        .queue_url;
    let dynamodb = local_dynamodb_client(&endpoint);
    create_tenant_table(&dynamodb, "front-doors-tenants")
        .await
        .unwrap();
    TenantTable::new(dynamodb, "front-doors-tenants")
        .set_token(&TenantId::parse("alpha").unwrap(), TENANT_TOKEN, false)
        .await
        .unwrap();
    let public_key = hex::encode(key().verifying_key().to_bytes());
    let vars = [
        (QUEUE_URL, queue_url.clone()),
        (DISCORD_PUBLIC_KEY, public_key),
        (PLURALKIT_SIGNING_TOKEN, SYSTEM_TOKEN.to_owned()),
        (PLURALKIT_TENANT_TABLE, "front-doors-tenants".to_owned()),
    ];
    let config = IngestConfig::from_lookup(|name| {
        vars.iter()
            .find(|(variable, _)| *variable == name)
            .map(|(_, value)| value.clone())
    })
    .unwrap();
    let ingest = Arc::new(ingest::build(config, &local_aws_settings(&endpoint)).await);
    let stranger = SigningKey::from_bytes(&[12; 32]);

    let mut accepted = Vec::new();
    for (n, shape) in RequestShape::ALL.into_iter().enumerate() {
        let event = fixture(Sender::Discord, "ENTITLEMENT_CREATE").unwrap();
        // One interaction id per shape: each is its own interaction.
        let interaction_id = format!("13123456789012345{n:02}");
        let command = fixture_with(
            Sender::DiscordInteraction,
            "APPLICATION_COMMAND",
            "id",
            &interaction_id,
        );
        let switch =
            |token: &str| fixture_with(Sender::Pluralkit, "CREATE_SWITCH", "signing_token", token);
        let cases = [
            (
                "/discord event",
                signed("/discord", &event, &key()),
                204,
                None,
            ),
            (
                "/discord/interactions command",
                signed("/discord/interactions", &command, &key()),
                200,
                Some(r#"{"type":5}"#),
            ),
            (
                "/pluralkit switch",
                HttpRequest::post("/pluralkit", switch(SYSTEM_TOKEN)),
                200,
                None,
            ),
            (
                "/pluralkit/alpha switch",
                HttpRequest::post("/pluralkit/alpha", switch(TENANT_TOKEN)),
                200,
                None,
            ),
            (
                "/discord, a stranger's signature",
                signed("/discord", &event, &stranger),
                401,
                None,
            ),
            (
                "/discord, no signature",
                HttpRequest::post("/discord", event.as_bytes()),
                401,
                None,
            ),
            (
                "/discord/interactions, a stranger's signature",
                signed("/discord/interactions", &command, &stranger),
                401,
                None,
            ),
            (
                "/pluralkit, a random token",
                HttpRequest::post("/pluralkit", switch("random-token")),
                401,
                None,
            ),
            (
                "/pluralkit/alpha, the system's token",
                HttpRequest::post("/pluralkit/alpha", switch(SYSTEM_TOKEN)),
                401,
                None,
            ),
        ];
        for (what, request, status, body) in cases {
            let answer = ingest.answer_in(shape, request).await;
            assert_eq!(answer.status, status, "{shape:?}: {what}: {answer:?}");
            if let Some(body) = body {
                assert_eq!(answer.body, body, "{shape:?}: {what}");
            }
            if status != 401 {
                accepted.push((shape, what));
            }
        }
    }

    let messages = drain_view(&sqs, &queue_url).await;
    let mut sources: Vec<String> = messages
        .iter()
        .map(|message| {
            let envelope: Value = serde_json::from_str(message.body().unwrap()).unwrap();
            format!(
                "{}{}",
                envelope["source"].as_str().unwrap(),
                envelope["tenant"]
                    .as_str()
                    .map(|tenant| format!("/{tenant}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    sources.sort();
    let shapes = RequestShape::ALL.len();
    let mut expected: Vec<String> = [
        "discord",
        "discord_interaction",
        "pluralkit",
        "pluralkit/alpha",
    ]
    .iter()
    .flat_map(|source| std::iter::repeat_n(source.to_string(), shapes))
    .collect();
    expected.sort();
    assert_eq!(
        sources, expected,
        "one message per accepted request ({accepted:?}), none for a refused one"
    );
}
