#![allow(clippy::unwrap_used, clippy::expect_used)]
//! PluralKit for many systems, against moto's DynamoDB and SQS: ingest as
//! its `main` builds it, serving `/pluralkit/{tenant}` from the tenant
//! table, and the tenant table's writes as an integrator's backend makes them.
//!
//! - Each answer: the tenant's own token 200 (a PING queues nothing, an event
//!   is queued with its tenant); every other case exactly 401; malformed
//!   paths 404, with nothing queued.
//! - Registration within seconds of the item's write, rotation, `disabled`
//!   and removal within the cache time; pinning, and a wrong system.
//! - A flood of bad tokens, counted per HTTP request; 1,000 tenants; the
//!   table down (503); no token or digest in any log line at TRACE.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use switchboard::config::{
    PLURALKIT_ENQUEUE_DEADLINE_MS, PLURALKIT_TENANT_CACHE_SECS, PLURALKIT_TENANT_TABLE, QUEUE_URL,
    SECRET_REFRESH_INTERVAL_SECS,
};
use switchboard::pluralkit::tenant_table::TenantTable;
use switchboard::pluralkit::{token_sha256, TenantId};
use switchboard::IngestConfig;
use switchboard_devkit::{
    create_queues, create_tenant_table, free_port, local_aws_settings, local_dynamodb_client,
    local_sqs_client, CapturedLog, HttpRequest, MotoServer,
};
use switchboard_tests::proxy::{failing_first, TcpProxy};
use switchboard_tests::{drain_view, DriveIngest};

const ALICE: &str = "YWxpY2UtdG9rZW4tYWxpY2UtdG9rZW4tYWxpY2UtdG9rZW4tYWxpY2UtdG9rZW4x";
const BOB: &str = "Ym9iLXRva2VuLWJvYi10b2tlbi1ib2ItdG9rZW4tYm9iLXRva2VuLWJvYi10b2tlbg";

struct Stack {
    server: MotoServer,
    queue_url: String,
    sqs: aws_sdk_sqs::Client,
    table: TenantTable,
    table_name: String,
}

async fn stack(name: &str) -> Stack {
    let server = MotoServer::start();
    let endpoint = server.endpoint();
    let sqs = local_sqs_client(&endpoint);
    let queue_url = create_queues(&sqs, name, 5, 30).await.unwrap().queue_url;
    let dynamodb = local_dynamodb_client(&endpoint);
    let table_name = format!("{name}-tenants");
    create_tenant_table(&dynamodb, &table_name).await.unwrap();
    Stack {
        table: TenantTable::new(dynamodb, table_name.clone()),
        server,
        queue_url,
        sqs,
        table_name,
    }
}

impl Stack {
    /// Ingest as `main` builds it, reading the table through `dynamodb`.
    async fn ingest(
        &self,
        dynamodb: &str,
        interval_secs: u64,
        cache_secs: u64,
    ) -> Arc<ingest::Ingest<switchboard::queue::sqs::SqsQueue>> {
        let vars = [
            (QUEUE_URL, self.queue_url.clone()),
            (PLURALKIT_TENANT_TABLE, self.table_name.clone()),
            (SECRET_REFRESH_INTERVAL_SECS, interval_secs.to_string()),
            (PLURALKIT_TENANT_CACHE_SECS, cache_secs.to_string()),
            (PLURALKIT_ENQUEUE_DEADLINE_MS, "2000".to_owned()),
        ];
        let config = IngestConfig::from_lookup(|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.clone())
        })
        .unwrap();
        let mut aws = local_aws_settings(&self.server.endpoint());
        aws.dynamodb_endpoint_url = Some(dynamodb.to_owned());
        Arc::new(ingest::build(config, &aws).await)
    }

    async fn queued(&self) -> Vec<Value> {
        drain_view(&self.sqs, &self.queue_url)
            .await
            .iter()
            .map(|message| serde_json::from_str(message.body().unwrap()).unwrap())
            .collect()
    }
}

fn tenant(id: &str) -> TenantId {
    TenantId::parse(id).unwrap()
}

fn ping(path: &str, token: &str, system: &str) -> HttpRequest {
    HttpRequest::post(
        path,
        json!({"type": "PING", "signing_token": token, "system_id": system}).to_string(),
    )
}

fn switch(path: &str, token: &str, system: &str) -> HttpRequest {
    HttpRequest::post(
        path,
        json!({"type": "CREATE_SWITCH", "signing_token": token, "system_id": system,
            "id": "sw", "data": {"id": "sw", "timestamp": "2026-12-01T00:00:00Z", "members": []}})
        .to_string(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn each_answer_on_a_tenant_route() {
    let (log, _logging) = CapturedLog::install("trace");
    let stack = stack("tenants-answers").await;
    stack
        .table
        .set_token(&tenant("alice"), ALICE, false)
        .await
        .unwrap();
    stack
        .table
        .set_token(&tenant("bob"), BOB, false)
        .await
        .unwrap();
    stack
        .table
        .set_token(&tenant("off"), BOB, false)
        .await
        .unwrap();
    stack
        .table
        .set_disabled(&tenant("off"), true)
        .await
        .unwrap();
    let ingest = stack.ingest(&stack.server.endpoint(), 5, 60).await;

    assert_eq!(
        ingest
            .answer(ping("/pluralkit/alice", ALICE, "sys-a"))
            .await
            .status,
        200
    );
    let queued = ingest
        .answer(switch("/pluralkit/alice", ALICE, "sys-a"))
        .await;
    assert_eq!(queued.status, 200);
    for (what, request) in [
        (
            "a random token",
            ping("/pluralkit/alice", "random", "sys-a"),
        ),
        (
            "another tenant's token",
            ping("/pluralkit/alice", BOB, "sys-a"),
        ),
        (
            "an unknown tenant",
            ping("/pluralkit/carol", ALICE, "sys-a"),
        ),
        ("a disabled tenant", ping("/pluralkit/off", BOB, "sys-b")),
        (
            "another system",
            switch("/pluralkit/alice", ALICE, "sys-other"),
        ),
        (
            "no token",
            HttpRequest::post("/pluralkit/alice", r#"{"type":"PING"}"#),
        ),
    ] {
        let answer = ingest.answer(request).await;
        assert_eq!(answer.status, 401, "{what}");
        assert!(answer.body.is_empty(), "{what}: the same empty answer");
    }
    for path in [
        "/pluralkit/alice/x",
        "/pluralkit/a%2Fb",
        "/pluralkit/..",
        "/pluralkit/a.b",
        "/pluralkit/",
        "/pluralkit",
    ] {
        let answer = ingest.answer(switch(path, ALICE, "sys-a")).await;
        assert_eq!(answer.status, 404, "{path}");
    }

    let messages = drain_view(&stack.sqs, &stack.queue_url).await;
    assert_eq!(messages.len(), 1, "only the accepted event: {messages:?}");
    let envelope: Value = serde_json::from_str(messages[0].body().unwrap()).unwrap();
    assert_eq!(envelope["tenant"], "alice");
    assert_eq!(envelope["source"], "pluralkit");
    assert!(envelope["payload"].get("signing_token").is_none());
    let attributes = messages[0].message_attributes().unwrap();
    assert_eq!(
        attributes["tenant"].string_value(),
        Some("alice"),
        "the tenant attribute"
    );
    let summaries = stack.table.list().await.unwrap();
    let alice = summaries.iter().find(|t| t.tenant == "alice").unwrap();
    assert_eq!(
        alice.system_id.as_deref(),
        Some("sys-a"),
        "pinned by the first PING"
    );
    let bob = summaries.iter().find(|t| t.tenant == "bob").unwrap();
    assert_eq!(bob.system_id, None, "bob sent nothing that passed");

    let text = log.text();
    assert!(
        text.contains(r#""tenant":"alice""#),
        "the request line names the tenant"
    );
    for secret in [
        ALICE.to_owned(),
        BOB.to_owned(),
        token_sha256(ALICE),
        token_sha256(BOB),
    ] {
        assert!(!text.contains(&secret), "a token or digest in the logs");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn registration_is_live_in_seconds_and_removal_within_the_cache_time() {
    let stack = stack("tenants-live").await;
    let id = tenant("user-1");
    assert!(stack.table.create(&id).await.unwrap());
    assert!(
        !stack.table.create(&id).await.unwrap(),
        "create leaves an item alone"
    );
    let ingest = stack.ingest(&stack.server.endpoint(), 1, 2).await;
    let path = "/pluralkit/user-1";
    // Before the user pasted the token: no token is accepted yet.
    assert_eq!(ingest.answer(ping(path, ALICE, "sys")).await.status, 401);

    // PluralKit's handshake, as an integrator's form drives it.
    stack.table.set_token(&id, ALICE, false).await.unwrap();
    let written = Instant::now();
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(ingest.answer(ping(path, ALICE, "sys")).await.status, 200);
    assert_eq!(ingest.answer(ping(path, "random", "sys")).await.status, 401);
    let live_after = written.elapsed();
    println!("a written token was accepted {live_after:?} after the write");
    assert!(live_after < Duration::from_secs(8));

    // A rotation: both tokens, then the old one dropped.
    stack.table.set_token(&id, BOB, true).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(ingest.answer(ping(path, BOB, "sys")).await.status, 200);
    assert_eq!(ingest.answer(ping(path, ALICE, "sys")).await.status, 200);
    stack.table.set_token(&id, BOB, false).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_eq!(ingest.answer(ping(path, ALICE, "sys")).await.status, 401);

    // Disabled, then removed: each within the cache time (2 s here).
    stack.table.set_disabled(&id, true).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_eq!(ingest.answer(ping(path, BOB, "sys")).await.status, 401);
    stack.table.set_disabled(&id, false).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_eq!(ingest.answer(ping(path, BOB, "sys")).await.status, 200);
    stack.table.remove(&id).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_eq!(ingest.answer(ping(path, BOB, "sys")).await.status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flood_of_bad_tokens_reads_the_table_at_most_once_per_interval() {
    let stack = stack("tenants-flood").await;
    stack
        .table
        .set_token(&tenant("alice"), ALICE, false)
        .await
        .unwrap();
    let counter = failing_first(stack.server.port, 0).await;
    let interval = Duration::from_secs(5);
    let first_read_no_earlier = Instant::now();
    let ingest = stack
        .ingest(&counter.endpoint(), interval.as_secs(), 60)
        .await;
    assert_eq!(
        ingest
            .answer(ping("/pluralkit/alice", ALICE, "s"))
            .await
            .status,
        200
    );
    let reads_before = counter.requests_for("GetItem");
    for n in 0..200 {
        let answer = ingest
            .answer(ping("/pluralkit/alice", &format!("bad-{n}"), "s"))
            .await;
        assert_eq!(answer.status, 401);
    }
    let reads = counter.requests_for("GetItem") - reads_before;
    let allowed = (first_read_no_earlier.elapsed().as_secs_f64() / interval.as_secs_f64()) as usize;
    println!("200 bad tokens: {reads} GetItem call(s) beyond the first ({allowed} allowed)");
    assert!(reads <= allowed, "{reads} reads");
    assert_eq!(reads_before, 1, "one read, then the cache");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_tenants_each_on_its_own_url() {
    let stack = stack("tenants-many").await;
    let tokens: Vec<String> = (0..1_000).map(|n| format!("token-of-tenant-{n}")).collect();
    for (n, token) in tokens.iter().enumerate() {
        stack
            .table
            .set_token(&tenant(&format!("t{n}")), token, false)
            .await
            .unwrap();
    }
    let counter = failing_first(stack.server.port, 0).await;
    let ingest = stack.ingest(&counter.endpoint(), 5, 60).await;
    let started = Instant::now();
    for (n, token) in tokens.iter().enumerate() {
        let path = format!("/pluralkit/t{n}");
        assert_eq!(
            ingest.answer(ping(&path, token, "s")).await.status,
            200,
            "{path}"
        );
    }
    let first_pass = started.elapsed();
    // One read per tenant (a moto stall past the client's 1 s attempt
    // would add a retry, hence the margin).
    let first_reads = counter.requests_for("GetItem");
    assert!(
        (1_000..=1_010).contains(&first_reads),
        "{first_reads} reads"
    );
    // Another tenant's token, on each URL: never accepted (each may read
    // its tenant's item again, once its interval has passed).
    for n in (0..1_000).step_by(97) {
        let path = format!("/pluralkit/t{n}");
        let other = &tokens[(n + 1) % 1_000];
        assert_eq!(
            ingest.answer(ping(&path, other, "s")).await.status,
            401,
            "{path}"
        );
    }
    let reads = counter.requests_for("GetItem");
    println!("1,000 tenants: first requests in {first_pass:?}, {reads} GetItem calls in all");
    assert!(
        reads <= first_reads + 11,
        "at most one more per tenant tried: {reads}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_table_that_cannot_answer_gets_503_within_the_budget() {
    let stack = stack("tenants-down").await;
    stack
        .table
        .set_token(&tenant("alice"), ALICE, false)
        .await
        .unwrap();
    let mut proxy = TcpProxy::start(free_port().unwrap(), stack.server.port).await;
    proxy.stop().await;
    let (log, _logging) = CapturedLog::install("info");
    let ingest = stack.ingest(&proxy.endpoint(), 5, 60).await;
    let asked = Instant::now();
    let answer = ingest.answer(switch("/pluralkit/alice", ALICE, "s")).await;
    assert_eq!(answer.status, 503);
    assert!(
        asked.elapsed() < Duration::from_millis(2_500),
        "{:?}",
        asked.elapsed()
    );
    assert!(
        log.text().contains("tenants_unavailable"),
        "the lost-event line"
    );
    assert!(stack.queued().await.is_empty());
    // The table back: the same request is answered.
    proxy.resume().await;
    let answer = ingest.answer(switch("/pluralkit/alice", ALICE, "s")).await;
    assert_eq!(answer.status, 200);
}

/// Runs `switchboard pluralkit tenant <args>` against the stack's table,
/// with `stdin` on its standard input; its standard output.
fn tenant_cli(stack: &Stack, args: &[&str], stdin: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new(switchboard_tests::cli_binary())
        .args([
            "--dev-dir",
            "/nonexistent-switchboard-dir",
            "pluralkit",
            "tenant",
        ])
        .args(args)
        .args(["--table", &stack.table_name])
        .args(["--dynamodb-endpoint", &stack.server.endpoint()])
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
    assert!(
        output.status.success(),
        "{args:?}: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_adds_a_tenant_writes_its_token_from_stdin_and_lists_no_digest() {
    let stack = stack("tenants-cli").await;
    let added = tenant_cli(&stack, &["add", "user-7"], "");
    assert!(added.contains("created tenant user-7"), "{added}");
    let written = tenant_cli(&stack, &["set-token", "user-7"], &format!("{ALICE}\n"));
    assert!(
        !written.contains(ALICE),
        "the token is not echoed: {written}"
    );
    let ingest = stack.ingest(&stack.server.endpoint(), 5, 60).await;
    assert_eq!(
        ingest
            .answer(ping("/pluralkit/user-7", ALICE, "sys-7"))
            .await
            .status,
        200
    );
    tenant_cli(
        &stack,
        &["set-token", "user-7", "--add"],
        &format!("{BOB}\n"),
    );
    let listed = tenant_cli(&stack, &["list"], "");
    assert!(
        listed.contains("user-7") && listed.contains("sys-7"),
        "{listed}"
    );
    assert!(listed.contains("tokens=2"), "{listed}");
    for secret in [
        ALICE.to_owned(),
        BOB.to_owned(),
        token_sha256(ALICE),
        token_sha256(BOB),
    ] {
        assert!(!listed.contains(&secret), "{listed}");
    }
    tenant_cli(&stack, &["disable", "user-7"], "");
    assert!(tenant_cli(&stack, &["list"], "").contains("disabled"));
    tenant_cli(&stack, &["remove", "user-7"], "");
    assert!(tenant_cli(&stack, &["list"], "").contains("0 tenant(s)"));
    let bad = std::process::Command::new(switchboard_tests::cli_binary())
        .args([
            "--dev-dir",
            "/nonexistent-switchboard-dir",
            "pluralkit",
            "tenant",
            "add",
            "a/b",
        ])
        .args([
            "--table",
            &stack.table_name,
            "--dynamodb-endpoint",
            &stack.server.endpoint(),
        ])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a tenant id"));
}
