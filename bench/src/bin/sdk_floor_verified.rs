//! The verified floor: the SDK floor plus the one piece of work no Discord
//! receiver may skip, Ed25519's `verify_strict` of `timestamp || body` before
//! the send. It answers 401 for a bad signature and 204 after one
//! `aws-sdk-sqs` `SendMessage` with the SDK's defaults, and does nothing else
//! (no replay window, no limits, no envelope, no dedupe key, no logs, no
//! metrics). Ingest measured against it shows what ingest's own work costs
//! beyond what any correct receiver pays (BENCHMARKS.md, section 0.0).

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use ed25519_dalek::{Signature, VerifyingKey};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

/// The event's signature over `timestamp || body`, if it carries one that
/// parses.
fn signature_of(event: &ApiGatewayV2httpRequest) -> Option<(Signature, &[u8])> {
    let hex_signature = event.headers.get("x-signature-ed25519")?.as_bytes();
    let mut bytes = [0u8; 64];
    hex::decode_to_slice(hex_signature, &mut bytes).ok()?;
    let timestamp = event.headers.get("x-signature-timestamp")?.as_bytes();
    Some((Signature::from_bytes(&bytes), timestamp))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let key_hex =
        std::env::var("DISCORD_PUBLIC_KEY").map_err(|_| "DISCORD_PUBLIC_KEY is not set")?;
    let mut key_bytes = [0u8; 32];
    hex::decode_to_slice(key_hex.trim(), &mut key_bytes)
        .map_err(|_| "DISCORD_PUBLIC_KEY is not 64 hex digits")?;
    let key = VerifyingKey::from_bytes(&key_bytes)
        .map_err(|_| "DISCORD_PUBLIC_KEY is not an Ed25519 public key")?;
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_sqs::Client::new(&config);
    let queue_url = std::env::var("QUEUE_URL").map_err(|_| "QUEUE_URL is not set")?;
    let (client, queue_url, key) = (&client, queue_url.as_str(), &key);
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ApiGatewayV2httpRequest>| async move {
            let body = event.payload.body.as_deref().unwrap_or_default();
            let verified = signature_of(&event.payload).is_some_and(|(signature, timestamp)| {
                let message = [timestamp, body.as_bytes()].concat();
                key.verify_strict(&message, &signature).is_ok()
            });
            if !verified {
                return Ok::<Value, Error>(json!({ "statusCode": 401 }));
            }
            client
                .send_message()
                .queue_url(queue_url)
                .message_body(body)
                .send()
                .await?;
            Ok(json!({ "statusCode": 204 }))
        },
    ))
    .await
}
