#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Signed HTTP forwarding to a real local receiver, built the way the
//! processor's `main` builds it: every request verifies with the
//! `standardwebhooks` crate's verifier; a 500, a timeout, a redirect and a
//! refused connection each fail exactly their own record; a 200 succeeds; and
//! the secret appears in no log line. Deployed, the secret comes from SSM.

use std::time::Duration;

use serde_json::{json, value::RawValue};
use switchboard::config::{
    FORWARD_EVENT_TYPES, FORWARD_SECRET, FORWARD_SECRET_PARAMETER, FORWARD_TIMEOUT_MS, FORWARD_URL,
};
use switchboard::envelope::Arrival;
use switchboard::{Envelope, LogEvent, ProcessorConfig, Registry, Sender};
use switchboard_devkit::{failed_ids, free_port, sqs_event, CapturedLog, Receiver, Reply};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn processor_for(vars: &[(&str, &str)]) -> switchboard::Processor {
    switchboard_tests::processor_for(vars, &aws_config::SdkConfig::builder().build())
}

/// A member event whose id tells the receiver how to answer.
fn event(event_type: &str, id: &str) -> String {
    let payload = json!({"type": event_type, "system_id": "s", "id": id, "data": {"name": "A"}});
    let raw = RawValue::from_string(payload.to_string()).unwrap();
    Envelope::new(Sender::Pluralkit, event_type.into(), Arrival::now(), raw).to_json()
}

fn reply_by_id(received: &switchboard_devkit::Received) -> Reply {
    let reply = match received.json()["payload"]["id"].as_str().unwrap_or("") {
        "fails" => Reply::Status(500),
        "moved" => Reply::Redirect,
        "slow" => Reply::Stall(Duration::from_secs(3)),
        "bad-request" => Reply::Status(400),
        _ => Reply::Status(200),
    };
    Reply::if_verified(received, reply)
}

/// Every test here logs to a capture (see [`CapturedLog::install`]).
fn capture_logs() -> (CapturedLog, tracing::subscriber::DefaultGuard) {
    CapturedLog::install("trace")
}

#[tokio::test]
async fn each_bad_answer_fails_its_own_record_and_every_request_is_signed() {
    let receiver = Receiver::start(0, Some(SECRET), reply_by_id).await.unwrap();
    let (log, _logging) = capture_logs();
    let processor = processor_for(&[
        (FORWARD_URL, &receiver.url()),
        (FORWARD_SECRET, SECRET),
        (FORWARD_TIMEOUT_MS, "500"),
    ]);
    let bodies: Vec<(&str, String)> = [
        ("ok-1", "fine"),
        ("e500", "fails"),
        ("ok-2", "fine"),
        ("e3xx", "moved"),
        ("slow", "slow"),
        ("e400", "bad-request"),
    ]
    .iter()
    .map(|(message, id)| (*message, event("CREATE_MEMBER", id)))
    .collect();
    let records: Vec<(&str, &str)> = bodies.iter().map(|(m, b)| (*m, b.as_str())).collect();
    let response = processor.process(sqs_event(&records), None).await;
    let mut failed = failed_ids(&response);
    failed.sort();
    assert_eq!(failed, ["e3xx", "e400", "e500", "slow"]);

    let received = receiver.received();
    assert_eq!(
        received.len(),
        6,
        "one POST per record, none to the redirect"
    );
    for request in &received {
        assert_eq!(request.verified, Ok(()), "verified by standardwebhooks");
        let envelope: serde_json::Value = request.json();
        let sent = bodies
            .iter()
            .map(|(_, body)| serde_json::from_str::<serde_json::Value>(body).unwrap())
            .find(|body| body["id"] == envelope["id"])
            .expect("the body is an envelope that was queued");
        assert_eq!(envelope, sent);
        assert_eq!(
            request.webhook_id(),
            envelope["id"].as_str(),
            "webhook-id is the envelope id"
        );
    }

    let text = log.text();
    assert!(!text.contains("MfKQ9r8GKYqr"), "the secret leaked: {text}");
    assert!(text.contains("redirect, which is not followed"), "{text}");
    assert!(text.contains("no answer within 500 ms"), "{text}");
}

#[tokio::test]
async fn a_forced_replay_is_signed_afresh_and_keeps_its_webhook_id() {
    let receiver = Receiver::start(0, Some(SECRET), reply_by_id).await.unwrap();
    let (_log, _logging) = capture_logs();
    let processor = processor_for(&[(FORWARD_URL, &receiver.url()), (FORWARD_SECRET, SECRET)]);
    let mut original = Envelope::from_json(&event("CREATE_MEMBER", "fine")).unwrap();
    // Archived three hours ago: the signature must be of now, not of then.
    original.received_at -= chrono::Duration::hours(3);
    let id = original.id.unwrap().to_string();
    let replay = switchboard::envelope::Replay {
        at: chrono::Utc::now(),
        run: uuid::Uuid::now_v7(),
        forced: true,
    };
    let replayed = switchboard::QueuedEvent::replay(original, replay)
        .envelope
        .to_json();
    let response = processor
        .process(sqs_event(&[("r", &replayed)]), None)
        .await;
    assert!(failed_ids(&response).is_empty());
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert_eq!(request.verified, Ok(()), "signed, and verifies");
    assert_eq!(request.webhook_id(), Some(id.as_str()), "the original id");
    let timestamp: i64 = request.headers["webhook-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (chrono::Utc::now().timestamp() - timestamp).abs() <= 5,
        "a fresh timestamp"
    );
    assert_eq!(
        request.json()["replay"]["forced"],
        true,
        "the body says it is a replay"
    );
}

#[tokio::test]
async fn a_refused_connection_fails_the_forwarded_records_and_no_others() {
    let (log, _logging) = capture_logs();
    let closed = free_port().unwrap();
    let processor = processor_for(&[
        (FORWARD_URL, &format!("http://127.0.0.1:{closed}/webhooks")),
        (FORWARD_SECRET, SECRET),
        (FORWARD_EVENT_TYPES, "CREATE_SWITCH"),
    ]);
    let (member, switch) = (event("CREATE_MEMBER", "m"), event("CREATE_SWITCH", "s"));
    let response = processor
        .process(sqs_event(&[("member", &member), ("switch", &switch)]), None)
        .await;
    assert_eq!(failed_ids(&response), ["switch"]);
    assert!(log.text().contains("could not connect to the receiver"));
}

#[tokio::test]
async fn a_receiver_with_another_secret_refuses_and_the_record_fails() {
    let (log, _logging) = capture_logs();
    let receiver = Receiver::start(0, Some(SECRET), reply_by_id).await.unwrap();
    let processor = processor_for(&[
        (FORWARD_URL, &receiver.url()),
        (FORWARD_SECRET, "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"),
    ]);
    let body = event("CREATE_MEMBER", "fine");
    let response = processor.process(sqs_event(&[("m", &body)]), None).await;
    assert_eq!(failed_ids(&response), ["m"]);
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    assert!(received[0].verified.is_err(), "the verifier caught it");
    assert!(log.text().contains("the receiver answered 401"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_secret_written_with_set_secret_is_read_on_first_use_and_an_unreadable_one_fails_only_forwarded_records(
) {
    let (_log, _logging) = capture_logs();
    let server = switchboard_devkit::MotoServer::start();
    let endpoint = server.endpoint();
    let parameter = "/switchboard/test/forward-secret";
    let output = std::process::Command::new(switchboard_tests::cli_binary())
        .args([
            "--dev-dir",
            "/nonexistent-switchboard-dir",
            "forward",
            "set-secret",
        ])
        .args(["--parameter", parameter, "--ssm-endpoint", &endpoint])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let secret = stdout
        .lines()
        .find(|line| line.starts_with("whsec_"))
        .expect("the generated secret is printed once")
        .to_owned();

    let receiver = Receiver::start(0, Some(&secret), reply_by_id)
        .await
        .unwrap();
    let url = receiver.url();
    let sdk = switchboard_devkit::local_sdk_config(&endpoint);
    let config = ProcessorConfig::from_lookup(|name| match name {
        FORWARD_URL => Some(url.clone()),
        FORWARD_SECRET_PARAMETER => Some(parameter.to_owned()),
        _ => None,
    })
    .unwrap();
    let registry = Registry::new().fallback(LogEvent).build().unwrap();
    let processor = processor::build_with(&config, registry, &sdk).unwrap();
    let body = event("CREATE_MEMBER", "fine");
    let response = processor.process(sqs_event(&[("m", &body)]), None).await;
    assert!(failed_ids(&response).is_empty());
    assert_eq!(
        receiver.received()[0].verified,
        Ok(()),
        "signed with the parameter's secret"
    );

    // A secret that cannot be read fails only the forwarded records: the
    // processor starts, the handlers run, and the error names the parameter.
    let missing = ProcessorConfig::from_lookup(|name| match name {
        FORWARD_URL => Some(url.clone()),
        FORWARD_SECRET_PARAMETER => Some("/switchboard/test/not-written".to_owned()),
        FORWARD_EVENT_TYPES => Some("CREATE_SWITCH".to_owned()),
        _ => None,
    })
    .unwrap();
    let (log, _logging) = capture_logs();
    let registry = Registry::new().fallback(LogEvent).build().unwrap();
    let processor = processor::build_with(&missing, registry, &sdk).unwrap();
    let (member, switch) = (event("CREATE_MEMBER", "a"), event("CREATE_SWITCH", "b"));
    let response = processor
        .process(sqs_event(&[("member", &member), ("switch", &switch)]), None)
        .await;
    assert_eq!(
        failed_ids(&response),
        ["switch"],
        "only the forwarded record"
    );
    let text = log.text();
    assert!(text.contains("/switchboard/test/not-written"), "{text}");
    assert_eq!(text.matches("event handled").count(), 2, "the handlers ran");
    assert_eq!(receiver.received().len(), 1, "nothing more was sent");
}

/// Runs the CLI's `forward set-secret` against `parameter` in moto, with
/// `stdin` on its standard input; its standard output.
fn set_secret(endpoint: &str, parameter: &str, args: &[&str], stdin: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new(switchboard_tests::cli_binary())
        .args([
            "--dev-dir",
            "/nonexistent-switchboard-dir",
            "forward",
            "set-secret",
        ])
        .args(args)
        .args(["--parameter", parameter, "--ssm-endpoint", endpoint])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{args:?}: {stdout}{stderr}");
    assert!(
        !stderr.contains("warning"),
        "nothing on the command line: {stderr}"
    );
    stdout
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotation_signs_with_both_keys_until_it_ends_and_running_instances_follow_it() {
    use std::sync::Arc;
    use switchboard::builtin::forward::Forward;
    use switchboard::secrets::ssm::SsmSecrets;

    let (_log, _logging) = capture_logs();
    let server = switchboard_devkit::MotoServer::start();
    let endpoint = server.endpoint();
    let ssm = switchboard_devkit::local_ssm_client(&endpoint);
    let parameter = "/switchboard/rotation/forward-secret";
    const NEXT: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

    let stdout = set_secret(
        &endpoint,
        parameter,
        &["--kms-key-id", "alias/switchboard-test"],
        "",
    );
    let old = stdout
        .lines()
        .find(|line| line.starts_with("whsec_"))
        .expect("the generated secret is printed once")
        .to_owned();
    let described = ssm
        .describe_parameters()
        .send()
        .await
        .unwrap()
        .parameters
        .unwrap_or_default();
    assert_eq!(
        described[0].key_id(),
        Some("alias/switchboard-test"),
        "written under the key asked for"
    );

    let receiver = Receiver::start(0, None, |_| Reply::Status(200))
        .await
        .unwrap();
    let url = receiver.url();
    let config = ProcessorConfig::from_lookup(|name| match name {
        FORWARD_URL => Some(url.clone()),
        FORWARD_SECRET_PARAMETER => Some(parameter.to_owned()),
        _ => None,
    })
    .unwrap();
    let refresh = Duration::from_millis(300);
    let forward = Forward::with_secret_store(
        config.destinations.forward.as_ref().unwrap(),
        Arc::new(SsmSecrets::new(ssm.clone())),
    )
    .unwrap()
    .refreshing_every(refresh);
    let registry = Registry::new().fallback(LogEvent).build().unwrap();
    let processor = switchboard::Processor::new(registry, 4).with_destination(forward);
    let send = |id: &'static str| {
        let processor = &processor;
        async move {
            let body = event("CREATE_MEMBER", id);
            let response = processor.process(sqs_event(&[("m", &body)]), None).await;
            assert!(failed_ids(&response).is_empty(), "{id} delivered");
        }
    };

    send("before").await;
    // The new key on standard input: it is never printed back.
    let stdout = set_secret(&endpoint, parameter, &["--rotate", "-"], NEXT);
    assert!(stdout.contains("2 keys"), "{stdout}");
    assert!(!stdout.contains(NEXT) && !stdout.contains(&old), "{stdout}");
    tokio::time::sleep(refresh * 2).await;
    send("during").await;
    let stdout = set_secret(&endpoint, parameter, &["--finish-rotation"], "");
    assert!(stdout.contains("1 key)"), "{stdout}");
    tokio::time::sleep(refresh * 2).await;
    send("after").await;
    // A parameter that can no longer be read: the keys read before go on signing.
    ssm.delete_parameter().name(parameter).send().await.unwrap();
    tokio::time::sleep(refresh * 2).await;
    send("unreadable").await;

    let signed: Vec<(bool, bool)> = receiver
        .received()
        .iter()
        .map(|request| (request.verifies_with(&old), request.verifies_with(NEXT)))
        .collect();
    assert_eq!(
        signed,
        [(true, false), (true, true), (false, true), (false, true)],
        "(old, new) per request: before, during and after the rotation, then unreadable"
    );
}
