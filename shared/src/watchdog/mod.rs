//! The checks of the path from the senders to ingest, and of the senders' own
//! view of it: one module serves both `switchboard doctor` and the watchdog
//! function, so the two cannot drift.
//!
//! - [`front_door`]: the public routes, probed as the senders reach them
//!   (every probe must get exactly 401, inside its sender's budget).
//! - [`senders_view`]: Discord's Application and PluralKit's system, read
//!   with their API tokens: is the URL they send to still ours?
//! - [`Watchdog`]: one scheduled run of all of it, and its metric
//!   (`WatchdogFailures` by `Check`).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::secrets::SecretStore;
use crate::telemetry::{CHECK, WATCHDOG_FAILURES};

pub mod check;
pub mod config;
pub mod front_door;
pub mod senders_view;

pub use check::{CheckName, Finding, Outcome, Report};
pub use config::{ApiTokenSource, WatchdogConfig};
pub use front_door::{FrontDoor, DISCORD_ROUTE, INTERACTIONS_ROUTE, PLURALKIT_ROUTE};
pub use senders_view::{ApiToken, SenderApi};

/// The `Check` value of the run's total failures, the one the alarm watches.
pub const ALL_CHECKS: &str = "all";

/// How often PluralKit's view is read at most: PluralKit allows 10 GET/s per
/// system, and a webhook URL changes rarely.
pub const PLURALKIT_VIEW_INTERVAL: Duration = Duration::from_secs(60 * 60);

/// The `User-Agent` of every watchdog request, in the form Discord's API asks
/// for (PluralKit's asks only for one that names the client).
pub const WATCHDOG_USER_AGENT: &str = concat!(
    "DiscordBot (https://github.com/switchboard-rs/switchboard, ",
    env!("CARGO_PKG_VERSION"),
    ") switchboard-watchdog"
);

/// Why a run could not be made at all (a check that fails is a finding, not
/// an error). Never holds a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WatchdogError {
    /// The HTTP client could not be built.
    #[error("http client: {0}")]
    Client(String),
    /// The system has no randomness to make a probe's token with.
    #[error("no randomness: {0}")]
    Randomness(String),
}

/// 32 random bytes: a probe's token, a stranger's signing key.
pub(crate) fn random_bytes() -> Result<[u8; 32], WatchdogError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|error| WatchdogError::Randomness(error.to_string()))?;
    Ok(bytes)
}

/// The watchdog: built once at cold start, run once per scheduled event.
#[derive(Debug)]
pub struct Watchdog {
    config: WatchdogConfig,
    front_door: FrontDoor,
    discord_api: SenderApi,
    pluralkit_api: SenderApi,
    secrets: Option<Arc<dyn SecretStore>>,
    /// PluralKit's view as last read, and when: reported again until due.
    pluralkit_view: Mutex<Option<(Instant, Report)>>,
}

impl Watchdog {
    /// A watchdog for `config`, reading token parameters from `secrets`
    /// (required when a token comes from a parameter).
    pub fn new(
        config: WatchdogConfig,
        secrets: Option<Arc<dyn SecretStore>>,
    ) -> Result<Self, WatchdogError> {
        Ok(Self {
            front_door: FrontDoor::new(&config.base_url)?,
            discord_api: SenderApi::new(&config.discord_api)?,
            pluralkit_api: SenderApi::new(&config.pluralkit_api)?,
            config,
            secrets,
            pluralkit_view: Mutex::new(None),
        })
    }

    /// What this configuration does not check, to say once per cold start.
    pub fn notices(&self) -> Vec<String> {
        let mut notices = Vec::new();
        if self.config.discord && self.config.discord_bot_token == ApiTokenSource::None {
            notices.push(format!(
                "no {}: Discord's view of the URLs is not checked",
                config::DISCORD_BOT_TOKEN_PARAMETER
            ));
        }
        if self.config.pluralkit && self.config.pluralkit_api_token == ApiTokenSource::None {
            notices.push(format!(
                "no {}: PluralKit's view of the URL is not checked",
                config::PLURALKIT_API_TOKEN_PARAMETER
            ));
        }
        notices
    }

    /// One run: the front door, then the senders' views. `run_number`
    /// chooses the tenant whose route is probed (they take turns).
    pub async fn run(&self, run_number: u64) -> Result<Report, WatchdogError> {
        let mut report = Report::default();
        if self.config.discord {
            report.extend(self.front_door.check_discord().await?);
            report.extend(self.front_door.check_interactions().await);
        }
        let tenant = self.tenant(run_number)?;
        if self.config.pluralkit || tenant.is_some() {
            let (pluralkit, latencies) = self
                .front_door
                .check_pluralkit(self.config.pluralkit, tenant.as_deref())
                .await?;
            report.extend(pluralkit);
            front_door::budget(
                &mut report,
                CheckName::PluralkitBudget,
                &latencies,
                front_door::PLURALKIT_BUDGET,
            );
        }
        if self.config.discord {
            report.extend(self.discord_view().await);
        }
        if self.config.pluralkit {
            report.extend(self.pluralkit_view().await);
        }
        Ok(report)
    }

    fn tenant(&self, run_number: u64) -> Result<Option<String>, WatchdogError> {
        if !self.config.tenant_route {
            return Ok(None);
        }
        let tenants = &self.config.tenants;
        if tenants.is_empty() {
            // No tenant has this id: answered exactly as a bad token is.
            let random = hex::encode(&random_bytes()?[..8]);
            return Ok(Some(format!("watchdog-{random}")));
        }
        let turn = usize::try_from(run_number % tenants.len() as u64).unwrap_or(0);
        Ok(tenants.get(turn).map(|tenant| tenant.as_str().to_owned()))
    }

    fn public_url(&self, route: &str) -> String {
        format!(
            "{}{route}",
            self.config.public_base_url.as_str().trim_end_matches('/')
        )
    }

    async fn discord_view(&self) -> Report {
        let token = match self
            .token(
                &self.config.discord_bot_token,
                CheckName::DiscordApplication,
            )
            .await
        {
            Ok(token) => token,
            Err(report) => return report,
        };
        let webhooks = self.public_url(DISCORD_ROUTE);
        let interactions = self.public_url(INTERACTIONS_ROUTE);
        self.discord_api
            .check_discord(&token, &webhooks, Some(&interactions))
            .await
    }

    async fn pluralkit_view(&self) -> Report {
        if let Ok(last) = self.pluralkit_view.lock() {
            if let Some((at, report)) = last.as_ref() {
                if at.elapsed() < PLURALKIT_VIEW_INTERVAL {
                    return report.clone();
                }
            }
        }
        let token = match self
            .token(&self.config.pluralkit_api_token, CheckName::PluralkitSystem)
            .await
        {
            Ok(token) => token,
            Err(report) => return report,
        };
        let report = self
            .pluralkit_api
            .check_pluralkit(&token, &self.public_url(PLURALKIT_ROUTE))
            .await;
        // A read that failed is tried again on the next run, not in an hour.
        if report.outcome(CheckName::PluralkitSystem) == Some(Outcome::Passed) {
            if let Ok(mut last) = self.pluralkit_view.lock() {
                *last = Some((Instant::now(), report.clone()));
            }
        }
        report
    }

    /// The token for `check`'s view, or the report that says why not
    /// (skipped without a token; failed when its parameter cannot be read).
    async fn token(&self, source: &ApiTokenSource, check: CheckName) -> Result<ApiToken, Report> {
        let mut report = Report::default();
        let name = match source {
            ApiTokenSource::Value(token) => return Ok(token.clone()),
            ApiTokenSource::None => {
                report.push(check, Outcome::Skipped, "no token configured");
                return Err(report);
            }
            ApiTokenSource::Parameter(name) => name,
        };
        let Some(secrets) = &self.secrets else {
            report.record(
                check,
                false,
                format!("no parameter store to read {name} from"),
            );
            return Err(report);
        };
        match secrets.read(name).await {
            Ok(Some(token)) if !token.trim().is_empty() => Ok(ApiToken::new(&token)),
            Ok(_) => {
                report.record(
                    check,
                    false,
                    format!("the parameter {name} is missing or empty"),
                );
                Err(report)
            }
            Err(error) => {
                report.record(check, false, format!("reading {name}: {error}"));
                Err(report)
            }
        }
    }
}

/// Records the run as `WatchdogFailures`: 1 for each check that failed (by
/// `Check`), and the run's total under `Check` = [`ALL_CHECKS`], 0 when every
/// check passed. The metrics flush writes one EMF line per `Check` that has
/// a value: a failed check's count is reset by the flush, so a check that
/// later passes (or is not made) reports nothing rather than an old failure,
/// and a check that never failed costs no custom metric.
pub fn record_metrics(report: &Report) {
    let mut failures = 0u32;
    for finding in report.failures() {
        failures += 1;
        metrics::counter!(WATCHDOG_FAILURES, CHECK => finding.check.as_str()).increment(1);
    }
    metrics::gauge!(WATCHDOG_FAILURES, CHECK => ALL_CHECKS).set(failures);
}
