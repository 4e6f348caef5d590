#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The watchdog binary under a loopback Runtime API, as Lambda runs it,
//! against a front door on loopback that answers as ingest does (or breaks
//! as a misrouted one does), and a stand-in for Discord's and PluralKit's
//! APIs. What it reports is read from the EMF lines it writes.

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_devkit::{local_ssm_client, MotoServer, Received, Receiver, Reply, SenderApis};
use switchboard_tests::FunctionProcess;

const BOT_TOKEN: &str = "bot-token-that-must-stay-secret";
const API_TOKEN: &str = "pk-api-token-that-must-stay-secret";

/// Ingest's answers to what the watchdog sends: every probe is refused.
fn like_ingest(received: &Received) -> Reply {
    match received.path.as_str() {
        "/discord" | "/discord/interactions" => Reply::Status(401),
        path if path.starts_with("/pluralkit") => Reply::Status(401),
        _ => Reply::Status(404),
    }
}

fn application(status: u8, base: &str) -> Value {
    json!({
        "id": "1234",
        "name": "app",
        "event_webhooks_status": status,
        "event_webhooks_url": format!("{base}/discord"),
        "event_webhooks_types": ["ENTITLEMENT_CREATE", "A_TYPE_FROM_THE_FUTURE"],
        "interactions_endpoint_url": format!("{base}/discord/interactions"),
    })
}

/// The `WatchdogFailures` values of the EMF lines in `output`, by `Check`.
fn failures_by_check(output: &str) -> Vec<(String, f64)> {
    output
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line.get("_aws").is_some() && line.get("WatchdogFailures").is_some())
        .map(|line| {
            (
                line["Check"].as_str().unwrap().to_owned(),
                line["WatchdogFailures"].as_f64().unwrap(),
            )
        })
        .collect()
}

/// The variables every run here shares: the front door at `base` (plain
/// http, local), both sender APIs at `apis`, then `extra`.
fn watchdog_vars(
    base: &str,
    apis: &SenderApis,
    extra: &[(&'static str, &str)],
) -> Vec<(&'static str, String)> {
    let mut vars = vec![
        ("WATCHDOG_BASE_URL", base.to_owned()),
        ("WATCHDOG_ALLOW_HTTP", "true".to_owned()),
        ("DISCORD_API_BASE_URL", apis.url()),
        ("PLURALKIT_API_BASE_URL", apis.url()),
    ];
    vars.extend(
        extra
            .iter()
            .map(|(name, value)| (*name, (*value).to_owned())),
    );
    vars
}

async fn run_once(vars: &[(&str, String)], aws_endpoint: &str) -> (Value, String) {
    let mut watchdog = FunctionProcess::start("watchdog", vars, aws_endpoint).await;
    let scheduled = json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}});
    let answer = watchdog
        .invoke(&scheduled, Duration::from_secs(60))
        .await
        .unwrap_or_else(|| panic!("an error: {}", watchdog.output()));
    // The EMF flush and the log lines land before the answer goes back.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let output = watchdog.output();
    watchdog.stop().await;
    (answer, output)
}

fn names(answer: &Value, key: &str) -> Vec<String> {
    let mut names: Vec<String> = answer[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|name| name.as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn a_healthy_stack_passes_every_check_and_reports_zero() {
    let front_door = Receiver::start(0, None, like_ingest).await.unwrap();
    let base = front_door.url().trim_end_matches("/webhooks").to_owned();
    let apis = SenderApis::start(
        BOT_TOKEN,
        application(2, &base),
        API_TOKEN,
        json!({"id": "abcde", "webhook_url": format!("{base}/pluralkit")}),
    )
    .await
    .unwrap();
    let vars = watchdog_vars(
        &base,
        &apis,
        &[
            ("WATCHDOG_TENANTS", "alice"),
            ("DISCORD_BOT_TOKEN", BOT_TOKEN),
            ("PLURALKIT_API_TOKEN", API_TOKEN),
            ("RUST_LOG", "trace"),
        ],
    );
    let (answer, output) = run_once(&vars, "http://127.0.0.1:9").await;
    assert_eq!(answer["failures"], 0, "{answer}\n{output}");
    assert_eq!(
        names(&answer, "warned"),
        ["discord_webhooks_types"],
        "{answer}"
    );
    assert_eq!(names(&answer, "passed").len(), 16, "{answer}");
    let paths: Vec<String> = front_door
        .received()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(paths.len(), 7, "{paths:?}");
    assert!(paths.contains(&"/pluralkit/alice".to_owned()), "{paths:?}");
    let calls = apis.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls
        .iter()
        .all(|call| call.authorized && call.user_agent.contains("switchboard")));

    let metrics = failures_by_check(&output);
    assert_eq!(
        metrics,
        [("all".to_owned(), 0.0)],
        "the total, and no line for a check that passed: {output}"
    );
    assert!(
        output.contains("A_TYPE_FROM_THE_FUTURE"),
        "the warning names the type"
    );
    assert!(
        !output.contains(BOT_TOKEN) && !output.contains(API_TOKEN),
        "{output}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_door_that_answers_403_and_senders_that_moved_fail_exactly_their_checks() {
    let front_door = Receiver::start(0, None, |received: &Received| {
        match received.path.as_str() {
            "/pluralkit" => Reply::Status(403),
            _ => like_ingest(received),
        }
    })
    .await
    .unwrap();
    let base = front_door.url().trim_end_matches("/webhooks").to_owned();
    let apis = SenderApis::start(
        BOT_TOKEN,
        json!({
            "event_webhooks_status": 3,
            "event_webhooks_url": "https://elsewhere.example/discord",
            "interactions_endpoint_url": format!("{base}/discord/interactions"),
        }),
        API_TOKEN,
        json!({"webhook_url": null}),
    )
    .await
    .unwrap();
    let vars = watchdog_vars(
        &base,
        &apis,
        &[
            ("DISCORD_BOT_TOKEN", BOT_TOKEN),
            ("PLURALKIT_API_TOKEN", API_TOKEN),
        ],
    );
    let (answer, output) = run_once(&vars, "http://127.0.0.1:9").await;
    assert_eq!(
        names(&answer, "failed"),
        [
            "discord_webhooks_status",
            "discord_webhooks_url",
            "pluralkit_random_token",
            "pluralkit_webhook_url",
        ],
        "{answer}\n{output}"
    );
    let mut metrics = failures_by_check(&output);
    metrics.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        metrics,
        [
            ("all".to_owned(), 4.0),
            ("discord_webhooks_status".to_owned(), 1.0),
            ("discord_webhooks_url".to_owned(), 1.0),
            ("pluralkit_random_token".to_owned(), 1.0),
            ("pluralkit_webhook_url".to_owned(), 1.0),
        ],
        "one line per failed check, and the total"
    );
    assert!(
        output.contains("got 403"),
        "the log says what came back: {output}"
    );
    assert!(output.contains("pk;s webhook"), "and what to do: {output}");
    assert!(output.contains("disabled by Discord"), "{output}");
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_are_read_from_their_parameters_and_a_missing_one_fails_its_check() {
    let moto = MotoServer::start();
    let ssm = local_ssm_client(&moto.endpoint());
    ssm.put_parameter()
        .name("/switchboard/test/discord-bot-token")
        .value(BOT_TOKEN)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    let front_door = Receiver::start(0, None, like_ingest).await.unwrap();
    let base = front_door.url().trim_end_matches("/webhooks").to_owned();
    let apis = SenderApis::start(BOT_TOKEN, application(2, &base), API_TOKEN, json!({}))
        .await
        .unwrap();
    let vars = watchdog_vars(
        &base,
        &apis,
        &[
            (
                "DISCORD_BOT_TOKEN_PARAMETER",
                "/switchboard/test/discord-bot-token",
            ),
            (
                "PLURALKIT_API_TOKEN_PARAMETER",
                "/switchboard/test/never-written",
            ),
        ],
    );
    let (answer, output) = run_once(&vars, &moto.endpoint()).await;
    assert_eq!(
        names(&answer, "failed"),
        ["pluralkit_system"],
        "{answer}\n{output}"
    );
    assert!(names(&answer, "passed").contains(&"discord_webhooks_url".to_owned()));
    assert!(
        output.contains("never-written"),
        "the parameter is named: {output}"
    );
    assert!(!output.contains(BOT_TOKEN), "{output}");
    assert_eq!(
        apis.calls().len(),
        1,
        "PluralKit's API is not called without a token"
    );
}
