#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `switchboard doctor` against stand-in endpoints on loopback: one that
//! behaves as ingest does (every check passes), and deliberately broken ones
//! (a PluralKit route that answers 204, a wrong token, redirects, one that
//! queues what it refuses, watched in moto), where
//! exactly the right checks fail. The end-to-end test runs it against the
//! real local stack.

use std::process::{Command, Output};

use switchboard_devkit::{Received, Receiver, Reply};

const TOKEN: &str = "the-registered-token";

fn doctor(base: &str, extra: &[&str]) -> Output {
    let dev_dir = std::env::temp_dir().join(format!("switchboard-doctor-{}", std::process::id()));
    std::fs::create_dir_all(&dev_dir).unwrap();
    Command::new(switchboard_tests::cli_binary())
        .arg("--dev-dir")
        .arg(&dev_dir)
        .args(["doctor", base, "--allow-http"])
        .args(extra)
        .env_remove("AWS_ENDPOINT_URL_SSM")
        .output()
        .unwrap()
}

/// What ingest answers: Discord refuses every request doctor can make,
/// PluralKit takes exactly `TOKEN`.
fn like_ingest(received: &Received) -> Reply {
    match received.path.as_str() {
        "/discord" | "/discord/interactions" => Reply::Status(401),
        "/pluralkit" if received.body.contains(TOKEN) => Reply::Status(200),
        "/pluralkit" => Reply::Status(401),
        tenant if tenant.starts_with("/pluralkit/") => Reply::Status(401),
        _ => Reply::Status(404),
    }
}

fn base(receiver: &Receiver) -> String {
    receiver.url().trim_end_matches("/webhooks").to_owned()
}

/// The checklist's lines that say FAIL.
fn failed_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| line.trim_start().starts_with("FAIL"))
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_that_behaves_passes_every_check() {
    let receiver = Receiver::start(0, None, like_ingest).await.unwrap();
    let output = doctor(&base(&receiver), &["--pluralkit-token", TOKEN]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(failed_lines(&output).is_empty(), "{stdout}");
    assert!(stdout.contains("all checks passed"));
    assert_eq!(
        receiver.received().len(),
        7,
        "3 Discord, 2 interactions and 2 PluralKit requests"
    );
    assert!(stdout.contains("ms"), "latencies are shown: {stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interactions_route_that_is_missing_fails_exactly_its_checks() {
    let receiver = Receiver::start(0, None, |received: &Received| {
        match received.path.as_str() {
            "/discord/interactions" => Reply::Status(404),
            _ => like_ingest(received),
        }
    })
    .await
    .unwrap();
    let output = doctor(&base(&receiver), &["--pluralkit-token", TOKEN]);
    assert!(!output.status.success());
    let failed = failed_lines(&output);
    assert_eq!(failed.len(), 2, "{failed:#?}");
    assert!(
        failed
            .iter()
            .all(|line| line.contains("interaction") && line.contains("404")),
        "{failed:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pluralkit_route_answering_204_fails_the_exact_status_check() {
    let receiver = Receiver::start(0, None, |received: &Received| {
        match received.path.as_str() {
            "/pluralkit" => Reply::Status(204),
            _ => like_ingest(received),
        }
    })
    .await
    .unwrap();
    let output = doctor(&base(&receiver), &["--pluralkit-token", TOKEN]);
    assert!(!output.status.success());
    let failed = failed_lines(&output);
    assert_eq!(failed.len(), 2, "{failed:#?}");
    assert!(failed[0].contains("random token gets exactly 401") && failed[0].contains("got 204"));
    assert!(failed[1].contains("real token gets exactly 200") && failed[1].contains("got 204"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_token_fails_only_the_real_token_check() {
    let receiver = Receiver::start(0, None, like_ingest).await.unwrap();
    let output = doctor(
        &base(&receiver),
        &["--pluralkit-token", "not-what-it-holds"],
    );
    assert!(!output.status.success());
    let failed = failed_lines(&output);
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(failed[0].contains("real token gets exactly 200") && failed[0].contains("got 401"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_fails_the_redirect_check_and_every_status_check() {
    let receiver = Receiver::start(0, None, |_: &Received| Reply::Redirect)
        .await
        .unwrap();
    let output = doctor(&base(&receiver), &[]);
    assert!(!output.status.success());
    let failed = failed_lines(&output);
    assert!(
        failed
            .iter()
            .any(|line| line.contains("no redirects") && line.contains("307")),
        "{failed:#?}"
    );
    assert_eq!(
        failed.len(),
        7,
        "3 Discord checks, 2 interactions checks, PluralKit's 401, redirects: {failed:#?}"
    );
}

#[test]
fn plain_http_fails_the_transport_check_without_allow_http() {
    let output = Command::new(switchboard_tests::cli_binary())
        .args([
            "--dev-dir",
            "/nonexistent-switchboard-dir",
            "doctor",
            "http://127.0.0.1:9/",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success());
    assert!(stdout.contains("FAIL  HTTPS on port 443"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_that_queues_what_it_refuses_fails_the_queue_check() {
    let server = switchboard_devkit::MotoServer::start();
    let sqs = switchboard_devkit::local_sqs_client(&server.endpoint());
    let queues = switchboard_devkit::create_queues(&sqs, "doctor-watched", 5, 30)
        .await
        .unwrap();
    // Answers as ingest does, but queues every Discord request first: the
    // bug the queue check is there to catch.
    let (client, url) = (sqs.clone(), queues.queue_url.clone());
    let runtime = tokio::runtime::Handle::current();
    let receiver = Receiver::start(0, None, move |received: &Received| {
        if received.path == "/discord" {
            tokio::task::block_in_place(|| {
                runtime.block_on(async {
                    client
                        .send_message()
                        .queue_url(&url)
                        .message_body("a forged request")
                        .send()
                        .await
                        .unwrap();
                });
            });
        }
        like_ingest(received)
    })
    .await
    .unwrap();
    let dev_dir = std::env::temp_dir().join(format!("switchboard-doctor-q-{}", std::process::id()));
    std::fs::create_dir_all(&dev_dir).unwrap();
    let output = Command::new(switchboard_tests::cli_binary())
        .arg("--dev-dir")
        .arg(&dev_dir)
        .args(["doctor", &base(&receiver), "--allow-http"])
        .args(["--queue-url", &queues.queue_url])
        .env("AWS_ENDPOINT_URL_SQS", server.endpoint())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    let failed = failed_lines(&output);
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(
        failed[0].contains("the queue did not grow")
            && failed[0].contains("0 message(s) before, 3 after"),
        "{failed:#?}"
    );
    assert!(
        stdout.contains("approximations"),
        "the caveat is said: {stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tenant_route_is_checked_when_named_and_a_404_there_fails_exactly_that_check() {
    let receiver = Receiver::start(0, None, like_ingest).await.unwrap();
    let output = doctor(&base(&receiver), &["--tenant", "alice"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("/pluralkit/alice"), "{stdout}");
    assert!(receiver
        .received()
        .iter()
        .any(|request| request.path == "/pluralkit/alice"));

    let missing = Receiver::start(0, None, |received: &Received| {
        match received.path.as_str() {
            "/pluralkit/alice" => Reply::Status(404),
            _ => like_ingest(received),
        }
    })
    .await
    .unwrap();
    let output = doctor(&base(&missing), &["--tenant", "alice"]);
    assert!(!output.status.success());
    let failed = failed_lines(&output);
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(failed[0].contains("random token gets exactly 401") && failed[0].contains("404"));
}
