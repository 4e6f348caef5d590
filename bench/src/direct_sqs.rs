//! Diagnostic, not a product path: `SendMessage` made without the SDK's
//! orchestrator. The body is serialized with serde_json, signed with
//! `aws-sigv4` (the SDK's own signer) and sent on a kept-alive hyper
//! connection. It prices the SDK's per-call overhead for the decision left
//! open in BENCHMARKS.md: plain HTTP only, no retries, no error model, no
//! deadline, which is exactly what the SDK provides and this does not.

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use serde_json::{json, Map, Value};
use switchboard::{EventQueue, QueueError, QueuedEvent};

pub struct DirectSqs {
    client: Client<HttpConnector, Full<Bytes>>,
    endpoint: String,
    queue_url: String,
    region: String,
    identity: Identity,
}

impl DirectSqs {
    pub fn new(
        endpoint: &str,
        queue_url: &str,
        region: &str,
        access_key: &str,
        secret: &str,
    ) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Self {
            client: Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector),
            endpoint: endpoint.to_owned(),
            queue_url: queue_url.to_owned(),
            region: region.to_owned(),
            identity: aws_credential_types::Credentials::new(
                access_key, secret, None, None, "bench",
            )
            .into(),
        }
    }

    pub async fn send(&self, event: &QueuedEvent) -> Result<(), String> {
        let attributes: Map<String, Value> = event
            .attributes
            .iter()
            .map(|a| {
                (
                    a.name.to_owned(),
                    json!({"DataType": "String", "StringValue": a.value}),
                )
            })
            .collect();
        let body = serde_json::to_vec(&json!({
            "QueueUrl": self.queue_url,
            "MessageBody": event.envelope.to_json(),
            "MessageAttributes": attributes,
        }))
        .map_err(|e| e.to_string())?;
        let params = v4::SigningParams::builder()
            .identity(&self.identity)
            .region(&self.region)
            .name("sqs")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| e.to_string())?
            .into();
        let headers = [
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-target", "AmazonSQS.SendMessage"),
        ];
        let signable = SignableRequest::new(
            "POST",
            &self.endpoint,
            headers.iter().copied(),
            SignableBody::Bytes(&body),
        )
        .map_err(|e| e.to_string())?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| e.to_string())?
            .into_parts();
        let mut builder = hyper::Request::post(&self.endpoint);
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        let mut request = builder
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        instructions.apply_to_request_http1x(&mut request);
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        let answer: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if !status.is_success() || answer.get("MessageId").is_none() {
            return Err(format!("{status}: {}", String::from_utf8_lossy(&body)));
        }
        Ok(())
    }
}

#[async_trait]
impl EventQueue for DirectSqs {
    async fn enqueue(&self, event: &QueuedEvent, _deadline: Duration) -> Result<(), QueueError> {
        self.send(event).await.map_err(QueueError::Failed)
    }
}
