//! Unit tests of the handler over request fixtures in every shape
//! `lambda_http` accepts, through [`Ingest::call`]: the same path `run` takes.
//! The queue here is an in-memory fake; the tests in `tests/` use a real SQS
//! server.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use ed25519_dalek::SigningKey;
use lambda_http::{Context, LambdaEvent};
use switchboard::{EventQueue, QueueError, QueuedEvent};
use switchboard_devkit::{
    sign_discord_request, Answer, CapturedLog, HttpRequest, RequestShape, TestConfig,
};

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
    attributes: Mutex<Vec<String>>,
    deadlines: Mutex<Vec<Duration>>,
    fail: bool,
}

#[async_trait]
impl EventQueue for FakeQueue {
    async fn enqueue(&self, event: &QueuedEvent, deadline: Duration) -> Result<(), QueueError> {
        self.deadlines.lock().unwrap().push(deadline);
        if self.fail {
            return Err(QueueError::DeadlineExceeded(deadline));
        }
        self.sent.lock().unwrap().push(event.envelope.to_json());
        self.attributes.lock().unwrap().extend(
            event
                .attributes
                .iter()
                .map(|a| format!("{}={}", a.name, a.value)),
        );
        Ok(())
    }
}

fn key() -> SigningKey {
    SigningKey::from_bytes(&[11; 32])
}

fn ingest(fail: bool) -> Arc<Ingest<FakeQueue>> {
    let config = TestConfig::new()
        .discord_key(&key())
        .pluralkit_token(TOKEN)
        .max_body_bytes(4096)
        .build();
    ingest_for(config, fail)
}

/// The function for `config`, its queue failing every send when `fail`.
fn ingest_for(config: switchboard::IngestConfig, fail: bool) -> Arc<Ingest<FakeQueue>> {
    Arc::new(
        Ingest::new(
            config,
            FakeQueue {
                fail,
                ..FakeQueue::default()
            },
        )
        .with_clock(fixed_now),
    )
}

type Shape = RequestShape;
const SHAPES: [Shape; 5] = RequestShape::ALL;

fn signed_headers(body: &str, ts: i64) -> (String, String) {
    let ts = ts.to_string();
    (sign_discord_request(&key(), &ts, body.as_bytes()), ts)
}

async fn call(
    ingest: &Arc<Ingest<FakeQueue>>,
    shape: Shape,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
    base64: bool,
) -> (u16, bool, Option<String>) {
    let request = HttpRequest::post(path, body)
        .method(method)
        .headers(headers.iter().map(|(k, v)| (k.to_string(), v.to_string())))
        .base64(base64);
    let answer = send(ingest, shape, &request).await;
    let content_type = answer.header("content-type").map(str::to_owned);
    (answer.status, answer.body.is_empty(), content_type)
}

async fn send(ingest: &Arc<Ingest<FakeQueue>>, shape: Shape, request: &HttpRequest) -> Answer {
    let event = LambdaEvent::new(
        request.to_lambda_request(shape).unwrap(),
        Context::default(),
    );
    let response = Arc::clone(ingest).call(event).await.unwrap();
    Answer::of(&response).unwrap()
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
async fn a_stage_named_by_the_request_context_is_not_part_of_the_route() {
    let ping = format!(r#"{{"type":"PING","signing_token":"{TOKEN}"}}"#);
    for shape in SHAPES {
        let request = HttpRequest::post("/pluralkit", ping.as_str()).stage("prod");
        assert_eq!(
            send(&ingest(false), shape, &request).await.status,
            200,
            "{shape:?}"
        );
    }
    // A first segment that is not the stage is another path.
    for shape in SHAPES {
        let request = HttpRequest::post("/evil/pluralkit", ping.as_str());
        assert_eq!(
            send(&ingest(false), shape, &request).await.status,
            404,
            "{shape:?}"
        );
    }
}

#[tokio::test]
async fn routing_never_reads_the_host_header_and_bad_url_headers_get_400() {
    let (sig, ts) = signed_headers(EVENT, NOW);
    // On an ALB, this Host once turned the path into `/discord`.
    let sneaky = HttpRequest::post("/pluralkit", EVENT)
        .header("x-signature-ed25519", &sig)
        .header("x-signature-timestamp", &ts)
        .header("host", "x/discord#");
    for shape in SHAPES {
        let ingest = ingest(false);
        let answer = send(&ingest, shape, &sneaky).await;
        assert_eq!(answer.status, 400, "{shape:?}");
        assert!(ingest.queue().sent.lock().unwrap().is_empty());
    }
    let ping = format!(r#"{{"type":"PING","signing_token":"{TOKEN}"}}"#);
    for (name, value) in [
        ("host", "a b"),
        ("x-forwarded-proto", "gopher"),
        ("host", "u@h"),
    ] {
        for shape in SHAPES {
            let request = HttpRequest::post("/pluralkit", ping.as_str()).header(name, value);
            assert_eq!(
                send(&ingest(false), shape, &request).await.status,
                400,
                "{shape:?} {name}: {value}"
            );
        }
    }
    // Good ones are fine, and an odd query string cannot break the conversion.
    for shape in SHAPES {
        let request = HttpRequest::post("/pluralkit", ping.as_str())
            .header("host", "abc.execute-api.us-east-1.amazonaws.com")
            .header("x-forwarded-proto", "https");
        assert_eq!(
            send(&ingest(false), shape, &request).await.status,
            200,
            "{shape:?}"
        );
    }
    let mut odd_query = HttpRequest::post("/pluralkit", ping.as_str()).to_event(Shape::HttpApiV2);
    odd_query["rawQueryString"] = serde_json::json!("a b=%%%");
    let event = LambdaEvent::new(
        serde_json::from_value(odd_query).unwrap(),
        Context::default(),
    );
    let answer = Answer::of(&ingest(false).call(event).await.unwrap()).unwrap();
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn a_body_too_large_even_encoded_is_refused_before_decoding() {
    // 4096 bytes allowed: base64 of up to 4096 bytes is at most 5464 characters.
    let just_fits = format!(
        r#"{{"type":"PING","signing_token":"{TOKEN}","pad":"{}"}}"#,
        "x".repeat(4096 - 110)
    );
    assert_eq!(just_fits.len(), 4096);
    for shape in SHAPES {
        let fits = HttpRequest::post("/pluralkit", just_fits.as_str()).base64(true);
        assert_eq!(
            send(&ingest(false), shape, &fits).await.status,
            200,
            "{shape:?}"
        );
        let one_more = format!("{just_fits} ");
        let over = HttpRequest::post("/pluralkit", one_more.as_str()).base64(true);
        assert_eq!(
            send(&ingest(false), shape, &over).await.status,
            413,
            "{shape:?}"
        );
        // Far too long, and not even base64: refused for its size, undecoded.
        let huge = HttpRequest::post("/pluralkit", "").raw_base64_body(&"A".repeat(6000));
        assert_eq!(
            send(&ingest(false), shape, &huge).await.status,
            413,
            "{shape:?}"
        );
    }
}

#[test]
fn invalid_base64_is_caught_before_lambda_http_decodes_it() {
    for shape in SHAPES {
        let request = HttpRequest::post("/discord", "x").raw_base64_body("!!!not base64!!!");
        let mut request = request.to_lambda_request(shape).unwrap();
        assert_eq!(
            screen_raw_event(&mut request, 4096).rejection,
            Some(switchboard::Rejection::InvalidBase64),
            "{shape:?}"
        );
        // Converting no longer panics: the body was cleared.
        let converted: lambda_http::Request = request.into();
        assert!(converted.body().is_empty());
    }
    let mut good = HttpRequest::post("/discord", "{}")
        .base64(true)
        .to_lambda_request(Shape::HttpApiV2)
        .unwrap();
    assert_eq!(screen_raw_event(&mut good, 4096).rejection, None);
}

#[tokio::test]
async fn invalid_base64_gets_400_through_the_whole_path() {
    for shape in SHAPES {
        let ingest = ingest(false);
        let request = HttpRequest::post("/pluralkit", "").raw_base64_body("%%%%");
        assert_eq!(
            send(&ingest, shape, &request).await.status,
            400,
            "{shape:?}"
        );
    }
}

#[tokio::test]
async fn a_header_sent_twice_reaches_the_domain_and_is_refused_in_every_shape() {
    let (sig, ts) = signed_headers(EVENT, NOW);
    // An ALB without multi-value headers passes only the last value on itself.
    for shape in SHAPES.into_iter().filter(|s| s.keeps_repeated_headers()) {
        for doubled in ["x-signature-ed25519", "X-Signature-Timestamp"] {
            let ingest = ingest(false);
            let value = if doubled.ends_with("ed25519") {
                &sig
            } else {
                &ts
            };
            let request = HttpRequest::post("/discord", EVENT)
                .header("x-signature-ed25519", &sig)
                .header("x-signature-timestamp", &ts)
                .header(doubled, value);
            let answer = send(&ingest, shape, &request).await;
            assert_eq!(answer.status, 401, "{shape:?} {doubled}");
            assert!(ingest.queue().sent.lock().unwrap().is_empty());
        }
    }
}

#[tokio::test]
async fn wrong_method_names_the_allowed_one() {
    for method in ["GET", "HEAD", "OPTIONS", "post"] {
        for shape in SHAPES {
            let answer = send(
                &ingest(false),
                shape,
                &HttpRequest::post("/discord", EVENT).method(method),
            )
            .await;
            assert_eq!(
                (answer.status, answer.header("allow")),
                (405, Some("POST")),
                "{shape:?} {method}"
            );
        }
    }
}

#[tokio::test]
async fn the_enqueue_deadline_never_outlasts_the_invocation() {
    let now_ms = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64
    };
    let event = format!(
        r#"{{"type":"CREATE_MEMBER","signing_token":"{TOKEN}","system_id":"s","id":"m","data":{{}}}}"#
    );
    let request = HttpRequest::post("/pluralkit", event.as_str());
    let ingest = ingest(false);
    for invocation_left_ms in [1_000, 30_000] {
        let mut context = Context::default();
        context.deadline = now_ms() + invocation_left_ms;
        let lambda_event = LambdaEvent::new(
            request.to_lambda_request(Shape::HttpApiV2).unwrap(),
            context,
        );
        let answer = Answer::of(&Arc::clone(&ingest).call(lambda_event).await.unwrap()).unwrap();
        assert_eq!(answer.status, 200);
    }
    let deadlines = ingest.queue().deadlines.lock().unwrap().clone();
    // 1 s left: the 8 s PluralKit deadline is cut to what is left, less the margin.
    assert!(deadlines[0] <= Duration::from_millis(800), "{deadlines:?}");
    assert!(deadlines[0] >= Duration::from_millis(600), "{deadlines:?}");
    // 30 s left: the configured deadline stands, counted from the request's
    // arrival (what the decision took comes out of it).
    assert!(deadlines[1] <= Duration::from_secs(8), "{deadlines:?}");
    assert!(
        deadlines[1] >= Duration::from_millis(7_900),
        "{deadlines:?}"
    );
}

#[tokio::test]
async fn a_lost_pluralkit_event_is_one_error_line_an_alert_can_filter_on() {
    let captured = CapturedLog::default();
    let settings = switchboard::logging::LogSettings {
        directives: "info".into(),
        json: true,
    };
    let _guard = tracing::subscriber::set_default(switchboard::logging::subscriber(
        &settings,
        captured.writer(),
    ));
    let event = format!(
        r#"{{"type":"CREATE_SWITCH","signing_token":"{TOKEN}","system_id":"s","id":"w","data":{{}}}}"#
    );
    let answer = send(
        &ingest(true),
        Shape::HttpApiV2,
        &HttpRequest::post("/pluralkit", event.as_str()),
    )
    .await;
    assert_eq!(answer.status, 503);
    let text = captured.text();
    let errors: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|line| line["level"] == "ERROR")
        .collect();
    assert_eq!(errors.len(), 1, "{text}");
    let fields = &errors[0]["fields"];
    assert_eq!(fields["outcome"], "queue_unavailable", "{text}");
    assert_eq!(fields["route"], "pluralkit");
    assert_eq!(fields["status"], 503);
    assert_eq!(fields["event_type"], "CREATE_SWITCH");
    assert!(!text.contains(TOKEN), "no token in any line");
}

/// One tenant in memory whose pin may fail, and another instance's pin.
#[derive(Debug, Default)]
struct OneTenant {
    pinned_elsewhere: Mutex<Option<String>>,
    pin_fails: bool,
}

#[async_trait]
impl switchboard::pluralkit::TenantDirectory for OneTenant {
    async fn read(
        &self,
        _: &switchboard::pluralkit::TenantId,
    ) -> Result<Option<switchboard::pluralkit::TenantRecord>, switchboard::pluralkit::TenantError>
    {
        let digest = switchboard::pluralkit::token_sha256(TOKEN);
        let system = self.pinned_elsewhere.lock().unwrap().clone();
        Ok(Some(
            switchboard::pluralkit::TenantRecord::from_parts([digest.as_str()], system, false).0,
        ))
    }

    async fn pin(
        &self,
        _: &switchboard::pluralkit::TenantId,
        _: &str,
    ) -> Result<switchboard::pluralkit::Pinned, switchboard::pluralkit::TenantError> {
        if self.pin_fails {
            return Err(switchboard::pluralkit::TenantError("down".into()));
        }
        // Another instance pinned it to another system a moment before.
        *self.pinned_elsewhere.lock().unwrap() = Some("someone-else".into());
        Ok(switchboard::pluralkit::Pinned::Unchanged)
    }
}

fn tenant_ingest(directory: OneTenant) -> Arc<Ingest<FakeQueue>> {
    let config = TestConfig::new().pluralkit_tenants("tenants").build();
    let tenants = switchboard::pluralkit::Tenants::new(
        Arc::new(directory),
        config.pluralkit_tenants.as_ref().unwrap(),
    );
    Arc::new(Ingest::new(config, FakeQueue::default()).with_tenants(tenants))
}

#[tokio::test]
async fn an_unpinned_tenant_is_never_accepted_for_a_system_the_table_cannot_confirm() {
    let switch = format!(
        r#"{{"type":"CREATE_SWITCH","signing_token":"{TOKEN}","system_id":"mine","id":"s"}}"#
    );
    // The pin write fails: neither 200 nor 401, and nothing queued.
    let down = tenant_ingest(OneTenant {
        pin_fails: true,
        ..OneTenant::default()
    });
    let request = HttpRequest::post("/pluralkit/alice", switch.as_str());
    assert_eq!(send(&down, Shape::HttpApiV2, &request).await.status, 503);
    assert!(down.queue().sent.lock().unwrap().is_empty());
    // Pinned elsewhere first: the first pin stands, and this system gets 401.
    let raced = tenant_ingest(OneTenant::default());
    assert_eq!(send(&raced, Shape::HttpApiV2, &request).await.status, 401);
    assert!(raced.queue().sent.lock().unwrap().is_empty());
}

mod interactions {
    //! Every row of the interactions answer table, through the whole path.

    use super::*;
    use switchboard::interactions::{
        Inline, InlineResponder, InteractionAnswer, InteractionRequest, InteractionsConfig,
    };
    use switchboard::Sender;

    const PATH: &str = "/discord/interactions";

    fn body(event_type: &str) -> String {
        switchboard_devkit::fixture(Sender::DiscordInteraction, event_type).unwrap()
    }

    fn with_config(interactions: InteractionsConfig, fail: bool) -> Arc<Ingest<FakeQueue>> {
        let config = TestConfig::new()
            .discord_key(&key())
            .interactions(interactions)
            .build();
        ingest_for(config, fail)
    }

    fn ephemeral(names: &[&str]) -> InteractionsConfig {
        InteractionsConfig {
            ephemeral: names.iter().map(|name| name.to_string()).collect(),
            ..InteractionsConfig::default()
        }
    }

    async fn post(ingest: &Arc<Ingest<FakeQueue>>, shape: Shape, body: &str) -> Answer {
        let (sig, ts) = signed_headers(body, NOW);
        let request = HttpRequest::post(PATH, body).headers([
            ("x-signature-ed25519".to_string(), sig),
            ("x-signature-timestamp".to_string(), ts),
        ]);
        send(ingest, shape, &request).await
    }

    fn queued(ingest: &Arc<Ingest<FakeQueue>>) -> Vec<String> {
        ingest.queue().sent.lock().unwrap().clone()
    }

    #[tokio::test]
    async fn every_row_of_the_answer_table() {
        let rows: [(&str, &str, bool); 5] = [
            ("PING", r#"{"type":1}"#, false),
            ("APPLICATION_COMMAND", r#"{"type":5}"#, true),
            ("MESSAGE_COMPONENT", r#"{"type":6}"#, true),
            ("MODAL_SUBMIT", r#"{"type":5}"#, true),
            (
                "APPLICATION_COMMAND_AUTOCOMPLETE",
                r#"{"type":8,"data":{"choices":[]}}"#,
                false,
            ),
        ];
        for shape in SHAPES {
            for (event_type, answer, is_queued) in rows {
                let ingest = with_config(InteractionsConfig::default(), false);
                let got = post(&ingest, shape, &body(event_type)).await;
                assert_eq!(got.status, 200, "{event_type} {shape:?}");
                assert_eq!(got.body, answer, "{event_type} {shape:?}");
                assert_eq!(got.header("content-type"), Some("application/json"));
                let sent = queued(&ingest);
                assert_eq!(sent.len(), usize::from(is_queued), "{event_type}");
                if let Some(envelope) = sent.first() {
                    let envelope = switchboard::Envelope::from_json(envelope).unwrap();
                    assert_eq!(envelope.source, Sender::DiscordInteraction);
                    assert_eq!(envelope.event_type, event_type);
                    assert!(
                        envelope.payload.get().contains("\"token\""),
                        "the processor needs it"
                    );
                }
            }
        }
    }

    #[tokio::test]
    async fn an_ephemeral_command_and_modal_are_deferred_as_ephemeral() {
        let ingest = with_config(ephemeral(&["ping", "feedback"]), false);
        for event_type in ["APPLICATION_COMMAND", "MODAL_SUBMIT"] {
            let got = post(&ingest, Shape::HttpApiV2, &body(event_type)).await;
            assert_eq!(
                got.body, r#"{"type":5,"data":{"flags":64}}"#,
                "{event_type}"
            );
        }
        let other = with_config(ephemeral(&["inventory"]), false);
        let got = post(&other, Shape::HttpApiV2, &body("APPLICATION_COMMAND")).await;
        assert_eq!(got.body, r#"{"type":5}"#);
    }

    #[tokio::test]
    async fn the_dedupe_key_is_the_interaction_id_and_no_attribute_holds_the_token() {
        let ingest = with_config(InteractionsConfig::default(), false);
        let text = body("APPLICATION_COMMAND");
        post(&ingest, Shape::HttpApiV2, &text).await;
        let reformatted: serde_json::Value = serde_json::from_str(&text).unwrap();
        post(&ingest, Shape::HttpApiV2, &reformatted.to_string()).await;
        let sent = queued(&ingest);
        let keys: Vec<String> = sent
            .iter()
            .map(|e| switchboard::Envelope::from_json(e).unwrap().dedupe_key)
            .collect();
        assert_eq!(keys[0], keys[1], "the same interaction, another body text");
        let attributes = ingest.queue().attributes.lock().unwrap().clone();
        assert!(
            attributes.contains(&"event_type=APPLICATION_COMMAND".to_string()),
            "{attributes:?}"
        );
        assert!(
            attributes.iter().all(|a| !a.contains("aW50ZXJhY3Rpb24")),
            "{attributes:?}"
        );
    }

    #[tokio::test]
    async fn bad_or_missing_signatures_get_401_and_nothing_is_queued() {
        let ingest = with_config(InteractionsConfig::default(), false);
        let text = body("APPLICATION_COMMAND");
        let (sig, ts) = signed_headers(&text, NOW);
        let forged = format!(
            "{}{}",
            &sig[..126],
            if sig.ends_with('0') { "11" } else { "00" }
        );
        let cases: [Vec<(String, String)>; 3] = [
            vec![],
            vec![("x-signature-timestamp".into(), ts.clone())],
            vec![
                ("x-signature-ed25519".into(), forged),
                ("x-signature-timestamp".into(), ts),
            ],
        ];
        for headers in cases {
            let request = HttpRequest::post(PATH, text.as_str()).headers(headers);
            let got = send(&ingest, Shape::FunctionUrl, &request).await;
            assert_eq!(got.status, 401);
        }
        assert!(queued(&ingest).is_empty());
    }

    #[tokio::test]
    async fn a_queue_that_fails_gets_the_ephemeral_try_again_message() {
        let (log, _logging) = CapturedLog::install("info");
        let config = InteractionsConfig {
            failure_answer: InteractionAnswer::failure("Busy, try again"),
            ..InteractionsConfig::default()
        };
        let ingest = with_config(config, true);
        let got = post(&ingest, Shape::HttpApiV2, &body("APPLICATION_COMMAND")).await;
        assert_eq!(got.status, 200);
        assert_eq!(
            got.body,
            r#"{"data":{"content":"Busy, try again","flags":64},"type":4}"#
        );
        let text = log.text();
        let line = text
            .lines()
            .find(|line| line.contains("queue did not take the interaction"))
            .expect("one error line");
        assert!(line.contains(r#""outcome":"queue_unavailable""#), "{line}");
        assert!(line.contains(r#""level":"ERROR""#), "{line}");
        assert!(
            !text.contains("aW50ZXJhY3Rpb24"),
            "the token reached a log line"
        );
    }

    /// Opens a modal for `/feedback`, queues `/audit` and answers it too,
    /// and suggests a color.
    struct Inline3;

    impl InlineResponder for Inline3 {
        fn respond(&self, interaction: &InteractionRequest<'_>) -> Inline {
            match interaction.command_name() {
                Some("ping") => Inline::Answer(InteractionAnswer::failure("modal stand-in")),
                Some("color") => {
                    let decoded = interaction.decode().expect("the fixture fits twilight");
                    assert!(decoded.token.is_empty(), "the token is not handed out");
                    Inline::AnswerAndQueue(InteractionAnswer::NO_CHOICES)
                }
                _ => Inline::Defer,
            }
        }
    }

    #[tokio::test]
    async fn the_inline_responder_answers_and_queues_only_when_asked() {
        let ingest = with_config(InteractionsConfig::default().with_responder(Inline3), false);
        let got = post(&ingest, Shape::HttpApiV2, &body("APPLICATION_COMMAND")).await;
        assert!(got.body.contains("modal stand-in"), "{}", got.body);
        assert!(queued(&ingest).is_empty(), "answered inline, not queued");
        let got = post(
            &ingest,
            Shape::HttpApiV2,
            &body("APPLICATION_COMMAND_AUTOCOMPLETE"),
        )
        .await;
        assert_eq!(got.body, InteractionAnswer::NO_CHOICES.as_str());
        assert_eq!(queued(&ingest).len(), 1, "queued because it asked");
    }

    #[tokio::test]
    async fn a_queued_autocomplete_the_queue_refused_still_gets_choices() {
        let config = InteractionsConfig::default().with_responder(Inline3);
        let ingest = with_config(config, true);
        let got = post(
            &ingest,
            Shape::HttpApiV2,
            &body("APPLICATION_COMMAND_AUTOCOMPLETE"),
        )
        .await;
        assert_eq!(
            got.body,
            InteractionAnswer::NO_CHOICES.as_str(),
            "never type 4"
        );
    }

    #[tokio::test]
    async fn the_envelope_says_what_ingest_answered() {
        let ingest = with_config(InteractionsConfig::default().with_responder(Inline3), false);
        post(&ingest, Shape::HttpApiV2, &body("MESSAGE_COMPONENT")).await;
        post(
            &ingest,
            Shape::HttpApiV2,
            &body("APPLICATION_COMMAND_AUTOCOMPLETE"),
        )
        .await;
        let answered: Vec<Option<u8>> = queued(&ingest)
            .iter()
            .map(|e| switchboard::Envelope::from_json(e).unwrap().answered_with)
            .collect();
        assert_eq!(answered, [Some(6), Some(8)]);
    }

    #[tokio::test]
    async fn webhook_events_on_discord_are_unaffected_and_no_body_type_reroutes() {
        let ingest = with_config(InteractionsConfig::default(), false);
        // An interaction PING body on the webhook route is a webhook event
        // of type 1, which needs an event: refused, never a PONG.
        let ping = body("PING");
        let (sig, ts) = signed_headers(&ping, NOW);
        let request = HttpRequest::post("/discord", ping.as_str()).headers([
            ("x-signature-ed25519".to_string(), sig),
            ("x-signature-timestamp".to_string(), ts),
        ]);
        let got = send(&ingest, Shape::HttpApiV2, &request).await;
        assert_eq!((got.status, got.body.as_str()), (400, ""), "not a PONG");
        let (sig, ts) = signed_headers(EVENT, NOW);
        let request = HttpRequest::post("/discord", EVENT).headers([
            ("x-signature-ed25519".to_string(), sig),
            ("x-signature-timestamp".to_string(), ts),
        ]);
        assert_eq!(send(&ingest, Shape::HttpApiV2, &request).await.status, 204);
        // A webhook event body on the interactions route: type 1 is a PING there.
        let got = post(&ingest, Shape::HttpApiV2, EVENT).await;
        assert_eq!(got.body, r#"{"type":1}"#);
    }
}
