//! The stack's public routes, probed from the outside in, as the senders
//! reach them: requests only a sender's own signature or token could make
//! pass, so every probe must be refused with exactly 401, and nothing a probe
//! sends is ever queued. A real PluralKit PING (doctor's, with the real
//! token) goes through [`FrontDoor::post`] too.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ed25519_dalek::{Signer, SigningKey};
use reqwest::header::{CONTENT_TYPE, USER_AGENT};
use reqwest::redirect::Policy;
use serde_json::json;

use super::check::{CheckName, Report};
use super::{random_bytes, WatchdogError, WATCHDOG_USER_AGENT};
use crate::discord::{SIGNATURE_HEADER, TIMESTAMP_HEADER};

/// How long Discord waits for an answer.
pub const DISCORD_BUDGET: Duration = Duration::from_secs(3);
/// How long PluralKit waits for an answer.
pub const PLURALKIT_BUDGET: Duration = Duration::from_secs(10);
/// How long a probe waits: past PluralKit's budget, so a slow answer is
/// measured (and fails its budget) rather than lost.
const PROBE_TIMEOUT: Duration = Duration::from_secs(12);

/// The routes under the stack's base URL, as `WATCHDOG_BASE_URL` and
/// `doctor` take it.
pub const DISCORD_ROUTE: &str = "/discord";
/// The interactions route.
pub const INTERACTIONS_ROUTE: &str = "/discord/interactions";
/// The single-system PluralKit route; a tenant's is this, `/`, and its id.
pub const PLURALKIT_ROUTE: &str = "/pluralkit";

/// One answer: its status and how long it took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answered {
    /// The HTTP status (a redirect is not followed).
    pub status: u16,
    /// From sending to the answer's head.
    pub latency: Duration,
}

/// The stack's front door at one base URL.
#[derive(Debug, Clone)]
pub struct FrontDoor {
    client: reqwest::Client,
    base: String,
    /// Every redirect answered so far (`/discord answered 307`).
    redirects: Arc<Mutex<Vec<String>>>,
}

impl FrontDoor {
    /// Probes the routes under `base` (`https://….execute-api…/`, or a
    /// Function URL).
    pub fn new(base: &url::Url) -> Result<Self, WatchdogError> {
        let client = reqwest::Client::builder()
            // A sender does not follow redirects either; a 3xx fails its check.
            .redirect(Policy::none())
            .timeout(PROBE_TIMEOUT)
            .build()
            .map_err(|error| WatchdogError::Client(error.without_url().to_string()))?;
        Ok(Self {
            client,
            base: base.as_str().trim_end_matches('/').to_owned(),
            redirects: Arc::default(),
        })
    }

    /// The redirects answered so far, one line each.
    pub fn redirects(&self) -> Vec<String> {
        self.redirects
            .lock()
            .map(|seen| seen.clone())
            .unwrap_or_default()
    }

    /// The full URL of `route`.
    pub fn url(&self, route: &str) -> String {
        format!("{}{route}", self.base)
    }

    /// POSTs `body` as JSON to `route`; the answer, or why there was none
    /// (without the URL's query or any body).
    pub async fn post(
        &self,
        route: &str,
        headers: &[(&str, &str)],
        body: String,
    ) -> Result<Answered, String> {
        let mut request = self
            .client
            .post(self.url(route))
            .header(CONTENT_TYPE, "application/json")
            .header(USER_AGENT, WATCHDOG_USER_AGENT);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let started = Instant::now();
        match request.body(body).send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                if (300..400).contains(&status) {
                    if let Ok(mut seen) = self.redirects.lock() {
                        seen.push(format!("{} answered {status}", self.url(route)));
                    }
                }
                Ok(Answered {
                    status,
                    latency: started.elapsed(),
                })
            }
            Err(error) if error.is_timeout() => {
                Err(format!("no answer within {} s", PROBE_TIMEOUT.as_secs()))
            }
            Err(error) => Err(format!("no answer: {}", error.without_url())),
        }
    }

    /// `/discord`: a forged signature, none, and a stranger's signature over
    /// another timestamp each get 401, inside Discord's budget.
    pub async fn check_discord(&self) -> Result<Report, WatchdogError> {
        let ping = json!({"version": 1, "application_id": "0", "type": 0}).to_string();
        let now = unix_now();
        let stranger = SigningKey::from_bytes(&random_bytes()?);
        let earlier = now.saturating_sub(60).to_string();
        let mut signed = earlier.clone().into_bytes();
        signed.extend_from_slice(ping.as_bytes());
        let other_timestamp = hex::encode(stranger.sign(&signed).to_bytes());
        let now = now.to_string();
        let forged = "0".repeat(128);
        let mut report = Report::default();
        let latencies = self
            .refusals(
                &mut report,
                DISCORD_ROUTE,
                &ping,
                &[
                    (
                        CheckName::DiscordForgedSignature,
                        &[(SIGNATURE_HEADER, &forged), (TIMESTAMP_HEADER, &now)],
                    ),
                    (CheckName::DiscordMissingSignature, &[]),
                    (
                        CheckName::DiscordOtherTimestamp,
                        &[
                            (SIGNATURE_HEADER, &other_timestamp),
                            (TIMESTAMP_HEADER, &now),
                        ],
                    ),
                ],
            )
            .await;
        budget(
            &mut report,
            CheckName::DiscordBudget,
            &latencies,
            DISCORD_BUDGET,
        );
        Ok(report)
    }

    /// `/discord/interactions`: what Discord probes when the Interactions
    /// Endpoint URL is saved, a forged signature and none, each get 401.
    pub async fn check_interactions(&self) -> Report {
        let ping =
            json!({"type": 1, "id": "0", "application_id": "0", "token": "watchdog"}).to_string();
        let now = unix_now().to_string();
        let forged = "0".repeat(128);
        let mut report = Report::default();
        let latencies = self
            .refusals(
                &mut report,
                INTERACTIONS_ROUTE,
                &ping,
                &[
                    (
                        CheckName::InteractionsForgedSignature,
                        &[(SIGNATURE_HEADER, &forged), (TIMESTAMP_HEADER, &now)],
                    ),
                    (CheckName::InteractionsMissingSignature, &[]),
                ],
            )
            .await;
        budget(
            &mut report,
            CheckName::InteractionsBudget,
            &latencies,
            DISCORD_BUDGET,
        );
        report
    }

    /// `/pluralkit` (when `single_system`) and the tenant's route (when one is
    /// named): a PING with a random token gets exactly 401. The latencies
    /// come back for the caller's budget check, so that doctor's real PING
    /// counts towards it too.
    pub async fn check_pluralkit(
        &self,
        single_system: bool,
        tenant: Option<&str>,
    ) -> Result<(Report, Vec<Duration>), WatchdogError> {
        let mut report = Report::default();
        let mut latencies = Vec::new();
        let tenant_route = tenant.map(|tenant| format!("{PLURALKIT_ROUTE}/{tenant}"));
        let routes = [
            single_system.then(|| (CheckName::PluralkitRandomToken, PLURALKIT_ROUTE.to_owned())),
            tenant_route.map(|route| (CheckName::TenantRandomToken, route)),
        ];
        for (check, route) in routes.into_iter().flatten() {
            let random = hex::encode(random_bytes()?);
            let ping = json!({"type": "PING", "signing_token": random}).to_string();
            let answered = self.post(&route, &[], ping).await;
            if let Ok(answered) = &answered {
                latencies.push(answered.latency);
            }
            expect(&mut report, check, &answered, 401);
        }
        Ok((report, latencies))
    }

    /// Posts `body` to `route` once per case, each expecting 401; the
    /// latencies of those that were answered.
    async fn refusals(
        &self,
        report: &mut Report,
        route: &str,
        body: &str,
        cases: &[(CheckName, &[(&str, &String)])],
    ) -> Vec<Duration> {
        let mut latencies = Vec::new();
        for (check, headers) in cases {
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .map(|(name, value)| (*name, value.as_str()))
                .collect();
            let answered = self.post(route, &headers, body.to_owned()).await;
            if let Ok(answered) = &answered {
                latencies.push(answered.latency);
            }
            expect(report, *check, &answered, 401);
        }
        latencies
    }
}

/// Milliseconds, as the checklist shows them.
pub fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

/// Records whether `answered` has status `wanted`.
pub fn expect(
    report: &mut Report,
    check: CheckName,
    answered: &Result<Answered, String>,
    wanted: u16,
) {
    match answered {
        Ok(answered) => report.record(
            check,
            answered.status == wanted,
            format!("got {} in {}", answered.status, ms(answered.latency)),
        ),
        Err(why) => report.record(check, false, why.clone()),
    }
}

/// Records whether the slowest of `latencies` came inside `budget`.
pub fn budget(report: &mut Report, check: CheckName, latencies: &[Duration], budget: Duration) {
    let slowest = latencies.iter().max().copied().unwrap_or_default();
    let total: Duration = latencies.iter().sum();
    report.record(
        check,
        slowest < budget,
        format!("slowest {}, all {} together", ms(slowest), ms(total)),
    );
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}
