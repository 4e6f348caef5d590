//! `switchboard stack` (what `make run` starts): moto on loopback, the queue
//! and its DLQ, the idempotency table, an event bus whose rule copies every
//! event to a queue, a stand-in for Discord's interaction endpoints (which
//! prints each edit and followup, and serves the Application the watchdog
//! reads), a stand-in for PluralKit's API, `cargo lambda watch` with the
//! functions' environment, the poller, and the watchdog on a local schedule.
//! Ctrl-C stops everything it started, and nothing else.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::{json, Value};
use switchboard::config::{
    ARCHIVE_BUCKET, AWS_ACCESS_KEY_ID, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_DYNAMODB,
    AWS_ENDPOINT_URL_EVENTBRIDGE, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_SSM,
    AWS_REGION, AWS_SECRET_ACCESS_KEY, DISCORD_API_BASE_URL, DISCORD_PUBLIC_KEY, EVENT_BUS_NAME,
    FORWARD_SECRET, FORWARD_URL, IDEMPOTENCY_TABLE, PLURALKIT_SIGNING_TOKEN_PARAMETER,
    PLURALKIT_TENANT_TABLE, QUEUE_URL,
};
use switchboard::watchdog::config::{
    DISCORD_BOT_TOKEN_PARAMETER, PLURALKIT_API_BASE_URL, PLURALKIT_API_TOKEN_PARAMETER,
    WATCHDOG_ALLOW_HTTP, WATCHDOG_BASE_URL, WATCHDOG_TENANTS,
};
use switchboard_devkit::{
    create_bus_to_queue, create_idempotency_table, create_local_bucket, create_queues,
    create_tenant_table, local_dynamodb_client, local_eventbridge_client, local_s3_client,
    local_sqs_client, local_ssm_client, wait_for_port, ApiCall, DiscordApi, Races, SenderApis,
    Target, LOCAL_REGION,
};

use crate::dev_keys::{write_private, DevKeys};
use crate::poller::run_poller;
use crate::state::StackState;
use crate::CliResult;
use switchboard::pluralkit::tenant_table::TenantTable;
use switchboard::pluralkit::TenantId;

#[derive(Args)]
pub(crate) struct StackArgs {
    /// moto's port on 127.0.0.1.
    #[arg(long, default_value_t = 9324)]
    sqs_port: u16,
    /// `cargo lambda watch`'s port on 127.0.0.1.
    #[arg(long, default_value_t = 9000)]
    invoke_port: u16,
    #[arg(long, default_value = "switchboard-events")]
    queue_name: String,
    /// Short locally, so failed records reappear quickly.
    #[arg(long, default_value_t = 5)]
    visibility_timeout: u32,
    #[arg(long, default_value_t = 5)]
    max_receive_count: u32,
    /// `RUST_LOG` for both functions (`trace` is safe: no setting lets the
    /// runtime or the SDK print raw events or bodies).
    #[arg(long, default_value = "info")]
    log_level: String,
    /// Forward every event, signed with the dev secret, to this URL, e.g.
    /// `switchboard listen`'s (`make run FORWARD=1`).
    #[arg(long)]
    forward_url: Option<String>,
    /// Seconds between the watchdog's local runs (0: never). Each run checks
    /// the local URLs as the deployed schedule checks the stack's.
    #[arg(long, default_value_t = 60)]
    watchdog_every: u64,
    /// moto's server binary.
    #[arg(long, env = "MOTO_SERVER", default_value = ".venv/bin/moto_server")]
    moto_server: PathBuf,
}

/// A child in its own process group, so stopping it stops what it started.
struct Group {
    name: &'static str,
    child: Child,
}

impl Group {
    fn spawn(name: &'static str, command: &mut Command) -> CliResult<Self> {
        let child = command
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start {name}: {e}"))?;
        Ok(Self { name, child })
    }

    /// Interrupts the group as Ctrl-C in a terminal would (`cargo lambda watch`
    /// then stops its function instances), escalating if it does not exit.
    fn stop(mut self) {
        let group = format!("-{}", self.child.id());
        for (signal, grace) in [("INT", 10), ("TERM", 3), ("KILL", 3)] {
            let _ = Command::new("kill")
                .args(["-s", signal, "--", &group])
                .stderr(Stdio::null())
                .status();
            let deadline = Instant::now() + Duration::from_secs(grace);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    eprintln!("stopped {}", self.name);
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        eprintln!("could not stop {} (pid {})", self.name, self.child.id());
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        // Only reached on a panic path; `stop` consumes the group otherwise.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
    }
}

/// One request to each function: ingest answers 404 on `/`, the processor
/// takes an empty batch.
fn warm_up(ingest_probe: &str, invoke_url: &str) -> CliResult {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(900))
        .build();
    match agent.post(ingest_probe).send_string("{}") {
        Ok(_) | Err(ureq::Error::Status(_, _)) => {}
        Err(error) => return Err(format!("ingest did not start: {error}").into()),
    }
    agent
        .post(invoke_url)
        .set("content-type", "application/json")
        .send_string(r#"{"Records":[]}"#)
        .map_err(|error| format!("processor did not start: {error}"))?;
    Ok(())
}

pub(crate) async fn run(dev_dir: &Path, args: StackArgs) -> CliResult {
    let keys = DevKeys::load_or_create(dev_dir)?;
    let dev_dir = std::fs::canonicalize(dev_dir)?;
    StackState::remove(&dev_dir);
    if wait_for_port(args.sqs_port, Duration::ZERO)
        || wait_for_port(args.invoke_port, Duration::ZERO)
    {
        return Err(format!(
            "port {} or {} is already in use: is another stack running?",
            args.sqs_port, args.invoke_port
        )
        .into());
    }

    let moto_log = std::fs::File::create(dev_dir.join("moto.log"))?;
    let moto = Group::spawn(
        "moto",
        Command::new(&args.moto_server)
            .args(["-H", "127.0.0.1", "-p", &args.sqs_port.to_string()])
            .stdout(moto_log.try_clone()?)
            .stderr(moto_log),
    )
    .map_err(|e| format!("{e} (run `make run`, which installs moto into .venv)"))?;
    let mut groups = vec![moto];

    let result = start_and_serve(&dev_dir, &args, &keys, &mut groups).await;
    for group in groups.into_iter().rev() {
        group.stop();
    }
    StackState::remove(&dev_dir);
    result
}

/// The local stack's PluralKit tenants.
pub(crate) const LOCAL_TENANTS: [&str; 2] = ["alpha", "beta"];

/// The watchdog's dev tokens for the two stand-in APIs (kept in moto's SSM,
/// as a deployed stack keeps the real ones).
const LOCAL_BOT_TOKEN: &str = "local-discord-bot-token";
const LOCAL_PLURALKIT_API_TOKEN: &str = "local-pluralkit-api-token";

/// Writes `value` to the SecureString `name` in the local SSM.
async fn put_secure(ssm: &aws_sdk_ssm::Client, name: &str, value: &str) -> CliResult {
    ssm.put_parameter()
        .name(name)
        .value(value)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .overwrite(true)
        .send()
        .await
        .map_err(|e| format!("SSM: {}", aws_sdk_ssm::error::DisplayErrorContext(e)))?;
    Ok(())
}

/// What Discord's `/applications/@me` says of a healthy local app: webhook
/// events on (2) and both URLs the local stack's.
fn local_application(ingest_url: &str) -> Value {
    json!({
        "id": "1098765432109876543",
        "name": "switchboard (local)",
        "event_webhooks_status": 2,
        "event_webhooks_url": format!("{ingest_url}/discord"),
        "event_webhooks_types": ["ENTITLEMENT_CREATE", "APPLICATION_AUTHORIZED", "LOBBY_MESSAGE_CREATE"],
        "interactions_endpoint_url": format!("{ingest_url}/discord/interactions"),
    })
}

async fn start_and_serve(
    dev_dir: &Path,
    args: &StackArgs,
    keys: &DevKeys,
    groups: &mut Vec<Group>,
) -> CliResult {
    if !wait_for_port(args.sqs_port, Duration::from_secs(30)) {
        return Err("moto did not start; see .dev/moto.log".into());
    }
    let sqs_endpoint = format!("http://127.0.0.1:{}", args.sqs_port);
    let client = local_sqs_client(&sqs_endpoint);
    let queues = create_queues(
        &client,
        &args.queue_name,
        args.max_receive_count,
        args.visibility_timeout,
    )
    .await?;
    let (queue_url, dlq_url) = (queues.queue_url, queues.dlq_url);
    let table = format!("{}-seen", args.queue_name);
    let dynamodb = local_dynamodb_client(&sqs_endpoint);
    create_idempotency_table(&dynamodb, &table).await?;
    // PluralKit for many systems: two tenants, each with its dev token
    // (`send --tenant <id>` signs with it).
    let tenant_table = format!("{}-tenants", args.queue_name);
    create_tenant_table(&dynamodb, &tenant_table).await?;
    let tenants = TenantTable::new(dynamodb, tenant_table.clone());
    for tenant in LOCAL_TENANTS {
        let id = TenantId::parse(tenant).ok_or("a local tenant id")?;
        tenants
            .set_token(&id, &keys.tenant_token(tenant), false)
            .await
            .map_err(|e| e.to_string())?;
    }
    // The archive, as deployed: the processor writes every record to it.
    let archive_bucket = format!("{}-archive", args.queue_name)
        .to_ascii_lowercase()
        .replace('_', "-");
    create_local_bucket(&local_s3_client(&sqs_endpoint), &archive_bucket).await?;
    let bus = create_bus_to_queue(
        &local_eventbridge_client(&sqs_endpoint),
        &client,
        &format!("{}-bus", args.queue_name),
        &format!("{}-bus-target", args.queue_name),
    )
    .await?;
    // The deployed path: ingest reads the token from SSM, and
    // `switchboard pluralkit set-token` changes it while the stack runs.
    let token_parameter = format!("/switchboard/{}/pluralkit-signing-token", args.queue_name);
    let ssm = local_ssm_client(&sqs_endpoint);
    put_secure(&ssm, &token_parameter, &keys.pluralkit_token).await?;
    // The watchdog's API tokens, also read from SSM as deployed.
    let bot_token_parameter = format!("/switchboard/{}/discord-bot-token", args.queue_name);
    let api_token_parameter = format!("/switchboard/{}/pluralkit-api-token", args.queue_name);
    put_secure(&ssm, &bot_token_parameter, LOCAL_BOT_TOKEN).await?;
    put_secure(&ssm, &api_token_parameter, LOCAL_PLURALKIT_API_TOKEN).await?;

    // Discord's interaction endpoints, as Discord answers them: the first
    // edit of each interaction gets 404 10015, as Discord's sometimes does
    // while it registers a deferral, and the processor retries it.
    let discord_api = DiscordApi::start_with(
        0,
        Races {
            unknown_webhook_first: true,
            rate_limit_first: None,
        },
        print_call,
    )
    .await?;
    let discord_api_url = discord_api.base_url();
    // What the senders' APIs say of this stack's URLs, for the watchdog.
    let ingest_url = StackState::ingest_url(args.invoke_port);
    discord_api.serve_application(LOCAL_BOT_TOKEN, local_application(&ingest_url));
    let pluralkit_api = SenderApis::start(
        "",
        Value::Null,
        LOCAL_PLURALKIT_API_TOKEN,
        json!({"id": "exmpl", "webhook_url": format!("{ingest_url}/pluralkit")}),
    )
    .await?;
    let pluralkit_api_url = pluralkit_api.url();

    // An env file, not --env-var: watch splits --env-var values on commas.
    let env_file = dev_dir.join("watch.env");
    let public_key = keys.public_key_hex();
    let local_tenants = LOCAL_TENANTS.join(",");
    let mut env = vec![
        (QUEUE_URL, queue_url.as_str()),
        (DISCORD_PUBLIC_KEY, &public_key),
        (PLURALKIT_SIGNING_TOKEN_PARAMETER, &token_parameter),
        (AWS_ENDPOINT_URL_SQS, &sqs_endpoint),
        (AWS_ENDPOINT_URL_DYNAMODB, &sqs_endpoint),
        (AWS_ENDPOINT_URL_EVENTBRIDGE, &sqs_endpoint),
        (AWS_ENDPOINT_URL_SSM, &sqs_endpoint),
        (AWS_ENDPOINT_URL_S3, &sqs_endpoint),
        (ARCHIVE_BUCKET, &archive_bucket),
        (IDEMPOTENCY_TABLE, &table),
        (PLURALKIT_TENANT_TABLE, &tenant_table),
        (EVENT_BUS_NAME, &bus.bus),
        (DISCORD_API_BASE_URL, &discord_api_url),
        (WATCHDOG_BASE_URL, &ingest_url),
        (WATCHDOG_ALLOW_HTTP, "true"),
        (WATCHDOG_TENANTS, &local_tenants),
        (DISCORD_BOT_TOKEN_PARAMETER, &bot_token_parameter),
        (PLURALKIT_API_BASE_URL, &pluralkit_api_url),
        (PLURALKIT_API_TOKEN_PARAMETER, &api_token_parameter),
        (AWS_REGION, LOCAL_REGION),
        (AWS_DEFAULT_REGION, LOCAL_REGION),
        (AWS_ACCESS_KEY_ID, "testing"),
        (AWS_SECRET_ACCESS_KEY, "testing"),
        ("RUST_LOG", args.log_level.as_str()),
    ];
    if let Some(url) = &args.forward_url {
        env.extend([
            (FORWARD_URL, url.as_str()),
            (FORWARD_SECRET, &keys.forward_secret),
        ]);
    }
    // Single-quoted: watch's parser refuses an unquoted value ending in `=`
    // (base64 padding, as in a `whsec_` secret). No value holds a quote.
    let env_text: String = env.iter().map(|(k, v)| format!("{k}='{v}'\n")).collect();
    // It holds the dev token: owner-only from the start.
    write_private(&env_file, &env_text)?;

    groups.push(Group::spawn(
        "cargo lambda watch",
        Command::new("cargo")
            .args([
                "lambda",
                "watch",
                "--quiet",
                "-A",
                "127.0.0.1",
                "-P",
                &args.invoke_port.to_string(),
                "--env-file",
            ])
            .arg(&env_file)
            .stdin(Stdio::null()),
    )?);
    if !wait_for_port(args.invoke_port, Duration::from_secs(120)) {
        return Err(
            "cargo lambda watch did not start (is cargo-lambda installed? `make run` installs it)"
                .into(),
        );
    }

    // `cargo lambda watch` compiles a function on its first invocation; do that
    // now, so the stack only says it is up once both functions answer.
    let invoke_url = StackState::invoke_url(args.invoke_port);
    let ingest_probe = format!("{}/", StackState::ingest_url(args.invoke_port));
    eprintln!("building and starting the functions (the first time takes a while) ...");
    tokio::task::spawn_blocking(move || warm_up(&ingest_probe, &invoke_url)).await??;

    let state = StackState {
        sqs_endpoint,
        queue_url: queue_url.clone(),
        dlq_url: dlq_url.clone(),
        ingest_url: StackState::ingest_url(args.invoke_port),
        invoke_url: StackState::invoke_url(args.invoke_port),
        bus_target_url: Some(bus.target_queue_url.clone()),
        pluralkit_token_parameter: Some(token_parameter.clone()),
        tenant_table: Some(tenant_table.clone()),
        archive_bucket: Some(archive_bucket.clone()),
    };
    state.save(dev_dir)?;

    println!();
    println!("switchboard local stack is up");
    println!("  Discord webhook URL:    {}/discord", state.ingest_url);
    println!(
        "  Interactions URL:       {}/discord/interactions (make send EVENT=APPLICATION_COMMAND NAME=ping)",
        state.ingest_url
    );
    println!("  Discord API stand-in:   {discord_api_url} (prints each edit and followup)");
    println!("  PluralKit API stand-in: {pluralkit_api_url}");
    match args.watchdog_every {
        0 => println!("  Watchdog:               off (--watchdog-every)"),
        every => println!(
            "  Watchdog:               every {every} s, against the URLs above and both stand-ins"
        ),
    }
    println!("  PluralKit webhook URL:  {}/pluralkit", state.ingest_url);
    println!(
        "  PluralKit tenants:      {}/pluralkit/{{{}}} (table {tenant_table}; make send EVENT=CREATE_SWITCH TENANT={})",
        state.ingest_url,
        LOCAL_TENANTS.join(","),
        LOCAL_TENANTS[0]
    );
    println!("  Dev public key:         {}", keys.public_key_hex());
    println!("  Queue:                  {queue_url}");
    println!("  Dead-letter queue:      {dlq_url}");
    println!("  Idempotency table:      {table}");
    println!("  Archive:                s3://{archive_bucket} (make events; switchboard events replay --help)");
    println!(
        "  PluralKit token in:     {token_parameter} (switchboard pluralkit set-token <TOKEN>)"
    );
    println!(
        "  Event bus:              {} (every event also lands on {}: make peek BUS=1)",
        bus.bus, bus.target_queue_url
    );
    match &args.forward_url {
        Some(url) => println!("  Forwarding to:          {url} (signed; `make listen` verifies)"),
        None => println!("  Forwarding:             off (make run FORWARD=1, with make listen)"),
    }
    println!("Next, in another shell:  make send EVENT=ENTITLEMENT_CREATE   (then: make peek)");
    println!("Ctrl-C stops the stack.");
    println!();

    let poller = run_poller(client, queue_url, state.invoke_url.clone(), 10);
    let watchdog = (args.watchdog_every > 0).then(|| {
        tokio::spawn(run_watchdog(
            StackState::function_invoke_url(args.invoke_port, "watchdog"),
            Duration::from_secs(args.watchdog_every),
        ))
    });
    // Served until the stack stops.
    let _apis = (discord_api, pluralkit_api);
    let _watchdog = watchdog.map(AbortOnDrop);
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = poller => result,
        _ = tokio::signal::ctrl_c() => { eprintln!("stopping the stack"); Ok(()) }
        _ = terminate.recv() => { eprintln!("stopping the stack"); Ok(()) }
    }
}

/// Stops a background task when the stack stops.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The watchdog on a local schedule: one scheduled event every `every`
/// through `cargo lambda watch` (the first builds the function), and one line
/// per run saying what failed.
async fn run_watchdog(invoke_url: String, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    // The first run builds the function; the runs after it do not catch up.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let url = invoke_url.clone();
        let answer = tokio::task::spawn_blocking(move || invoke_watchdog(&url)).await;
        match answer {
            Ok(Ok(summary)) => println!("{}", watchdog_line(&summary)),
            Ok(Err(error)) => println!("watchdog: did not run: {error}"),
            Err(error) => println!("watchdog: did not run: {error}"),
        }
    }
}

fn invoke_watchdog(url: &str) -> CliResult<Value> {
    let event = json!({
        "version": "0",
        "id": uuid::Uuid::now_v7().to_string(),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "time": chrono::Utc::now().to_rfc3339(),
        "resources": ["local-schedule"],
        "detail": {},
    });
    let answer = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(900))
        .build()
        .post(url)
        .set("content-type", "application/json")
        .send_string(&event.to_string())
        .map_err(|error| error.to_string())?;
    let summary: Value = serde_json::from_reader(answer.into_reader())?;
    // `cargo lambda watch` answers a handler's error as its JSON document.
    if let Some(kind) = summary.get("errorType").and_then(Value::as_str) {
        return Err(format!("the function failed ({kind})").into());
    }
    Ok(summary)
}

/// `watchdog: 17 checks passed` or `watchdog: 2 FAILED (a, b), 15 passed`.
fn watchdog_line(summary: &Value) -> String {
    let names = |key: &str| -> Vec<&str> {
        summary[key]
            .as_array()
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    };
    let (failed, passed, skipped) = (names("failed"), names("passed"), names("skipped"));
    let mut skipped = match skipped.as_slice() {
        [] => String::new(),
        names => format!(", skipped: {}", names.join(", ")),
    };
    if let warned @ [_, ..] = names("warned").as_slice() {
        skipped.push_str(&format!(", warned: {}", warned.join(", ")));
    }
    match failed.as_slice() {
        [] => format!("watchdog: {} checks passed{skipped}", passed.len()),
        names => format!(
            "watchdog: {} FAILED ({}), {} passed{skipped} (the function's log says what to do)",
            names.len(),
            names.join(", "),
            passed.len()
        ),
    }
}

/// One line per call to the Discord stand-in: what the processor sent, never
/// the token.
fn print_call(call: &ApiCall) {
    let target = match &call.target {
        Target::Original => "@original".to_owned(),
        Target::Message(id) => format!("message {id}"),
        Target::Followup => "followup".to_owned(),
    };
    let content = call.body["content"].as_str().unwrap_or("");
    println!(
        "discord api: {} {target} of application {} -> {}  {content:?}",
        call.method, call.application_id, call.status
    );
}
