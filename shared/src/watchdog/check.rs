//! What one check is called, what it proves, what to do when it fails, and
//! what it found. The names are a fixed list: they are the `Check` dimension
//! of `WatchdogFailures`, so the metric count never grows with traffic.

use std::fmt;

/// Every check the watchdog and `switchboard doctor` run, by its metric name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckName {
    /// `/discord` answers 401 to a forged signature.
    DiscordForgedSignature,
    /// `/discord` answers 401 to a request without signature headers.
    DiscordMissingSignature,
    /// `/discord` answers 401 to a real signature over another timestamp.
    DiscordOtherTimestamp,
    /// Every `/discord` answer came inside Discord's 3 s.
    DiscordBudget,
    /// `/discord/interactions` answers 401 to a forged signature.
    InteractionsForgedSignature,
    /// `/discord/interactions` answers 401 without signature headers.
    InteractionsMissingSignature,
    /// Every `/discord/interactions` answer came inside Discord's 3 s.
    InteractionsBudget,
    /// `/pluralkit` answers exactly 401 to a random token.
    PluralkitRandomToken,
    /// A tenant's route answers exactly 401 to a random token.
    TenantRandomToken,
    /// Every PluralKit answer came inside PluralKit's 10 s.
    PluralkitBudget,
    /// Discord's API gave us the Application (the bot token works).
    DiscordApplication,
    /// Discord says the Webhook Events URL is enabled (status 2).
    DiscordWebhooksStatus,
    /// Discord's Webhook Events URL is this stack's `/discord`.
    DiscordWebhooksUrl,
    /// Discord's Interactions Endpoint URL is this stack's route.
    DiscordInteractionsUrl,
    /// Every subscribed webhook event type is one switchboard knows (a warning only).
    DiscordWebhooksTypes,
    /// PluralKit's API gave us the system (the API token works).
    PluralkitSystem,
    /// The system's `webhook_url` is this stack's `/pluralkit`.
    PluralkitWebhookUrl,
}

impl CheckName {
    /// Every check, in the order a run makes them.
    pub const ALL: &'static [CheckName] = &[
        CheckName::DiscordForgedSignature,
        CheckName::DiscordMissingSignature,
        CheckName::DiscordOtherTimestamp,
        CheckName::DiscordBudget,
        CheckName::InteractionsForgedSignature,
        CheckName::InteractionsMissingSignature,
        CheckName::InteractionsBudget,
        CheckName::PluralkitRandomToken,
        CheckName::TenantRandomToken,
        CheckName::PluralkitBudget,
        CheckName::DiscordApplication,
        CheckName::DiscordWebhooksStatus,
        CheckName::DiscordWebhooksUrl,
        CheckName::DiscordInteractionsUrl,
        CheckName::DiscordWebhooksTypes,
        CheckName::PluralkitSystem,
        CheckName::PluralkitWebhookUrl,
    ];

    /// The name in the metric's `Check` dimension and in the README.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckName::DiscordForgedSignature => "discord_forged_signature",
            CheckName::DiscordMissingSignature => "discord_missing_signature",
            CheckName::DiscordOtherTimestamp => "discord_other_timestamp",
            CheckName::DiscordBudget => "discord_budget",
            CheckName::InteractionsForgedSignature => "interactions_forged_signature",
            CheckName::InteractionsMissingSignature => "interactions_missing_signature",
            CheckName::InteractionsBudget => "interactions_budget",
            CheckName::PluralkitRandomToken => "pluralkit_random_token",
            CheckName::TenantRandomToken => "tenant_random_token",
            CheckName::PluralkitBudget => "pluralkit_budget",
            CheckName::DiscordApplication => "discord_application",
            CheckName::DiscordWebhooksStatus => "discord_webhooks_status",
            CheckName::DiscordWebhooksUrl => "discord_webhooks_url",
            CheckName::DiscordInteractionsUrl => "discord_interactions_url",
            CheckName::DiscordWebhooksTypes => "discord_webhooks_types",
            CheckName::PluralkitSystem => "pluralkit_system",
            CheckName::PluralkitWebhookUrl => "pluralkit_webhook_url",
        }
    }

    /// What a pass proves, as the checklist prints it.
    pub fn what(self) -> &'static str {
        match self {
            CheckName::DiscordForgedSignature => "a PING with an invalid signature gets 401",
            CheckName::DiscordMissingSignature => "a request without signature headers gets 401",
            CheckName::DiscordOtherTimestamp => "a signature over a different timestamp gets 401",
            CheckName::DiscordBudget => "every answer within Discord's 3 s",
            CheckName::InteractionsForgedSignature => {
                "an interaction PING with an invalid signature gets 401"
            }
            CheckName::InteractionsMissingSignature => {
                "an interaction without signature headers gets 401"
            }
            CheckName::InteractionsBudget => "every answer within Discord interactions' 3 s",
            CheckName::PluralkitRandomToken | CheckName::TenantRandomToken => {
                "a PING with a random token gets exactly 401"
            }
            CheckName::PluralkitBudget => "every answer within PluralKit's 10 s",
            CheckName::DiscordApplication => "Discord's API returns the Application",
            CheckName::DiscordWebhooksStatus => "Discord has the Webhook Events URL enabled",
            CheckName::DiscordWebhooksUrl => "Discord's Webhook Events URL is this stack's",
            CheckName::DiscordInteractionsUrl => {
                "Discord's Interactions Endpoint URL is this stack's"
            }
            CheckName::DiscordWebhooksTypes => {
                "every subscribed event type is one switchboard knows"
            }
            CheckName::PluralkitSystem => "PluralKit's API returns the system",
            CheckName::PluralkitWebhookUrl => "the system's webhook_url is this stack's",
        }
    }

    /// What to do when it fails: the watchdog's log line says it, and so
    /// does the README's "Operating" table.
    pub fn remedy(self) -> &'static str {
        match self {
            CheckName::DiscordForgedSignature
            | CheckName::DiscordMissingSignature
            | CheckName::DiscordOtherTimestamp
            | CheckName::InteractionsForgedSignature
            | CheckName::InteractionsMissingSignature => {
                "Discord removes an endpoint that does not answer 401 to bad signatures: \
                 check the front door routes to ingest (404: DiscordPublicKeys unset or the \
                 route missing; 403: the Function URL's permissions; 5xx: ingest's logs)"
            }
            CheckName::DiscordBudget | CheckName::InteractionsBudget => {
                "Discord retries and then disables a slow endpoint: look at ingest's \
                 duration and cold starts, and at the front door's latency"
            }
            CheckName::PluralkitRandomToken | CheckName::TenantRandomToken => {
                "PluralKit needs exactly 401 for a bad token and exactly 200 for its own: \
                 anything else (403 from a front door, 404, 5xx) means its dispatches are \
                 not reaching ingest; check the route and ingest's logs"
            }
            CheckName::PluralkitBudget => {
                "PluralKit gives up after 10 s and never retries: look at ingest's duration \
                 and the queue's latency"
            }
            CheckName::DiscordApplication => {
                "the bot token in DiscordBotTokenParameter was refused or Discord could not \
                 be reached: write a current bot token to the parameter"
            }
            CheckName::DiscordWebhooksStatus => {
                "Discord has stopped sending webhook events: open the Developer Portal's \
                 Webhooks page, fix the URL if needed, and turn events on again"
            }
            CheckName::DiscordWebhooksUrl => {
                "Discord sends webhook events somewhere else: paste the stack's \
                 DiscordWebhookUrl output into the Developer Portal (or set \
                 WatchdogPublicBaseUrl if a custom domain fronts the stack)"
            }
            CheckName::DiscordInteractionsUrl => {
                "Discord sends interactions somewhere else: paste the stack's \
                 DiscordInteractionsUrl output into the Developer Portal's Interactions \
                 Endpoint URL"
            }
            CheckName::DiscordWebhooksTypes => {
                "a subscribed event type is new to this version: it is queued and handled \
                 as Unknown; upgrade switchboard to get its model"
            }
            CheckName::PluralkitSystem => {
                "the API token in PluralKitApiTokenParameter was refused or PluralKit could \
                 not be reached: write the system's current token (pk;token) to the parameter"
            }
            CheckName::PluralkitWebhookUrl => {
                "PluralKit sends this system's dispatches somewhere else (or nowhere): run \
                 `pk;s webhook <PluralKitWebhookUrl>` and write the new signing token with \
                 `switchboard pluralkit set-token`"
            }
        }
    }
}

impl fmt::Display for CheckName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It held.
    Passed,
    /// It did not: counted in `WatchdogFailures`.
    Failed,
    /// Worth a look, not a failure (an event type this version does not know).
    Warned,
    /// Not run (no token to read the sender's view with, not due yet).
    Skipped,
}

/// One check's result, with what was seen. The detail holds statuses,
/// latencies and URLs, never a token, a signature or a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Which check.
    pub check: CheckName,
    /// How it came out.
    pub outcome: Outcome,
    /// What was seen (`got 401 in 12.0 ms`).
    pub detail: String,
}

/// Every finding of one run, in the order they were made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The findings.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Records that `check` held (`true`) or failed.
    pub fn record(&mut self, check: CheckName, passed: bool, detail: impl Into<String>) {
        let outcome = if passed {
            Outcome::Passed
        } else {
            Outcome::Failed
        };
        self.push(check, outcome, detail);
    }

    /// Records `check` with `outcome`.
    pub fn push(&mut self, check: CheckName, outcome: Outcome, detail: impl Into<String>) {
        self.findings.push(Finding {
            check,
            outcome,
            detail: detail.into(),
        });
    }

    /// Adds every finding of `other`.
    pub fn extend(&mut self, other: Report) {
        self.findings.extend(other.findings);
    }

    /// The findings that failed.
    pub fn failures(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|finding| finding.outcome == Outcome::Failed)
    }

    /// The outcome of `check`, if it was made.
    pub fn outcome(&self, check: CheckName) -> Option<Outcome> {
        self.findings
            .iter()
            .find(|finding| finding.check == check)
            .map(|finding| finding.outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_has_its_own_metric_name() {
        let mut names: Vec<_> = CheckName::ALL.iter().map(|check| check.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CheckName::ALL.len());
        assert!(names
            .iter()
            .all(|name| name.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
        assert!(!names.contains(&super::super::ALL_CHECKS));
    }

    #[test]
    fn only_failures_count() {
        let mut report = Report::default();
        report.record(CheckName::DiscordBudget, true, "");
        report.record(CheckName::PluralkitRandomToken, false, "got 403");
        report.push(CheckName::DiscordWebhooksTypes, Outcome::Warned, "");
        report.push(CheckName::PluralkitSystem, Outcome::Skipped, "");
        let failed: Vec<_> = report.failures().map(|finding| finding.check).collect();
        assert_eq!(failed, [CheckName::PluralkitRandomToken]);
    }
}
