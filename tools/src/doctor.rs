//! `switchboard doctor <BASE_URL>`: checks a deployed (or local) endpoint the
//! way the senders will, before registering it: the transport PluralKit
//! requires, Discord's route refusing what is not signed by Discord, and
//! PluralKit's route answering exactly 401 and 200. Prints a checklist with
//! each request's latency; exits non-zero on any failure.

use std::net::ToSocketAddrs;
use std::path::Path;
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::QueueAttributeName;
use clap::Args;
use serde_json::json;
use switchboard::discord::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use switchboard_devkit::{local_sqs_client, sign_discord_request};

use crate::parameters::{ParameterArgs, SecretParameter};
use crate::state::StackState;
use crate::CliResult;

/// How long each sender waits for an answer.
const DISCORD_BUDGET: Duration = Duration::from_secs(3);
const PLURALKIT_BUDGET: Duration = Duration::from_secs(10);

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

/// One request's answer: its status and how long it took.
struct Answered {
    status: u16,
    latency: Duration,
}

struct Client {
    agent: ureq::Agent,
    redirects: Vec<String>,
}

impl Client {
    fn post(&mut self, url: &str, headers: &[(&str, &str)], body: &str) -> CliResult<Answered> {
        let mut request = self.agent.post(url).set("content-type", "application/json");
        for (name, value) in headers {
            request = request.set(name, value);
        }
        let started = Instant::now();
        let status = match request.send_string(body) {
            Ok(response) => response.status(),
            Err(ureq::Error::Status(status, _)) => status,
            Err(error) => return Err(format!("POST {url}: {error}").into()),
        };
        if (300..400).contains(&status) {
            self.redirects.push(format!("{url} answered {status}"));
        }
        Ok(Answered {
            status,
            latency: started.elapsed(),
        })
    }
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

fn expect(list: &mut Checklist, what: &str, answered: &Answered, wanted: u16) {
    list.record(
        answered.status == wanted,
        what,
        format!("got {} in {}", answered.status, ms(answered.latency)),
    );
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
    let mut client = Client {
        agent: ureq::AgentBuilder::new()
            .redirects(0)
            .timeout(Duration::from_secs(15))
            .build(),
        redirects: Vec::new(),
    };

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

    println!("Discord ({base}/discord)");
    let discord = format!("{base}/discord");
    let ping = json!({"version": 1, "application_id": "0", "type": 0}).to_string();
    let now = unix_now();
    let forged = "0".repeat(128);
    let stranger = ed25519_dalek::SigningKey::from_bytes(&random_seed()?);
    let earlier = (now - 60).to_string();
    let other_timestamp = sign_discord_request(&stranger, &earlier, ping.as_bytes());
    let now = now.to_string();
    let forged_headers = [
        (SIGNATURE_HEADER, forged.as_str()),
        (TIMESTAMP_HEADER, now.as_str()),
    ];
    let discord_latencies = refusals(
        &mut client,
        &mut list,
        &discord,
        &ping,
        &[
            ("a PING with an invalid signature gets 401", &forged_headers),
            ("a request without signature headers gets 401", &[]),
            (
                "a signature over a different timestamp gets 401",
                &[
                    (SIGNATURE_HEADER, other_timestamp.as_str()),
                    (TIMESTAMP_HEADER, now.as_str()),
                ],
            ),
        ],
    )?;
    budget(&mut list, "Discord", &discord_latencies, DISCORD_BUDGET);

    // What Discord sends when the Interactions Endpoint URL is saved: a PING
    // (only Discord can sign it), then invalid signatures, which must get 401.
    println!("Discord interactions ({base}/discord/interactions)");
    let interactions = format!("{base}/discord/interactions");
    let interaction_ping =
        json!({"type": 1, "id": "0", "application_id": "0", "token": "doctor"}).to_string();
    let interaction_latencies = refusals(
        &mut client,
        &mut list,
        &interactions,
        &interaction_ping,
        &[
            (
                "an interaction PING with an invalid signature gets 401",
                &forged_headers,
            ),
            ("an interaction without signature headers gets 401", &[]),
        ],
    )?;
    budget(
        &mut list,
        "Discord interactions",
        &interaction_latencies,
        DISCORD_BUDGET,
    );

    println!("PluralKit ({base}/pluralkit)");
    let pluralkit = format!("{base}/pluralkit");
    let random = hex::encode(random_seed()?);
    let mut pluralkit_latencies = Vec::new();
    let answered = client.post(
        &pluralkit,
        &[],
        &json!({"type": "PING", "signing_token": random}).to_string(),
    )?;
    expect(
        &mut list,
        "a PING with a random token gets exactly 401",
        &answered,
        401,
    );
    pluralkit_latencies.push(answered.latency);
    match &token {
        Some(token) => {
            let answered = client.post(
                &pluralkit,
                &[],
                &json!({"type": "PING", "signing_token": token}).to_string(),
            )?;
            expect(
                &mut list,
                "a PING with the real token gets exactly 200",
                &answered,
                200,
            );
            pluralkit_latencies.push(answered.latency);
        }
        None => list.skip(
            "a PING with the real token gets exactly 200",
            "(pass --pluralkit-token or --token-from-ssm)",
        ),
    }
    budget(
        &mut list,
        "PluralKit",
        &pluralkit_latencies,
        PLURALKIT_BUDGET,
    );
    if let Some(tenant) = &args.tenant {
        let route = format!("{base}/pluralkit/{tenant}");
        println!("PluralKit tenant ({route})");
        let random = hex::encode(random_seed()?);
        let answered = client.post(
            &route,
            &[],
            &json!({"type": "PING", "signing_token": random}).to_string(),
        )?;
        expect(
            &mut list,
            "a PING with a random token gets exactly 401",
            &answered,
            401,
        );
        budget(
            &mut list,
            "PluralKit",
            &[answered.latency],
            PLURALKIT_BUDGET,
        );
    }
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

    list.record(
        client.redirects.is_empty(),
        "no redirects",
        client.redirects.join("; "),
    );

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

/// The check on the queue's counts; see its caveat where it is printed.
const QUEUE_CHECK: &str = "the queue did not grow during the checks";

/// Posts `body` to `url` once per case, each expecting 401; the latencies.
fn refusals(
    client: &mut Client,
    list: &mut Checklist,
    url: &str,
    body: &str,
    cases: &[(&str, &[(&str, &str)])],
) -> CliResult<Vec<Duration>> {
    let mut latencies = Vec::new();
    for (what, headers) in cases {
        let answered = client.post(url, headers, body)?;
        expect(list, what, &answered, 401);
        latencies.push(answered.latency);
    }
    Ok(latencies)
}

fn budget(list: &mut Checklist, sender: &str, latencies: &[Duration], budget: Duration) {
    let slowest = latencies.iter().max().copied().unwrap_or_default();
    let total: Duration = latencies.iter().sum();
    list.record(
        slowest < budget,
        format!("every answer within {sender}'s {} s", budget.as_secs()),
        format!("slowest {}, all {} together", ms(slowest), ms(total)),
    );
}

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

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

fn random_seed() -> CliResult<[u8; 32]> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| format!("no randomness: {e}"))?;
    Ok(seed)
}
