#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The PluralKit tokens in SSM Parameter Store, against moto's SSM, with
//! ingest built the way its `main` builds it (`ingest::build`): one token or
//! two at cold start, a token written while ingest runs accepted on the next
//! request, at most one SSM read per interval under a flood of bad tokens,
//! the cached tokens kept when SSM is down (401, never 5xx), and no shared
//! fate: with SSM refusing connections or never answering at cold start,
//! ingest starts at once and serves Discord; PluralKit requests read the
//! tokens within their own deadline and get 503 only while SSM cannot answer.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_ssm::types::ParameterType;
use ed25519_dalek::SigningKey;
use serde_json::json;
use switchboard::config::{
    DISCORD_PUBLIC_KEY, PLURALKIT_ENQUEUE_DEADLINE_MS, PLURALKIT_SIGNING_TOKEN_PARAMETER,
    QUEUE_URL, SECRET_REFRESH_INTERVAL_SECS,
};
use switchboard::pluralkit::config::DEFAULT_REFRESH_INTERVAL;
use switchboard::IngestConfig;
use switchboard_devkit::{
    create_queues, discord_signature_headers, free_port, local_aws_settings, local_sqs_client,
    local_ssm_client, HttpRequest, MotoServer,
};
use switchboard_tests::proxy::{black_hole, failing_first, TcpProxy};
use switchboard_tests::DriveIngest;

const PARAMETER: &str = "/switchboard/test/pluralkit-signing-token";

struct Stack {
    server: MotoServer,
    queue_url: String,
    ssm: aws_sdk_ssm::Client,
}

async fn stack(queue: &str) -> Stack {
    let server = MotoServer::start();
    let endpoint = server.endpoint();
    let queue_url = create_queues(&local_sqs_client(&endpoint), queue, 5, 30)
        .await
        .unwrap()
        .queue_url;
    let ssm = local_ssm_client(&endpoint);
    // moto loads its SSM backend on the first call, which can take longer
    // than ingest's SSM client allows (2 attempts of 1 s) on a loaded
    // machine; SSM itself answers in milliseconds. Load it before ingest
    // starts, so the tests time ingest, not moto's start. (The parameter
    // does not exist yet: the error is the expected answer.)
    let _ = ssm
        .get_parameter()
        .name(PARAMETER)
        .with_decryption(true)
        .send()
        .await;
    Stack {
        server,
        queue_url,
        ssm,
    }
}

impl Stack {
    async fn write(&self, tokens: &str) {
        self.ssm
            .put_parameter()
            .name(PARAMETER)
            .value(tokens)
            .r#type(ParameterType::SecureString)
            .overwrite(true)
            .send()
            .await
            .unwrap();
    }

    /// Ingest as `main` builds it, reading SSM through `ssm_endpoint`.
    async fn ingest(
        &self,
        ssm_endpoint: &str,
        interval_secs: u64,
    ) -> Arc<ingest::Ingest<switchboard::queue::sqs::SqsQueue>> {
        let interval = interval_secs.to_string();
        let public_key = hex::encode(discord_key().verifying_key().to_bytes());
        let vars = [
            (QUEUE_URL, self.queue_url.as_str()),
            (PLURALKIT_SIGNING_TOKEN_PARAMETER, PARAMETER),
            (SECRET_REFRESH_INTERVAL_SECS, interval.as_str()),
            (DISCORD_PUBLIC_KEY, public_key.as_str()),
            (PLURALKIT_ENQUEUE_DEADLINE_MS, "2000"),
        ];
        let config = IngestConfig::from_lookup(|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        })
        .unwrap();
        let mut aws = local_aws_settings(&self.server.endpoint());
        aws.ssm_endpoint_url = Some(ssm_endpoint.to_owned());
        Arc::new(ingest::build(config, &aws).await)
    }
}

fn discord_key() -> SigningKey {
    SigningKey::from_bytes(&[29; 32])
}

fn discord_event() -> HttpRequest {
    let body = json!({"version": 1, "application_id": "1", "type": 1, "event": {"type": "ENTITLEMENT_CREATE",
        "timestamp": "2024-10-18T18:41:21.109604", "data": {"id": "e"}}})
    .to_string();
    let ts = chrono::Utc::now().timestamp().to_string();
    let headers = discord_signature_headers(&discord_key(), &ts, body.as_bytes());
    HttpRequest::post("/discord", body).headers(headers)
}

fn ping(token: &str) -> HttpRequest {
    HttpRequest::post(
        "/pluralkit",
        json!({"type": "PING", "signing_token": token}).to_string(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn one_token_or_two_at_cold_start() {
    let stack = stack("tokens-cold").await;
    let endpoint = stack.server.endpoint();
    stack.write("token-a").await;
    let one = stack.ingest(&endpoint, 5).await;
    assert_eq!(one.answer(ping("token-a")).await.status, 200);
    assert_eq!(one.answer(ping("token-b")).await.status, 401);

    stack.write("token-a, token-b").await;
    let two = stack.ingest(&endpoint, 5).await;
    assert_eq!(two.answer(ping("token-a")).await.status, 200);
    assert_eq!(two.answer(ping("token-b")).await.status, 200);
    assert_eq!(two.answer(ping("token-c")).await.status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_written_while_ingest_runs_is_accepted_on_the_next_request() {
    let stack = stack("tokens-live").await;
    let endpoint = stack.server.endpoint();
    // Deployed before the parameter exists, as on a first registration.
    let ingest = stack.ingest(&endpoint, 1).await;
    assert_eq!(ingest.answer(ping("new-token")).await.status, 401);

    stack.write("new-token").await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    // PluralKit's registration handshake: the real token, then a random one.
    assert_eq!(ingest.answer(ping("new-token")).await.status, 200);
    assert_eq!(ingest.answer(ping("random-token")).await.status, 401);

    stack.write("rotated-token").await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(ingest.answer(ping("rotated-token")).await.status, 200);
    assert_eq!(
        ingest.answer(ping("new-token")).await.status,
        401,
        "a replaced token is gone"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flood_of_bad_tokens_reads_ssm_at_most_once_per_interval() {
    let stack = stack("tokens-flood").await;
    stack.write("the-token").await;
    // Counts HTTP requests by action, whatever the connections.
    let counter = failing_first(stack.server.port, 0).await;
    // The deployed interval (the template leaves the default).
    let interval = DEFAULT_REFRESH_INTERVAL;
    let first_read_no_earlier = Instant::now();
    let ingest = stack.ingest(&counter.endpoint(), interval.as_secs()).await;
    // The cold-start read, or (when moto's first answer took longer than
    // cold start waits) the first request's.
    assert_eq!(ingest.answer(ping("the-token")).await.status, 200);
    assert_eq!(counter.requests_for("GetParameter"), 1, "one read so far");
    let started = Instant::now();
    for n in 0..1_000 {
        let answer = ingest.answer(ping(&format!("bad-{n}"))).await;
        assert_eq!(answer.status, 401);
    }
    let reads = counter.requests_for("GetParameter") - 1;
    // Whole intervals since the first read could have been made.
    let allowed = (first_read_no_earlier.elapsed().as_secs_f64() / interval.as_secs_f64()) as usize;
    println!(
        "1,000 bad tokens in {:?}: {reads} SSM read(s) beyond the first ({allowed} allowed at {interval:?})",
        started.elapsed()
    );
    assert!(
        reads <= allowed,
        "{reads} reads in {:?} (interval {interval:?})",
        started.elapsed()
    );
    assert_eq!(counter.requests(), reads + 1, "nothing but GetParameter");
    assert_eq!(ingest.answer(ping("the-token")).await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn with_ssm_down_the_cached_tokens_still_work_and_a_wrong_one_gets_401() {
    let stack = stack("tokens-down").await;
    stack.write("cached-token").await;
    let mut proxy = TcpProxy::start(free_port().unwrap(), stack.server.port).await;
    let ingest = stack.ingest(&proxy.endpoint(), 1).await;
    assert_eq!(ingest.answer(ping("cached-token")).await.status, 200);
    proxy.stop().await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;

    let started = Instant::now();
    assert_eq!(ingest.answer(ping("wrong-token")).await.status, 401);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the failed refresh is bounded: {:?}",
        started.elapsed()
    );
    assert_eq!(ingest.answer(ping("cached-token")).await.status, 200);
    for n in 0..20 {
        assert_eq!(ingest.answer(ping(&format!("w{n}"))).await.status, 401);
    }
}

/// Ingest with SSM at `ssm`, which cannot answer: it starts within the
/// cold-start wait, answers Discord 204 at once, and a PluralKit request 503
/// (its event would be lost, and the error line says so) within its deadline.
async fn no_shared_fate(stack: &Stack, ssm: &str) {
    let started = Instant::now();
    let ingest = stack.ingest(ssm, 1).await;
    let cold_start = started.elapsed();
    assert_eq!(ingest.answer(discord_event()).await.status, 204);
    let discord_answered = started.elapsed();
    println!("SSM at {ssm}: started in {cold_start:?}, Discord answered at {discord_answered:?}");
    // Cold start waits 250 ms at most; the release build's measure is in
    // RELIABILITY. Here: well inside the 1.5 s the issue allows, where
    // waiting on SSM's own timeouts took 3 s or failed.
    assert!(cold_start < Duration::from_millis(1_000), "{cold_start:?}");
    assert!(
        discord_answered < Duration::from_millis(1_500),
        "{discord_answered:?}"
    );
    let asked = Instant::now();
    assert_eq!(ingest.answer(ping("the-token")).await.status, 503);
    assert!(
        asked.elapsed() < Duration::from_millis(2_500),
        "within the PluralKit deadline: {:?}",
        asked.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ssm_refusing_connections_at_cold_start_fails_nothing_but_pluralkit() {
    let stack = stack("tokens-refused").await;
    stack.write("the-token").await;
    let mut proxy = TcpProxy::start(free_port().unwrap(), stack.server.port).await;
    proxy.stop().await;
    no_shared_fate(&stack, &proxy.endpoint()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_built_ingest_under_the_runtime_api_serves_discord_within_1_5_s_while_ssm_refuses() {
    let stack = stack("tokens-binary").await;
    stack.write("the-token").await;
    let mut proxy = TcpProxy::start(free_port().unwrap(), stack.server.port).await;
    proxy.stop().await;
    let public_key = hex::encode(discord_key().verifying_key().to_bytes());
    let vars = [
        (QUEUE_URL, stack.queue_url.clone()),
        (DISCORD_PUBLIC_KEY, public_key),
        (PLURALKIT_SIGNING_TOKEN_PARAMETER, PARAMETER.to_owned()),
        (PLURALKIT_ENQUEUE_DEADLINE_MS, "2000".to_owned()),
        ("AWS_ENDPOINT_URL_SSM", proxy.endpoint()),
    ];
    // Built before the clock starts: the process's start is what is timed.
    switchboard_tests::function_binary("ingest");
    let started = Instant::now();
    let mut ingest =
        switchboard_tests::FunctionProcess::start("ingest", &vars, &stack.server.endpoint()).await;
    let shape = switchboard_devkit::RequestShape::HttpApiV2;
    let discord = ingest
        .invoke(&discord_event().to_event(shape), Duration::from_secs(3))
        .await
        .unwrap_or_else(|| panic!("an error: {}", ingest.output()));
    let discord_answered = started.elapsed();
    println!("the process started with SSM refusing; Discord answered {discord_answered:?} later");
    assert_eq!(discord["statusCode"], 204, "{discord}");
    assert!(
        discord_answered < Duration::from_millis(1_500),
        "{discord_answered:?}"
    );
    let asked = Instant::now();
    let pluralkit = ingest
        .invoke(&ping("the-token").to_event(shape), Duration::from_secs(10))
        .await
        .unwrap_or_else(|| panic!("an error: {}", ingest.output()));
    assert_eq!(pluralkit["statusCode"], 503, "{pluralkit}");
    assert!(
        asked.elapsed() < Duration::from_millis(2_500),
        "{:?}",
        asked.elapsed()
    );
    ingest.stop().await;
    let output = ingest.output();
    assert!(
        output.contains("tokens_unavailable"),
        "the outcome is logged: {output}"
    );
    assert!(!output.contains("the-token"), "no token in the logs");
}

#[tokio::test(flavor = "multi_thread")]
async fn ssm_never_answering_at_cold_start_fails_nothing_but_pluralkit() {
    let stack = stack("tokens-hole").await;
    let (port, _hole) = black_hole().await;
    no_shared_fate(&stack, &format!("http://127.0.0.1:{port}")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_unknown_at_cold_start_are_read_by_the_first_pluralkit_request() {
    let stack = stack("tokens-late").await;
    stack.write("the-token").await;
    let mut proxy = TcpProxy::start(free_port().unwrap(), stack.server.port).await;
    proxy.stop().await;
    let ingest = stack.ingest(&proxy.endpoint(), 60).await;
    assert_eq!(ingest.answer(ping("the-token")).await.status, 503);
    proxy.resume().await;
    // Unknown tokens are read at once, whatever the (60 s) interval.
    assert_eq!(ingest.answer(ping("the-token")).await.status, 200);
    assert_eq!(ingest.answer(ping("random-token")).await.status, 401);
}
