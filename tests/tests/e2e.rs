#![allow(clippy::unwrap_used, clippy::expect_used)]
//! End to end, the way a developer runs it: `switchboard stack` (what `make run`
//! starts: moto, `cargo lambda watch` with the real binaries, the poller, the
//! watchdog on its local schedule) on free
//! ports, every event type of both senders sent with the CLI, and each one
//! handled exactly once by the processor, with the queue empty afterwards,
//! and delivered exactly once to the local bus's target queue and, signed, to
//! an HTTP receiver (`--forward-url`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::QueueAttributeName;
use switchboard::pluralkit::token_sha256;
use switchboard_devkit::{
    free_port, local_sqs_client as sqs_client, receive_up_to, repo_root, Receiver, Reply,
};

/// The PluralKit token the test registers while the stack runs.
const NEW_TOKEN: &str = "e2e-registered-token-0123456789";

/// The forwarding secret the test gives the stack (through its dev dir).
const FORWARD_SECRET: &str = "whsec_ZTJlLWZvcndhcmQtc2VjcmV0LTI0Ynl0ZXM=";

/// One event through each local tenant's route (`make run`'s two tenants).
const TENANT_SENDS: [(&str, &str); 2] = [("CREATE_SWITCH", "alpha"), ("CREATE_MEMBER", "beta")];

fn cli() -> Command {
    let binary = switchboard_tests::cli_binary();
    let mut command = Command::new(binary);
    let path = format!(
        "{}:{}",
        repo_root().join(".venv/bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    command
        .current_dir(repo_root())
        .env("PATH", path)
        .env_remove("AWS_ENDPOINT_URL_SQS");
    command
}

struct Stack {
    child: Child,
    log: PathBuf,
    dev_dir: PathBuf,
}

impl Stack {
    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the stack did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.terminate();
        }
    }
}

/// True when `text` holds a run of at least `length` lowercase hex digits.
fn has_hex_run(text: &str, length: usize) -> bool {
    let mut run = 0;
    for byte in text.bytes() {
        run = if byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte) {
            run + 1
        } else {
            0
        };
        if run >= length {
            return true;
        }
    }
    false
}

/// Every message text (`content`) and name in the fixtures: body text that
/// must never reach a log line.
fn fixture_texts() -> Vec<String> {
    fn walk(value: &serde_json::Value, found: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(fields) => {
                for (key, value) in fields {
                    match (key.as_str(), value) {
                        ("content" | "name" | "description", serde_json::Value::String(text))
                            if text.len() >= 8 =>
                        {
                            found.push(text.clone())
                        }
                        _ => walk(value, found),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| walk(item, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    for sender in ["discord", "pluralkit"] {
        for entry in std::fs::read_dir(repo_root().join("fixtures").join(sender)).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            walk(&serde_json::from_str(&text).unwrap(), &mut found);
        }
    }
    found
}

/// `(event_type, dedupe_key)` of every `event handled` line.
fn handled_events(log: &str) -> Vec<(String, String)> {
    logged_events(log, "event handled")
}

/// The event type and dedupe key of each record the processor acknowledged
/// as a duplicate.
fn duplicate_events(log: &str) -> Vec<(String, String)> {
    logged_events(log, " duplicate")
}

/// The event type and dedupe key of each log line containing `marker`.
fn logged_events(log: &str, marker: &str) -> Vec<(String, String)> {
    fn field(line: &str, name: &str) -> Option<String> {
        let start = line.find(&format!("{name}=\""))? + name.len() + 2;
        let end = line[start..].find('"')? + start;
        Some(line[start..end].to_owned())
    }
    log.lines()
        .filter(|line| line.contains(marker))
        .filter_map(|line| Some((field(line, "event_type")?, field(line, "dedupe_key")?)))
        .collect()
}

/// The Discord webhook event types `send --all --sender discord` queues: every
/// fixture but `PING`, which is answered, not queued.
fn queued_discord_types() -> Vec<String> {
    fixture_types("discord")
        .into_iter()
        .filter(|event_type| event_type != "PING")
        .collect()
}

/// The event types with a fixture under `fixtures/<sender>`, sorted.
fn fixture_types(sender: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(sender);
    let mut types: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            Some(name.strip_suffix(".json")?.to_owned())
        })
        .collect();
    types.sort();
    types
}

#[test]
fn every_event_type_is_handled_exactly_once_through_the_local_stack() {
    let dev_dir = std::env::temp_dir().join(format!("switchboard-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dev_dir).unwrap();
    let log = dev_dir.join("stack.log");
    let (sqs_port, invoke_port) = (free_port().unwrap(), free_port().unwrap());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    std::fs::write(dev_dir.join("forward_secret"), FORWARD_SECRET).unwrap();
    let receiver = runtime
        .block_on(Receiver::start(0, Some(FORWARD_SECRET), |received| {
            Reply::if_verified(received, Reply::Status(200))
        }))
        .unwrap();

    let child = cli()
        .arg("--dev-dir")
        .arg(&dev_dir)
        .args([
            "stack",
            "--sqs-port",
            &sqs_port.to_string(),
            "--invoke-port",
            &invoke_port.to_string(),
        ])
        .args(["--queue-name", "e2e-events", "--visibility-timeout", "2"])
        .args(["--forward-url", &receiver.url()])
        // The most verbose logs, which must still hold no secret and no body text.
        .args(["--log-level", "trace"])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(dev_dir.join("stack.err")).unwrap())
        .spawn()
        .unwrap();
    let mut stack = Stack {
        child,
        log,
        dev_dir: dev_dir.clone(),
    };

    let deadline = Instant::now() + Duration::from_secs(600);
    while !dev_dir.join("stack.json").exists() {
        assert!(
            stack.child.try_wait().unwrap().is_none(),
            "the stack exited: {}",
            stack.log_text()
        );
        assert!(
            Instant::now() < deadline,
            "the stack did not come up: {}",
            stack.log_text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // Discord twice: the second round stands for Discord's retries (the same
    // bodies, signed again), which the idempotency store must recognise.
    for sender in ["discord", "pluralkit", "discord"] {
        let output = cli()
            .arg("--dev-dir")
            .arg(&stack.dev_dir)
            .args(["send", "--all", "--sender", sender])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        println!("{stdout}");
        assert!(
            output.status.success(),
            "send {sender} --all: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // PluralKit for many systems: one event through each local tenant.
    for (event_type, tenant) in TENANT_SENDS {
        let output = cli()
            .arg("--dev-dir")
            .arg(&stack.dev_dir)
            .args(["send", event_type, "--tenant", tenant])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "send {event_type} --tenant {tenant}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // Every interaction type's sample (its command is `/ping`, which the
    // shipped handlers.rs answers; the component and the modal have no
    // handler), and a command no handler takes: each answered 200, then
    // replied to from the processor through the Discord stand-in, whose
    // first answer per interaction is 404 10015.
    let output = cli()
        .arg("--dev-dir")
        .arg(&stack.dev_dir)
        .args(["send", "--all", "--sender", "discord_interaction"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(output.status.success(), "send --all interactions: {stdout}");
    for answer in [
        r#"{"type":5}"#,
        r#"{"type":6}"#,
        r#"{"type":8,"data":{"choices":[]}}"#,
    ] {
        assert!(stdout.contains(answer), "{answer} in {stdout}");
    }
    let output = cli()
        .arg("--dev-dir")
        .arg(&stack.dev_dir)
        .args(["send", "APPLICATION_COMMAND", "--name", "nope"])
        .output()
        .unwrap();
    assert!(
        output.status.success()
            && String::from_utf8_lossy(&output.stdout).contains(r#"{"type":5}"#),
        "send APPLICATION_COMMAND --name nope: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    let discord_ping = cli()
        .arg("--dev-dir")
        .arg(&stack.dev_dir)
        .args(["send", "PING", "--sender", "discord"])
        .output()
        .unwrap();
    assert!(discord_ping.status.success(), "Discord's PING gets 204");
    let bad = cli()
        .arg("--dev-dir")
        .arg(&stack.dev_dir)
        .args(["send", "PING", "--bad-signature"])
        .output()
        .unwrap();
    assert!(bad.status.success(), "a wrong token gets exactly 401");

    // 12 Discord + 19 PluralKit event types, the 2 tenants' events, and the
    // 3 interactions no handler takes (LogEvent's lines: the component, the
    // modal, `/nope`; `/ping` has its own handler); PINGs and autocomplete
    // are answered, not queued. The 12 Discord retries are acknowledged as
    // duplicates, not handled.
    let expected = 36;
    let retried_types = queued_discord_types();
    assert_eq!(retried_types.len(), 12, "{retried_types:?}");
    // Each Discord retry must be acknowledged as a duplicate of the event
    // handled the first time. Under load, ingest may also re-send a
    // `SendMessage` whose answer it never saw (at least once, by design):
    // such a second copy is a duplicate too, so the test asks for every
    // retry's key among the duplicates rather than for an exact count.
    let retries_recognised = |handled: &[(String, String)], duplicates: &[(String, String)]| {
        retried_types.iter().all(|event_type| {
            handled
                .iter()
                .filter(|(t, _)| t == event_type)
                .any(|handled| duplicates.contains(handled))
        })
    };
    let deadline = Instant::now() + Duration::from_secs(300);
    let handled = loop {
        let log = stack.log_text();
        let handled = handled_events(&log);
        if (handled.len() >= expected && retries_recognised(&handled, &duplicate_events(&log)))
            || Instant::now() > deadline
        {
            break handled;
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    let duplicates = duplicate_events(&stack.log_text());
    assert!(
        retries_recognised(&handled, &duplicates),
        "every Discord retry is recognised: duplicates {duplicates:?}"
    );
    // An interaction's own handler (`/ping`) writes no `event handled` line,
    // so only the events' duplicates can be matched to their first copy.
    let interaction_types = fixture_types("discord_interaction");
    let never_handled: Vec<_> = duplicates
        .iter()
        .filter(|(event_type, _)| !interaction_types.contains(event_type))
        .filter(|duplicate| !handled.contains(duplicate))
        .collect();
    assert!(
        never_handled.is_empty(),
        "duplicates whose first copy was never handled: {never_handled:?}"
    );
    if duplicates.len() > retried_types.len() {
        println!(
            "{} duplicates beyond the {} Discord retries: second copies of a send ingest retried",
            duplicates.len() - retried_types.len(),
            retried_types.len()
        );
    }
    std::thread::sleep(Duration::from_secs(3));
    let handled_after = handled_events(&stack.log_text());
    assert_eq!(
        handled_after.len(),
        handled.len(),
        "no event is handled twice"
    );

    let mut per_type: HashMap<&str, usize> = HashMap::new();
    for (event_type, _) in &handled {
        *per_type.entry(event_type.as_str()).or_default() += 1;
    }
    assert_eq!(handled.len(), expected, "handled: {per_type:?}");
    assert!(
        per_type.iter().all(|(event_type, count)| {
            let through_a_tenant = TENANT_SENDS.iter().any(|(t, _)| t == event_type);
            *count == if through_a_tenant { 2 } else { 1 }
        }),
        "each type exactly once, and once more through its tenant: {per_type:?}"
    );
    assert!(!per_type.contains_key("PING"));
    let keys: std::collections::HashSet<_> = handled.iter().map(|(_, key)| key).collect();
    assert_eq!(keys.len(), expected, "distinct dedupe keys");

    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dev_dir.join("stack.json")).unwrap())
            .unwrap();
    let (visible, in_flight) = runtime.block_on(async {
        let client = sqs_client(state["sqs_endpoint"].as_str().unwrap());
        let attributes = client
            .get_queue_attributes()
            .queue_url(state["queue_url"].as_str().unwrap())
            .attribute_names(QueueAttributeName::All)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap_or_default();
        let count =
            |name: QueueAttributeName| attributes.get(&name).and_then(|v| v.parse::<u64>().ok());
        (
            count(QueueAttributeName::ApproximateNumberOfMessages),
            count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
        )
    });
    assert_eq!(
        (visible, in_flight),
        (Some(0), Some(0)),
        "the queue is empty"
    );

    // Every event reached each destination exactly once, but interactions,
    // which go only where a type list names them.
    let forwarded = receiver.received();
    assert!(
        forwarded.iter().all(|request| request.verified.is_ok()),
        "every forwarded request verifies"
    );
    let mut forwarded_types: Vec<String> = forwarded
        .iter()
        .map(|request| request.json()["event_type"].as_str().unwrap().to_owned())
        .collect();
    forwarded_types.sort();
    let mut handled_types: Vec<String> = handled
        .iter()
        .map(|(t, _)| t.clone())
        .filter(|t| {
            switchboard::Sender::of_event_type(t) != Some(switchboard::Sender::DiscordInteraction)
        })
        .collect();
    handled_types.sort();
    assert_eq!(
        forwarded_types, handled_types,
        "forwarded exactly once each"
    );
    let webhook_ids: std::collections::HashSet<_> = forwarded
        .iter()
        .map(|request| request.webhook_id())
        .collect();
    assert_eq!(
        webhook_ids.len(),
        handled_types.len(),
        "one webhook-id per event"
    );
    let on_bus = runtime.block_on(async {
        let client = sqs_client(state["sqs_endpoint"].as_str().unwrap());
        let target = state["bus_target_url"].as_str().unwrap();
        receive_up_to(&client, target, expected + 10, 60)
            .await
            .unwrap()
    });
    let mut bus_types: Vec<String> = on_bus
        .iter()
        .map(|message| {
            let event: serde_json::Value = serde_json::from_str(message.body().unwrap()).unwrap();
            assert!(event["source"]
                .as_str()
                .unwrap()
                .starts_with("switchboard."));
            event["detail-type"].as_str().unwrap().to_owned()
        })
        .collect();
    bus_types.sort();
    assert_eq!(bus_types, handled_types, "on the bus exactly once each");
    // The tenant on the envelope, on the bus and in the forwarded body.
    let on_bus_tenants: Vec<(String, String)> = on_bus
        .iter()
        .filter_map(|message| {
            let event: serde_json::Value = serde_json::from_str(message.body().unwrap()).unwrap();
            let tenant = event["detail"]["tenant"].as_str()?.to_owned();
            Some((event["detail-type"].as_str().unwrap().to_owned(), tenant))
        })
        .collect();
    let forwarded_tenants: Vec<(String, String)> = forwarded
        .iter()
        .filter_map(|request| {
            let body = request.json();
            let tenant = body["tenant"].as_str()?.to_owned();
            Some((body["event_type"].as_str().unwrap().to_owned(), tenant))
        })
        .collect();
    for (event_type, tenant) in TENANT_SENDS {
        let pair = (event_type.to_owned(), tenant.to_owned());
        assert_eq!(
            on_bus_tenants.iter().filter(|p| **p == pair).count(),
            1,
            "{pair:?} on the bus: {on_bus_tenants:?}"
        );
        assert_eq!(
            forwarded_tenants.iter().filter(|p| **p == pair).count(),
            1,
            "{pair:?} forwarded: {forwarded_tenants:?}"
        );
    }
    assert_eq!(
        on_bus_tenants.len(),
        TENANT_SENDS.len(),
        "no other event has a tenant"
    );

    // The replies as the stand-in saw them: each interaction's first call
    // got 10015 and its retry went through; `/ping` answered by its handler,
    // `/nope` and the modal by the fallback's edit, the component by the
    // fallback's ephemeral followup (its message is left alone).
    let calls: Vec<String> = stack
        .log_text()
        .lines()
        .filter(|line| line.starts_with("discord api: "))
        .map(str::to_owned)
        .collect();
    assert_eq!(calls.len(), 8, "{calls:#?}");
    assert_eq!(
        calls.iter().filter(|l| l.contains("-> 404")).count(),
        4,
        "{calls:#?}"
    );
    let landed = |what: &str, content: &str| {
        calls
            .iter()
            .filter(|l| l.contains(what) && l.contains(&format!("-> 200  {content:?}")))
            .count()
    };
    let fallback = "This action is not available right now.";
    assert_eq!(landed("PATCH @original", "pong"), 1, "{calls:#?}");
    assert_eq!(landed("PATCH @original", fallback), 2, "{calls:#?}");
    assert_eq!(landed("POST followup", fallback), 1, "{calls:#?}");

    let errors = std::fs::read_to_string(dev_dir.join("stack.err")).unwrap_or_default();
    let poll_errors: Vec<&str> = errors
        .lines()
        .filter(|line| line.starts_with("poll error"))
        .collect();
    assert!(
        poll_errors.is_empty(),
        "the poller reported errors: {poll_errors:#?}"
    );

    // The archive holds the whole run: every envelope the processor received
    // (each event, each Discord retry, which ingest gave its own id, and
    // `/ping`, whose own handler writes no `event handled` line). A second
    // copy of one ingest re-sent carries the same id and is listed once.
    let events = |args: &[&str]| {
        let output = cli()
            .arg("--dev-dir")
            .arg(&stack.dev_dir)
            .arg("events")
            .args(args)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "events {args:?}: {stdout}{stderr}");
        stdout
    };
    let listed = events(&["list", "--since", "1h"]);
    assert_eq!(
        listed.lines().count(),
        expected + retried_types.len() + 1,
        "the archive holds every record once: {listed}"
    );
    // One type replayed through the local stack: without --force it is a
    // duplicate (its effects completed); with --force it runs again.
    let count = |needle: &str| {
        stack
            .log_text()
            .lines()
            .filter(|line| line.contains(needle))
            .count()
    };
    let before = (count(" duplicate"), handled_events(&stack.log_text()).len());
    let replay = ["replay", "--since", "1h", "--type", "UPDATE_SYSTEM"];
    assert!(events(&replay).contains("replayed 1 event(s)"));
    let waited = Instant::now();
    while count(" duplicate") == before.0 && waited.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(
        count(" duplicate"),
        before.0 + 1,
        "the replay was a duplicate"
    );
    assert!(events(&[&replay[..], &["--force"]].concat()).contains("replayed 1 event(s)"));
    let waited = Instant::now();
    while handled_events(&stack.log_text()).len() == before.1
        && waited.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(250));
    }
    let rerun = handled_events(&stack.log_text());
    assert_eq!(rerun.len(), before.1 + 1, "the forced replay ran again");
    assert_eq!(
        rerun.last().map(|(kind, _)| kind.as_str()),
        Some("UPDATE_SYSTEM")
    );

    let token = std::fs::read_to_string(dev_dir.join("pluralkit_signing_token")).unwrap();
    let log_text =
        stack.log_text() + &std::fs::read_to_string(dev_dir.join("stack.err")).unwrap_or_default();
    assert!(
        !log_text.contains(token.trim()),
        "the PluralKit token never reaches a log line"
    );
    assert!(
        !log_text.contains(FORWARD_SECRET.trim_start_matches("whsec_")),
        "the forwarding secret never reaches a log line"
    );
    assert!(
        !log_text.contains("not-the-token"),
        "the bad token sent never reaches a log line"
    );
    assert!(
        !log_text.contains("dev-token-"),
        "no interaction token reaches a log line"
    );
    for (_, tenant) in TENANT_SENDS {
        // The local tenants' tokens (as `send --tenant` derives them), and
        // the digests the table holds.
        let tenant_token = token_sha256(&format!("{}:{tenant}", token.trim()));
        assert!(
            !log_text.contains(&tenant_token),
            "a tenant's token in the logs"
        );
        assert!(
            !log_text.contains(&token_sha256(&tenant_token)),
            "a tenant's digest in the logs"
        );
    }
    assert!(
        !has_hex_run(&log_text, 128),
        "no 128-hex signature in any log line"
    );
    let texts = fixture_texts();
    assert!(
        texts.len() >= 5,
        "the fixtures hold message texts: {texts:?}"
    );
    for text in &texts {
        assert!(
            !log_text.contains(text.as_str()),
            "body text {text:?} reached a log line"
        );
    }
    assert!(
        log_text
            .lines()
            .any(|l| l.contains("TRACE") && l.contains("record decoded")),
        "the functions really logged at TRACE"
    );

    // PluralKit's registration, as a user does it: `set-token`, then the
    // handshake (the real token gets 200, a random one 401) with no restart,
    // within the refresh interval.
    let set_token = cli()
        .arg("--dev-dir")
        .arg(&stack.dev_dir)
        .args(["pluralkit", "set-token", NEW_TOKEN])
        .output()
        .unwrap();
    assert!(
        set_token.status.success(),
        "set-token: {}",
        String::from_utf8_lossy(&set_token.stderr)
    );
    let written = Instant::now();
    let ping_with = |token: &str| {
        cli()
            .arg("--dev-dir")
            .arg(&stack.dev_dir)
            .args(["send", "PING", "--sender", "pluralkit", "--token", token])
            .output()
            .unwrap()
    };
    while !ping_with(NEW_TOKEN).status.success() {
        assert!(
            written.elapsed() < Duration::from_secs(7),
            "the new token was not accepted within the 5 s refresh interval"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    println!("new token accepted {:?} after set-token", written.elapsed());
    let random = cli()
        .arg("--dev-dir")
        .arg(&stack.dev_dir)
        .args(["send", "PING", "--bad-signature"])
        .output()
        .unwrap();
    assert!(random.status.success(), "a random token gets exactly 401");

    // doctor against the running stack: every check passes with the real
    // token, and the real-token check fails with a wrong one.
    let ingest_url = state["ingest_url"].as_str().unwrap().to_owned();
    let doctor = |token: &str| {
        cli()
            .arg("--dev-dir")
            .arg(&stack.dev_dir)
            .args([
                "doctor",
                &ingest_url,
                "--allow-http",
                "--pluralkit-token",
                token,
            ])
            .output()
            .unwrap()
    };
    let healthy = doctor(NEW_TOKEN);
    let report = String::from_utf8_lossy(&healthy.stdout).into_owned();
    assert!(healthy.status.success(), "{report}");
    assert!(
        report.contains("PASS  the queue did not grow during the checks"),
        "{report}"
    );
    assert!(!report.contains("FAIL"), "{report}");
    let wrong = doctor("not-the-registered-token");
    let report = String::from_utf8_lossy(&wrong.stdout).into_owned();
    assert!(!wrong.status.success(), "{report}");
    let failed: Vec<&str> = report.lines().filter(|l| l.contains("FAIL")).collect();
    assert_eq!(failed.len(), 1, "{report}");
    assert!(
        failed[0].contains("real token gets exactly 200"),
        "{report}"
    );
    let log_text =
        stack.log_text() + &std::fs::read_to_string(dev_dir.join("stack.err")).unwrap_or_default();
    assert!(
        !log_text.contains(NEW_TOKEN) && !log_text.contains("not-the-registered-token"),
        "neither the registered token nor doctor's wrong one reaches a log line"
    );

    // The watchdog on the local schedule (its first run starts with the
    // stack), through `cargo lambda watch`: against the real ingest and both
    // stand-in APIs, its tokens read from moto's SSM, every check passes and
    // none is skipped; at TRACE, neither token reaches a line.
    let deadline = Instant::now() + Duration::from_secs(300);
    let runs = loop {
        let runs: Vec<String> = stack
            .log_text()
            .lines()
            .filter(|line| line.starts_with("watchdog: "))
            .map(str::to_owned)
            .collect();
        if !runs.is_empty() {
            break runs;
        }
        assert!(
            Instant::now() < deadline,
            "the watchdog never ran: {}",
            stack.log_text()
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    for run in &runs {
        assert!(
            run.contains(" checks passed")
                && !run.starts_with("watchdog: 0 ")
                && !run.contains("FAILED")
                && !run.contains("skipped"),
            "{runs:?}"
        );
    }
    let log_text =
        stack.log_text() + &std::fs::read_to_string(dev_dir.join("stack.err")).unwrap_or_default();
    assert!(
        log_text.contains("watchdog run done"),
        "the watchdog's own log line"
    );
    // The stack's dev tokens for the two APIs (tools/src/stack.rs).
    for token in ["local-discord-bot-token", "local-pluralkit-api-token"] {
        assert!(!log_text.contains(token), "{token} reached a log line");
    }

    let status = stack.terminate();
    assert!(
        status.success(),
        "the stack stops cleanly on SIGTERM: {status:?}"
    );
    assert!(
        !switchboard_devkit::wait_for_port(sqs_port, Duration::from_millis(500)),
        "moto was stopped"
    );
    assert!(
        !switchboard_devkit::wait_for_port(invoke_port, Duration::from_millis(500)),
        "cargo lambda watch was stopped"
    );
    let _ = std::fs::remove_dir_all(&dev_dir);
}
