//! `switchboard doctor <BASE_URL>`: checks a deployed (or local) endpoint the
//! way the senders will, before registering it: the transport PluralKit
//! requires, Discord's route refusing what is not signed by Discord, and
//! PluralKit's route answering exactly 401 and 200; with API tokens, the
//! senders' own view of the URLs. The probes and views are
//! `switchboard::watchdog`'s, the same the watchdog function runs on a
//! schedule; doctor adds what needs the real token or a terminal. Prints a
//! checklist with each request's latency; exits non-zero on any failure.

use std::net::ToSocketAddrs;
use std::path::Path;
use std::time::Duration;

use aws_sdk_sqs::types::QueueAttributeName;
use clap::Args;
use serde_json::json;
use switchboard::watchdog::{
    self, ApiToken, CheckName, FrontDoor, Outcome, Report, SenderApi, DISCORD_ROUTE,
    INTERACTIONS_ROUTE, PLURALKIT_ROUTE,
};
use switchboard_devkit::local_sqs_client;

use crate::parameters::{ParameterArgs, SecretParameter};
use crate::state::StackState;
use crate::CliResult;

#[derive(Args)]
pub(crate) struct DoctorArgs {
    /// The API's base URL (the part before /discord and /pluralkit).
    base_url: String,
    /// The PluralKit signing token: a PING with it must get exactly 200.
    #[arg(long, env = "SWITCHBOARD_PLURALKIT_TOKEN", hide_env_values = true)]
    pluralkit_token: Option<String>,
    /// Read the PluralKit token from its SSM parameter instead (see
    /// `pluralkit set-token` for how the parameter is found).
    #[arg(long, conflicts_with = "pluralkit_token")]
    token_from_ssm: bool,
    #[command(flatten)]
    parameter: ParameterArgs,
    /// Allow plain http and any port (the local stack); PluralKit itself
    /// needs HTTPS on 443.
    #[arg(long)]
    allow_http: bool,
    /// Also check this tenant's route, `/pluralkit/<TENANT>` (a random token
    /// must get exactly 401, inside PluralKit's budget).
    #[arg(long)]
    tenant: Option<String>,
    /// The queue, to check that it did not grow during the checks (default:
    /// the local stack's, when checking it). Its counts are approximate, and a
    /// processor draining it can hide a message: see the note doctor prints.
    #[arg(long)]
    queue_url: Option<String>,
    /// A bot token, to read Discord's view of the URLs (the Application's
    /// webhook status, its Webhook Events and Interactions Endpoint URLs).
    #[arg(long, env = "SWITCHBOARD_DISCORD_BOT_TOKEN", hide_env_values = true)]
    discord_bot_token: Option<String>,
    /// Discord's API (a local stand-in, in tests).
    #[arg(long, default_value = watchdog::config::DEFAULT_DISCORD_API_BASE_URL)]
    discord_api_base_url: String,
    /// The system's PluralKit API token, to read its `webhook_url`.
    #[arg(long, env = "SWITCHBOARD_PLURALKIT_API_TOKEN", hide_env_values = true)]
    pluralkit_api_token: Option<String>,
    /// PluralKit's API (a local stand-in, in tests).
    #[arg(long, default_value = watchdog::config::DEFAULT_PLURALKIT_API_BASE_URL)]
    pluralkit_api_base_url: String,
    /// The base URL registered with the senders, when it is not BASE_URL (a
    /// custom domain in front of the stack).
    #[arg(long)]
    public_base_url: Option<String>,
}

/// One line of the checklist.
struct Check {
    passed: Option<bool>,
    what: String,
    detail: String,
}

#[derive(Default)]
struct Checklist {
    checks: Vec<Check>,
}

impl Checklist {
    fn record(&mut self, passed: bool, what: impl Into<String>, detail: impl Into<String>) {
        let check = Check {
            passed: Some(passed),
            what: what.into(),
            detail: detail.into(),
        };
        print_check(&check);
        self.checks.push(check);
    }

    fn warn(&mut self, what: impl Into<String>, detail: impl Into<String>) {
        println!("  WARN  {}  {}", what.into(), detail.into());
    }

    fn skip(&mut self, what: impl Into<String>, detail: impl Into<String>) {
        let check = Check {
            passed: None,
            what: what.into(),
            detail: detail.into(),
        };
        print_check(&check);
        self.checks.push(check);
    }

    fn failures(&self) -> usize {
        self.checks
            .iter()
            .filter(|check| check.passed == Some(false))
            .count()
    }
}

fn print_check(check: &Check) {
    let mark = match check.passed {
        Some(true) => "PASS",
        Some(false) => "FAIL",
        None => "SKIP",
    };
    println!("  {mark}  {}  {}", check.what, check.detail);
}

fn ms(duration: Duration) -> String {
    watchdog::front_door::ms(duration)
}

/// Prints and keeps every finding of `report`.
fn take(list: &mut Checklist, report: &Report) {
    for finding in &report.findings {
        let what = finding.check.what();
        match finding.outcome {
            Outcome::Passed => list.record(true, what, finding.detail.clone()),
            Outcome::Failed => list.record(false, what, finding.detail.clone()),
            Outcome::Warned => list.warn(what, finding.detail.clone()),
            Outcome::Skipped => list.skip(what, finding.detail.clone()),
        }
    }
}

pub(crate) async fn run(dev_dir: &Path, args: DoctorArgs) -> CliResult {
    let base = args.base_url.trim_end_matches('/').to_owned();
    let url = url::Url::parse(&base).map_err(|e| format!("{base} is not a URL: {e}"))?;
    let token = match (&args.pluralkit_token, args.token_from_ssm) {
        (Some(token), _) => Some(token.clone()),
        (None, true) => {
            let tokens = args
                .parameter
                .resolve(dev_dir, SecretParameter::PluralKitToken)
                .await?
                .tokens()
                .await?;
            Some(
                tokens
                    .into_iter()
                    .next_back()
                    .ok_or("the parameter holds no token")?,
            )
        }
        (None, false) => None,
    };
    let queue = watched_queue(dev_dir, &base, args.queue_url.as_deref()).await;
    let queued_before = match &queue {
        Some((client, url)) => messages(client, url).await.ok(),
        None => None,
    };

    let mut list = Checklist::default();
    let front_door = FrontDoor::new(&url)?;

    println!("Transport (PluralKit's requirements)");
    let https_443 = url.scheme() == "https" && url.port_or_known_default() == Some(443);
    match (https_443, args.allow_http) {
        (true, _) => list.record(true, "HTTPS on port 443", ""),
        (false, true) => list.skip("HTTPS on port 443", "(--allow-http)"),
        (false, false) => list.record(
            false,
            "HTTPS on port 443",
            format!("{}://…:{:?}", url.scheme(), url.port_or_known_default()),
        ),
    }
    let host = url.host_str().unwrap_or_default().to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let ipv4 = (host.as_str(), port)
        .to_socket_addrs()
        .map(|mut addresses| addresses.any(|address| address.is_ipv4()))
        .unwrap_or(false);
    list.record(ipv4, "the host has an IPv4 address", host.clone());

    println!("Discord ({})", front_door.url(DISCORD_ROUTE));
    take(&mut list, &front_door.check_discord().await?);
    // What Discord sends when the Interactions Endpoint URL is saved: a PING
    // (only Discord can sign it), then invalid signatures, which must get 401.
    println!(
        "Discord interactions ({})",
        front_door.url(INTERACTIONS_ROUTE)
    );
    take(&mut list, &front_door.check_interactions().await);

    println!("PluralKit ({})", front_door.url(PLURALKIT_ROUTE));
    let (random, mut pluralkit_latencies) = front_door.check_pluralkit(true, None).await?;
    take(&mut list, &random);
    match &token {
        Some(token) => {
            let answered = front_door
                .post(
                    PLURALKIT_ROUTE,
                    &[],
                    json!({"type": "PING", "signing_token": token}).to_string(),
                )
                .await;
            match &answered {
                Ok(answered) => {
                    list.record(
                        answered.status == 200,
                        REAL_TOKEN_CHECK,
                        format!("got {} in {}", answered.status, ms(answered.latency)),
                    );
                    pluralkit_latencies.push(answered.latency);
                }
                Err(why) => list.record(false, REAL_TOKEN_CHECK, why.clone()),
            }
        }
        None => list.skip(
            REAL_TOKEN_CHECK,
            "(pass --pluralkit-token or --token-from-ssm)",
        ),
    }
    if let Some(tenant) = &args.tenant {
        println!(
            "PluralKit tenant ({})",
            front_door.url(&format!("{PLURALKIT_ROUTE}/{tenant}"))
        );
        let (report, latencies) = front_door.check_pluralkit(false, Some(tenant)).await?;
        take(&mut list, &report);
        pluralkit_latencies.extend(latencies);
    }
    let mut budget = Report::default();
    watchdog::front_door::budget(
        &mut budget,
        CheckName::PluralkitBudget,
        &pluralkit_latencies,
        watchdog::front_door::PLURALKIT_BUDGET,
    );
    take(&mut list, &budget);

    senders_views(&mut list, &args, &base).await?;

    match (&queue, queued_before) {
        (Some((client, url)), Some(before)) => {
            let after = messages(client, url).await?;
            list.record(
                after <= before,
                QUEUE_CHECK,
                format!("{before} message(s) before, {after} after"),
            );
            // What the count cannot see: it fails when a check's request was
            // queued and is still there, but a consumer can take it first.
            println!(
                "    (the counts are SQS's approximations: a processor draining the queue \
                 can take a message the checks queued before it is counted, so a pass \
                 proves nothing was queued only while nothing else uses the queue; the \
                 answers above, 401s and a PING's 200, are ones ingest gives without queueing)"
            );
        }
        _ => list.skip(QUEUE_CHECK, "(pass --queue-url to watch the queue)"),
    }

    let redirects = front_door.redirects();
    list.record(redirects.is_empty(), "no redirects", redirects.join("; "));

    println!();
    println!(
        "Only Discord can prove the public key: saving the Endpoint URL in the Developer \
         Portal sends a PING signed by Discord, which must get 204 (then Discord probes \
         bad signatures, which must get 401). doctor checks only that unsigned and \
         wrongly signed requests are refused."
    );
    match list.failures() {
        0 => {
            println!("all checks passed");
            Ok(())
        }
        failed => Err(format!("{failed} check(s) failed").into()),
    }
}

/// Discord's and PluralKit's own view of the URLs, when a token is given.
async fn senders_views(list: &mut Checklist, args: &DoctorArgs, base: &str) -> CliResult {
    let public = args
        .public_base_url
        .as_deref()
        .unwrap_or(base)
        .trim_end_matches('/');
    println!("Discord's view ({})", args.discord_api_base_url);
    match &args.discord_bot_token {
        Some(token) => {
            let api = SenderApi::new(&url::Url::parse(&args.discord_api_base_url)?)?;
            let report = api
                .check_discord(
                    &ApiToken::new(token),
                    &format!("{public}{DISCORD_ROUTE}"),
                    Some(&format!("{public}{INTERACTIONS_ROUTE}")),
                )
                .await;
            take(list, &report);
        }
        None => list.skip(
            CheckName::DiscordApplication.what(),
            "(pass --discord-bot-token)",
        ),
    }
    println!("PluralKit's view ({})", args.pluralkit_api_base_url);
    match &args.pluralkit_api_token {
        Some(token) => {
            let api = SenderApi::new(&url::Url::parse(&args.pluralkit_api_base_url)?)?;
            let report = api
                .check_pluralkit(&ApiToken::new(token), &format!("{public}{PLURALKIT_ROUTE}"))
                .await;
            take(list, &report);
        }
        None => list.skip(
            CheckName::PluralkitSystem.what(),
            "(pass --pluralkit-api-token)",
        ),
    }
    Ok(())
}

/// The check on the queue's counts; see its caveat where it is printed.
const QUEUE_CHECK: &str = "the queue did not grow during the checks";
/// The check only doctor makes: it needs the real token.
const REAL_TOKEN_CHECK: &str = "a PING with the real token gets exactly 200";

/// The queue to watch: `--queue-url` (with your AWS settings), or the local
/// stack's when `base` is its ingest URL.
async fn watched_queue(
    dev_dir: &Path,
    base: &str,
    queue_url: Option<&str>,
) -> Option<(aws_sdk_sqs::Client, String)> {
    if let Some(url) = queue_url {
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        return Some((aws_sdk_sqs::Client::new(&aws), url.to_owned()));
    }
    let state = StackState::load(dev_dir).ok()?;
    (state.ingest_url.trim_end_matches('/') == base)
        .then(|| (local_sqs_client(&state.sqs_endpoint), state.queue_url))
}

/// Messages on the queue, visible or in flight.
async fn messages(client: &aws_sdk_sqs::Client, url: &str) -> CliResult<u64> {
    let attributes = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .map_err(|e| format!("queue: {}", aws_sdk_sqs::error::DisplayErrorContext(e)))?
        .attributes
        .unwrap_or_default();
    Ok(attributes
        .values()
        .filter_map(|count| count.parse::<u64>().ok())
        .sum())
}
