//! The senders' own view of our URLs, read from their APIs: Discord's
//! Application (`GET /applications/@me`, with a bot token) and PluralKit's
//! system (`GET /systems/@me`, with the system's API token). The tokens are
//! [`ApiToken`]s: never shown by `Debug`, never in an error.

use std::fmt;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, USER_AGENT};
use reqwest::redirect::Policy;
use serde::Deserialize;

use super::check::{CheckName, Outcome, Report};
use super::{WatchdogError, WATCHDOG_USER_AGENT};
use crate::discord::EventType;

/// How long one read of a sender's API may take.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Discord's `event_webhooks_status` for "enabled".
pub const WEBHOOKS_ENABLED: u8 = 2;

/// A bot token or a PluralKit API token. Its `Debug` shows nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken(String);

impl ApiToken {
    /// Wraps `token` (surrounding whitespace, as a pasted token has, removed).
    pub fn new(token: &str) -> Self {
        Self(token.trim().to_owned())
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(..)")
    }
}

/// The part of Discord's Application object the checks read.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct ApplicationView {
    /// 1 disabled, 2 enabled, 3 disabled by Discord.
    #[serde(default)]
    pub event_webhooks_status: Option<u8>,
    /// Where Discord sends webhook events.
    #[serde(default)]
    pub event_webhooks_url: Option<String>,
    /// The subscribed webhook event types.
    #[serde(default)]
    pub event_webhooks_types: Option<Vec<String>>,
    /// Where Discord sends interactions.
    #[serde(default)]
    pub interactions_endpoint_url: Option<String>,
}

/// The part of PluralKit's system object the check reads.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct SystemView {
    /// Where PluralKit dispatches this system's events (`null` when unset).
    #[serde(default)]
    pub webhook_url: Option<String>,
}

/// A sender's API at one base URL.
#[derive(Debug, Clone)]
pub struct SenderApi {
    client: reqwest::Client,
    base: String,
}

impl SenderApi {
    /// The API under `base` (`https://discord.com/api/v10`,
    /// `https://api.pluralkit.me/v2`).
    pub fn new(base: &url::Url) -> Result<Self, WatchdogError> {
        let client = reqwest::Client::builder()
            .redirect(Policy::none())
            .timeout(READ_TIMEOUT)
            .build()
            .map_err(|error| WatchdogError::Client(error.without_url().to_string()))?;
        Ok(Self {
            client,
            base: base.as_str().trim_end_matches('/').to_owned(),
        })
    }

    /// GETs `path` with `authorization`, parsed as `T`; why not, without the
    /// token.
    async fn read<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        authorization: String,
    ) -> Result<T, String> {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header(AUTHORIZATION, authorization)
            .header(USER_AGENT, WATCHDOG_USER_AGENT)
            .send()
            .await
            .map_err(|error| format!("GET {path}: no answer: {}", error.without_url()))?;
        let status = response.status();
        if !status.is_success() {
            let hint = match status.as_u16() {
                401 | 403 => " (the token was refused)",
                429 => " (rate limited; the next run tries again)",
                _ => "",
            };
            return Err(format!("GET {path} answered {}{hint}", status.as_u16()));
        }
        let body = response
            .bytes()
            .await
            .map_err(|error| format!("GET {path}: {}", error.without_url()))?;
        serde_json::from_slice(&body).map_err(|_| format!("GET {path}: not the JSON expected"))
    }

    /// Reads the Application with a bot token and checks Discord sends
    /// webhook events (and, with `interactions_url`, interactions) to us.
    pub async fn check_discord(
        &self,
        token: &ApiToken,
        webhooks_url: &str,
        interactions_url: Option<&str>,
    ) -> Report {
        let mut report = Report::default();
        let application: ApplicationView = match self
            .read("/applications/@me", format!("Bot {}", token.0))
            .await
        {
            Ok(application) => application,
            Err(why) => {
                report.record(CheckName::DiscordApplication, false, why);
                return report;
            }
        };
        report.record(CheckName::DiscordApplication, true, "");
        let status = application.event_webhooks_status;
        report.record(
            CheckName::DiscordWebhooksStatus,
            status == Some(WEBHOOKS_ENABLED),
            match status {
                Some(1) => "status 1: disabled".to_owned(),
                Some(2) => "status 2: enabled".to_owned(),
                Some(3) => "status 3: disabled by Discord".to_owned(),
                Some(other) => format!("status {other}"),
                None => "no event_webhooks_status".to_owned(),
            },
        );
        same_url(
            &mut report,
            CheckName::DiscordWebhooksUrl,
            application.event_webhooks_url.as_deref(),
            webhooks_url,
        );
        if let Some(expected) = interactions_url {
            same_url(
                &mut report,
                CheckName::DiscordInteractionsUrl,
                application.interactions_endpoint_url.as_deref(),
                expected,
            );
        }
        let unknown: Vec<String> = application
            .event_webhooks_types
            .unwrap_or_default()
            .into_iter()
            .filter(|name| EventType::from(name.as_str()).is_unknown())
            .collect();
        match unknown.as_slice() {
            [] => report.record(CheckName::DiscordWebhooksTypes, true, ""),
            names => report.push(
                CheckName::DiscordWebhooksTypes,
                Outcome::Warned,
                format!("not known to this version: {}", names.join(", ")),
            ),
        }
        report
    }

    /// Reads the system with its API token and checks PluralKit dispatches
    /// to `webhook_url`.
    pub async fn check_pluralkit(&self, token: &ApiToken, webhook_url: &str) -> Report {
        let mut report = Report::default();
        match self
            .read::<SystemView>("/systems/@me", token.0.clone())
            .await
        {
            Ok(system) => {
                report.record(CheckName::PluralkitSystem, true, "");
                same_url(
                    &mut report,
                    CheckName::PluralkitWebhookUrl,
                    system.webhook_url.as_deref(),
                    webhook_url,
                );
            }
            Err(why) => report.record(CheckName::PluralkitSystem, false, why),
        }
        report
    }
}

/// Records whether the sender's `registered` URL is `expected` (a trailing
/// slash aside). URLs are not secrets: the detail shows both.
fn same_url(report: &mut Report, check: CheckName, registered: Option<&str>, expected: &str) {
    let trim = |url: &str| url.trim().trim_end_matches('/').to_owned();
    match registered {
        Some(url) if trim(url) == trim(expected) => report.record(check, true, trim(url)),
        Some(url) => report.record(
            check,
            false,
            format!("registered {}, this stack is {}", trim(url), trim(expected)),
        ),
        None => report.record(
            check,
            false,
            format!("none registered, this stack is {}", trim(expected)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_never_shows_in_debug() {
        let token = ApiToken::new(" secret-bot-token\n");
        assert_eq!(format!("{token:?}"), "ApiToken(..)");
        assert_eq!(token.0, "secret-bot-token");
    }

    #[test]
    fn a_trailing_slash_is_the_same_url() {
        let mut report = Report::default();
        same_url(
            &mut report,
            CheckName::DiscordWebhooksUrl,
            Some("https://a.example/discord/"),
            "https://a.example/discord",
        );
        same_url(
            &mut report,
            CheckName::PluralkitWebhookUrl,
            Some("https://b.example/pluralkit"),
            "https://a.example/pluralkit",
        );
        same_url(
            &mut report,
            CheckName::DiscordInteractionsUrl,
            None,
            "https://a",
        );
        let outcomes: Vec<_> = report.findings.iter().map(|f| f.outcome).collect();
        assert_eq!(
            outcomes,
            [Outcome::Passed, Outcome::Failed, Outcome::Failed]
        );
    }

    #[test]
    fn the_application_reads_with_missing_fields() {
        let view: ApplicationView = serde_json::from_str(r#"{"id":"1","name":"app"}"#).unwrap();
        assert_eq!(view, ApplicationView::default());
    }
}
