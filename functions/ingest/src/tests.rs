//! Unit tests of the handler over request fixtures in the three shapes
//! `lambda_http` accepts. The queue here is an in-memory fake; the tests in
//! `tests/` use a real SQS server.

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};
use switchboard::config::{Config, DiscordConfig, PluralKitConfig};
use switchboard::discord::{sign_discord_request, DiscordPublicKeys, ReplayWindow};
use switchboard::pluralkit::SigningTokens;
use switchboard::{EventQueue, QueueError, QueuedEvent};

use crate::handler::screen_raw_event;
use crate::Ingest;

const TOKEN: &str = "dGVzdC10b2tlbi10ZXN0LXRva2VuLXRlc3QtdG9rZW4tdGVzdC10b2tlbi10ZXN0LXQ";
const NOW: i64 = 1_700_000_000;
const EVENT: &str = r#"{"version":1,"application_id":"77","type":1,"event":{"type":"ENTITLEMENT_CREATE","timestamp":"2024-10-18T18:41:21.109604","data":{"id":"1"}}}"#;

fn fixed_now() -> DateTime<Utc> {
    Utc.timestamp_opt(NOW, 0).single().unwrap_or_default()
}

#[derive(Default)]
struct FakeQueue {
    sent: Mutex<Vec<String>>,
    fail: bool,
}

#[async_trait]
impl EventQueue for FakeQueue {
    async fn enqueue(&self, event: &QueuedEvent, deadline: Duration) -> Result<(), QueueError> {
        if self.fail {
            return Err(QueueError::DeadlineExceeded(deadline));
        }
        self.sent.lock().unwrap().push(event.envelope.to_json());
        Ok(())
    }
}

fn key() -> SigningKey {
    SigningKey::from_bytes(&[11; 32])
}

fn ingest(fail: bool) -> Ingest<FakeQueue> {
    let config = Config {
        queue_url: "http://queue".into(),
        discord: Some(DiscordConfig {
            public_keys: DiscordPublicKeys::from_keys(vec![key().verifying_key()]),
            replay_window: ReplayWindow::default(),
            enqueue_deadline: Duration::from_secs(2),
        }),
        pluralkit: Some(PluralKitConfig {
            signing_tokens: SigningTokens::parse_list(TOKEN).unwrap(),
            enqueue_deadline: Duration::from_secs(8),
        }),
        max_body_bytes: 4096,
    };
    Ingest::new(
        config,
        FakeQueue {
            fail,
            ..FakeQueue::default()
        },
    )
    .with_clock(fixed_now)
}

#[derive(Clone, Copy, Debug)]
enum Shape {
    HttpApiV2,
    RestV1,
    FunctionUrl,
}

const SHAPES: [Shape; 3] = [Shape::HttpApiV2, Shape::RestV1, Shape::FunctionUrl];

fn event_json(
    shape: Shape,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
    base64: bool,
) -> String {
    let body = if base64 {
        base64::engine::general_purpose::STANDARD.encode(body)
    } else {
        body.to_owned()
    };
    let header_map: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let value = match shape {
        Shape::HttpApiV2 | Shape::FunctionUrl => {
            let (domain, route_key) = match shape {
                Shape::FunctionUrl => (
                    "abc.lambda-url.us-east-1.on.aws".to_string(),
                    "$default".to_string(),
                ),
                _ => (
                    "api.execute-api.us-east-1.amazonaws.com".to_string(),
                    format!("{method} {path}"),
                ),
            };
            json!({
                "version": "2.0", "routeKey": route_key, "rawPath": path, "rawQueryString": "",
                "headers": header_map,
                "requestContext": {
                    "accountId": "123456789012", "apiId": "api", "domainName": domain, "domainPrefix": "api",
                    "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "test"},
                    "requestId": "req", "routeKey": route_key, "stage": "$default", "time": "12/Mar/2020:19:03:58 +0000", "timeEpoch": 1583348638390u64
                },
                "body": body, "isBase64Encoded": base64
            })
        }
        Shape::RestV1 => {
            let multi: serde_json::Map<String, Value> = headers
                .iter()
                .map(|(k, v)| (k.to_string(), json!([v])))
                .collect();
            json!({
                "resource": path, "path": path, "httpMethod": method,
                "headers": header_map, "multiValueHeaders": multi,
                "queryStringParameters": null, "multiValueQueryStringParameters": null,
                "pathParameters": null, "stageVariables": null,
                "requestContext": {
                    "accountId": "123456789012", "resourceId": "res", "stage": "prod", "requestId": "req",
                    "identity": {"sourceIp": "192.0.2.1"}, "resourcePath": path, "httpMethod": method,
                    "apiId": "api", "path": format!("/prod{path}")
                },
                "body": body, "isBase64Encoded": base64
            })
        }
    };
    value.to_string()
}

fn signed_headers(body: &str, ts: i64) -> (String, String) {
    let ts = ts.to_string();
    (sign_discord_request(&key(), &ts, body.as_bytes()), ts)
}

async fn call(
    ingest: &Ingest<FakeQueue>,
    shape: Shape,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
    base64: bool,
) -> (u16, bool, Option<String>) {
    let json = event_json(shape, method, path, headers, body, base64);
    let request = lambda_http::request::from_str(&json).unwrap();
    let response = ingest.handle(request).await;
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (
        response.status().as_u16(),
        response.body().is_empty(),
        content_type,
    )
}

#[tokio::test]
async fn discord_event_is_queued_then_204_in_every_shape_and_case() {
    for shape in SHAPES {
        for base64 in [false, true] {
            let ingest = ingest(false);
            let (sig, ts) = signed_headers(EVENT, NOW);
            let headers = [
                ("X-Signature-Ed25519", sig.as_str()),
                ("X-SIGNATURE-TIMESTAMP", ts.as_str()),
                ("content-type", "application/json"),
            ];
            let (status, empty, _) =
                call(&ingest, shape, "POST", "/discord", &headers, EVENT, base64).await;
            assert_eq!((status, empty), (204, true), "{shape:?} base64={base64}");
            let sent = ingest.queue().sent.lock().unwrap();
            assert_eq!(sent.len(), 1, "{shape:?}");
            assert!(sent[0].contains(r#""payload":{"version":1"#));
        }
    }
}

#[tokio::test]
async fn discord_ping_gets_204_with_content_type_and_is_not_queued() {
    let body = r#"{"version":1,"application_id":"77","type":0}"#;
    for shape in SHAPES {
        let ingest = ingest(false);
        let (sig, ts) = signed_headers(body, NOW);
        let headers = [
            ("x-signature-ed25519", sig.as_str()),
            ("x-signature-timestamp", ts.as_str()),
        ];
        let (status, empty, content_type) =
            call(&ingest, shape, "POST", "/discord", &headers, body, false).await;
        assert_eq!(
            (status, empty, content_type.as_deref()),
            (204, true, Some("application/json"))
        );
        assert!(ingest.queue().sent.lock().unwrap().is_empty());
    }
}

/// Headers, method, path, body, expected status.
type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str, &'a str, u16);

#[tokio::test]
async fn discord_rejections_have_exact_statuses_and_queue_nothing() {
    let (sig, ts) = signed_headers(EVENT, NOW);
    let (stale_sig, stale_ts) = signed_headers(EVENT, NOW - 1000);
    let garbage = "{not json";
    let (garbage_sig, garbage_ts) = signed_headers(garbage, NOW);
    let cases: Vec<Case> = vec![
        (
            vec![("x-signature-timestamp", ts.as_str())],
            "POST",
            "/discord",
            EVENT,
            401,
        ),
        (
            vec![
                ("x-signature-ed25519", "abcd"),
                ("x-signature-timestamp", ts.as_str()),
            ],
            "POST",
            "/discord",
            EVENT,
            401,
        ),
        (
            vec![
                ("x-signature-ed25519", sig.as_str()),
                ("x-signature-timestamp", ts.as_str()),
            ],
            "POST",
            "/discord",
            "{}",
            401,
        ),
        (
            vec![
                ("x-signature-ed25519", stale_sig.as_str()),
                ("x-signature-timestamp", stale_ts.as_str()),
            ],
            "POST",
            "/discord",
            EVENT,
            401,
        ),
        (
            vec![
                ("x-signature-ed25519", garbage_sig.as_str()),
                ("x-signature-timestamp", garbage_ts.as_str()),
            ],
            "POST",
            "/discord",
            garbage,
            400,
        ),
        (
            vec![
                ("x-signature-ed25519", sig.as_str()),
                ("x-signature-timestamp", ts.as_str()),
            ],
            "GET",
            "/discord",
            EVENT,
            405,
        ),
        (
            vec![
                ("x-signature-ed25519", sig.as_str()),
                ("x-signature-timestamp", ts.as_str()),
            ],
            "POST",
            "/other",
            EVENT,
            404,
        ),
    ];
    for shape in SHAPES {
        for (headers, method, path, body, expected) in &cases {
            let ingest = ingest(false);
            let (status, empty, _) = call(&ingest, shape, method, path, headers, body, false).await;
            assert_eq!(status, *expected, "{shape:?} {method} {path} {headers:?}");
            assert!(empty);
            assert!(ingest.queue().sent.lock().unwrap().is_empty());
        }
    }
}

#[tokio::test]
async fn oversized_body_is_413() {
    let big = format!(
        r#"{{"type":"PING","signing_token":"{TOKEN}","pad":"{}"}}"#,
        "x".repeat(5000)
    );
    let (status, _, _) = call(
        &ingest(false),
        Shape::HttpApiV2,
        "POST",
        "/pluralkit",
        &[],
        &big,
        false,
    )
    .await;
    assert_eq!(status, 413);
}

#[tokio::test]
async fn pluralkit_statuses() {
    let ping = format!(r#"{{"type":"PING","signing_token":"{TOKEN}","system_id":"s"}}"#);
    let random = r#"{"type":"PING","signing_token":"cmFuZG9tLXRva2VuLXJhbmRvbS10b2tlbi1yYW5kb20tdG9rZW4tcmFuZG9tLXQ","system_id":"s"}"#;
    let event = format!(
        r#"{{"type":"CREATE_MEMBER","signing_token":"{TOKEN}","system_id":"s","id":"m","data":{{"name":"A"}}}}"#
    );
    for shape in SHAPES {
        let ingest = ingest(false);
        assert_eq!(
            call(&ingest, shape, "POST", "/pluralkit", &[], &ping, false)
                .await
                .0,
            200
        );
        assert_eq!(
            call(&ingest, shape, "POST", "/pluralkit", &[], random, false)
                .await
                .0,
            401
        );
        assert_eq!(
            call(&ingest, shape, "POST", "/pluralkit", &[], "{}", false)
                .await
                .0,
            401
        );
        assert_eq!(
            call(&ingest, shape, "POST", "/pluralkit", &[], "nope", false)
                .await
                .0,
            400
        );
        assert!(ingest.queue().sent.lock().unwrap().is_empty());
        assert_eq!(
            call(&ingest, shape, "POST", "/pluralkit", &[], &event, true)
                .await
                .0,
            200
        );
        let sent = ingest.queue().sent.lock().unwrap();
        assert_eq!(sent.len(), 1);
        assert!(!sent[0].contains(TOKEN));
    }
}

#[tokio::test]
async fn queue_failure_is_503_never_2xx() {
    let ingest = ingest(true);
    let (sig, ts) = signed_headers(EVENT, NOW);
    let headers = [
        ("x-signature-ed25519", sig.as_str()),
        ("x-signature-timestamp", ts.as_str()),
    ];
    assert_eq!(
        call(
            &ingest,
            Shape::HttpApiV2,
            "POST",
            "/discord",
            &headers,
            EVENT,
            false
        )
        .await
        .0,
        503
    );
    let event = format!(
        r#"{{"type":"CREATE_GROUP","signing_token":"{TOKEN}","system_id":"s","id":"g","data":{{}}}}"#
    );
    assert_eq!(
        call(
            &ingest,
            Shape::RestV1,
            "POST",
            "/pluralkit",
            &[],
            &event,
            false
        )
        .await
        .0,
        503
    );
}

#[tokio::test]
async fn stage_prefixed_path_routes() {
    let ping = format!(r#"{{"type":"PING","signing_token":"{TOKEN}"}}"#);
    assert_eq!(
        call(
            &ingest(false),
            Shape::HttpApiV2,
            "POST",
            "/prod/pluralkit",
            &[],
            &ping,
            false
        )
        .await
        .0,
        200
    );
}

#[test]
fn invalid_base64_is_caught_before_lambda_http_decodes_it() {
    for shape in SHAPES {
        let mut json: Value =
            serde_json::from_str(&event_json(shape, "POST", "/discord", &[], "x", false)).unwrap();
        json["body"] = json!("!!!not base64!!!");
        json["isBase64Encoded"] = json!(true);
        let mut request: lambda_http::request::LambdaRequest =
            serde_json::from_value(json).unwrap();
        assert_eq!(
            screen_raw_event(&mut request),
            Some(switchboard::Rejection::InvalidBase64),
            "{shape:?}"
        );
        // Converting no longer panics: the body was cleared.
        let converted: lambda_http::Request = request.into();
        assert!(converted.body().is_empty());
    }
    let mut good: lambda_http::request::LambdaRequest = serde_json::from_str(&event_json(
        Shape::HttpApiV2,
        "POST",
        "/discord",
        &[],
        "{}",
        true,
    ))
    .unwrap();
    assert_eq!(screen_raw_event(&mut good), None);
}
