//! Configuration, parsed once at cold start from the environment into typed
//! values. Every error names the variable at fault; secrets never reach `Debug`.
//! Each sender's module reads its own part ([`DiscordConfig`],
//! [`PluralKitConfig`]); the variable names are all here, in one list (the
//! built-in destinations' are defined with their configuration and listed
//! here). The pieces every part uses to read a variable are in [`variable`],
//! which imports nothing back.

use std::time::Duration;

use crate::builtin::config::DestinationsConfig;
use crate::discord::DiscordConfig;
use crate::interactions::config::RepliesConfig;
use crate::interactions::InteractionsConfig;
use crate::pluralkit::{PluralKitConfig, TenantsConfig};
use crate::processor::idempotency::{DEFAULT_TTL, MIN_TTL};

/// The longest [`IDEMPOTENCY_TTL_SECS`]: far past any redrive, and short
/// enough that an expiry time never overflows.
pub const MAX_TTL: Duration = Duration::from_secs(366 * 24 * 60 * 60);

pub mod variable;

pub(crate) use variable::{parse_millis, parse_number};
pub use variable::{ConfigError, Lookup};

/// The SQS queue ingest sends to.
pub const QUEUE_URL: &str = "QUEUE_URL";
/// Discord's application public keys, comma-separated.
pub const DISCORD_PUBLIC_KEY: &str = "DISCORD_PUBLIC_KEY";
/// PluralKit's signing tokens, comma-separated.
pub const PLURALKIT_SIGNING_TOKEN: &str = "PLURALKIT_SIGNING_TOKEN";
/// The SSM SecureString holding the PluralKit token(s), comma-separated.
pub const PLURALKIT_SIGNING_TOKEN_PARAMETER: &str = "PLURALKIT_SIGNING_TOKEN_PARAMETER";
/// The DynamoDB tenant table; unset turns `/pluralkit/{tenant}` off.
pub const PLURALKIT_TENANT_TABLE: &str = "PLURALKIT_TENANT_TABLE";
/// How long a tenant's item is trusted before it is read again, in seconds.
pub const PLURALKIT_TENANT_CACHE_SECS: &str = "PLURALKIT_TENANT_CACHE_SECS";
/// The least time between two reads of a secret parameter, per instance.
pub const SECRET_REFRESH_INTERVAL_SECS: &str = "SECRET_REFRESH_INTERVAL_SECS";
/// SSM's endpoint, for local development against moto.
pub const AWS_ENDPOINT_URL_SSM: &str = "AWS_ENDPOINT_URL_SSM";
/// The replay window on Discord's signed timestamps, in seconds.
pub const DISCORD_TIMESTAMP_TOLERANCE_SECS: &str = "DISCORD_TIMESTAMP_TOLERANCE_SECS";
/// The largest body ingest reads.
pub const MAX_BODY_BYTES: &str = "MAX_BODY_BYTES";
/// The queue deadline for Discord's requests, in milliseconds.
pub const DISCORD_ENQUEUE_DEADLINE_MS: &str = "DISCORD_ENQUEUE_DEADLINE_MS";
/// The queue deadline for PluralKit's requests, in milliseconds.
pub const PLURALKIT_ENQUEUE_DEADLINE_MS: &str = "PLURALKIT_ENQUEUE_DEADLINE_MS";
/// How many records of a batch the processor handles at once.
pub const PROCESSOR_CONCURRENCY: &str = "PROCESSOR_CONCURRENCY";
/// The DynamoDB table of the idempotency store; unset turns the store off.
pub const IDEMPOTENCY_TABLE: &str = "IDEMPOTENCY_TABLE";
/// How long a completed event is remembered, in seconds.
pub const IDEMPOTENCY_TTL_SECS: &str = "IDEMPOTENCY_TTL_SECS";
/// The S3 bucket the processor archives every record in; unset turns the
/// archive off.
pub const ARCHIVE_BUCKET: &str = "ARCHIVE_BUCKET";
/// An S3 endpoint other than AWS's, such as a local server (addressed path-style).
pub const AWS_ENDPOINT_URL_S3: &str = "AWS_ENDPOINT_URL_S3";
/// A DynamoDB endpoint other than AWS's, such as a local server.
pub const AWS_ENDPOINT_URL_DYNAMODB: &str = "AWS_ENDPOINT_URL_DYNAMODB";
// The interactions route's variables live with its configuration.
pub use crate::interactions::config::{
    DISCORD_API_BASE_URL, DISCORD_EPHEMERAL_COMMANDS, DISCORD_INTERACTION_FAILURE_MESSAGE,
    DISCORD_INTERACTION_FALLBACK_MESSAGE,
};
// The built-in destinations' variables live with their configuration.
pub use crate::builtin::config::{
    EVENT_BUS_INTERACTION_TOKEN, EVENT_BUS_NAME, EVENT_BUS_TYPES, FORWARD_EVENT_TYPES,
    FORWARD_SECRET, FORWARD_SECRET_PARAMETER, FORWARD_TIMEOUT_MS, FORWARD_URL,
};
/// EventBridge's endpoint, for local development against moto.
pub const AWS_ENDPOINT_URL_EVENTBRIDGE: &str = "AWS_ENDPOINT_URL_EVENTBRIDGE";
/// The AWS region (set by Lambda).
pub const AWS_REGION: &str = "AWS_REGION";
/// The region, as most AWS tools name it.
pub const AWS_DEFAULT_REGION: &str = "AWS_DEFAULT_REGION";
/// The access key id (set by Lambda).
pub const AWS_ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
/// The secret access key (set by Lambda).
pub const AWS_SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
/// The session token of temporary credentials (set by Lambda).
pub const AWS_SESSION_TOKEN: &str = "AWS_SESSION_TOKEN";
/// An SQS endpoint other than AWS's, such as a local server.
pub const AWS_ENDPOINT_URL_SQS: &str = "AWS_ENDPOINT_URL_SQS";
/// An endpoint for every AWS service, such as a local server.
pub const AWS_ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";

/// The default of [`MAX_BODY_BYTES`].
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;
/// The largest [`MAX_BODY_BYTES`] allowed: the envelope must fit one SQS
/// message (256 KiB), and escaping the characters SQS refuses can double a
/// payload in the worst case; 4 KiB are left for the envelope's other fields
/// and the attributes.
pub const MAX_BODY_BYTES_LIMIT: usize = (256 * 1024 - 4 * 1024) / 2;
/// The default of [`PROCESSOR_CONCURRENCY`].
pub const DEFAULT_PROCESSOR_CONCURRENCY: usize = 8;

/// The ingest function's configuration.
#[derive(Debug, Clone)]
pub struct IngestConfig {
    /// The queue every accepted event goes to.
    pub queue_url: String,
    /// Discord's settings; `None` turns `/discord` and
    /// `/discord/interactions` off.
    pub discord: Option<DiscordConfig>,
    /// The interactions route's settings; on whenever Discord is.
    pub interactions: Option<InteractionsConfig>,
    /// PluralKit's settings; `None` turns `/pluralkit` off.
    pub pluralkit: Option<PluralKitConfig>,
    /// The many-system route's settings; `None` turns `/pluralkit/{tenant}` off.
    pub pluralkit_tenants: Option<TenantsConfig>,
    /// Larger bodies get 413 before any crypto.
    pub max_body_bytes: usize,
}

impl IngestConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Parses from any name → value lookup; an empty value counts as unset so a
    /// template can leave one sender's parameter blank.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());

        let queue_url = get(QUEUE_URL).ok_or(ConfigError::Missing {
            variable: QUEUE_URL,
        })?;
        let discord = DiscordConfig::from_lookup(&get)?;
        let interactions = match discord {
            Some(_) => Some(InteractionsConfig::from_lookup(&get)?),
            None => None,
        };
        let pluralkit = PluralKitConfig::from_lookup(&get)?;
        let pluralkit_tenants = TenantsConfig::from_lookup(&get)?;
        if discord.is_none() && pluralkit.is_none() && pluralkit_tenants.is_none() {
            return Err(ConfigError::NoSender);
        }

        let max_body_bytes =
            parse_number(&get, MAX_BODY_BYTES)?.unwrap_or(DEFAULT_MAX_BODY_BYTES as u64);
        let max_body_bytes = usize::try_from(max_body_bytes)
            .ok()
            .filter(|bytes| (1..=MAX_BODY_BYTES_LIMIT).contains(bytes))
            .ok_or_else(|| ConfigError::Invalid {
                variable: MAX_BODY_BYTES,
                reason: format!(
                    "must be from 1 to {MAX_BODY_BYTES_LIMIT} bytes, so that an event always fits one SQS message (256 KiB)"
                ),
            })?;

        Ok(Self {
            queue_url,
            discord,
            interactions,
            pluralkit,
            pluralkit_tenants,
            max_body_bytes,
        })
    }
}

impl IngestConfig {
    /// Settings that are allowed but unsafe, to be logged at cold start.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self
            .discord
            .as_ref()
            .is_some_and(|discord| discord.replay_window.tolerance_secs == 0)
        {
            warnings.push(format!(
                "{DISCORD_TIMESTAMP_TOLERANCE_SECS}=0 turns replay protection off: \
                 a captured Discord request can be replayed at any time"
            ));
        }
        warnings
    }
}

/// The processor function's configuration.
#[derive(Debug, Clone)]
pub struct ProcessorConfig {
    /// Records of a batch handled at once.
    pub concurrency: usize,
    /// The idempotency store; `None` when `IDEMPOTENCY_TABLE` is unset.
    pub idempotency: Option<IdempotencyConfig>,
    /// The built-in destinations turned on.
    pub destinations: DestinationsConfig,
    /// How interactions are replied to.
    pub replies: RepliesConfig,
    /// The archive's bucket; `None` when `ARCHIVE_BUCKET` is unset.
    pub archive_bucket: Option<String>,
}

/// Where and how long the processor remembers handled events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyConfig {
    /// The DynamoDB table.
    pub table: String,
    /// How long a completed event is remembered.
    pub ttl: Duration,
}

impl ProcessorConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Parses from any name → value lookup; an empty value counts as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let concurrency = match parse_number(&get, PROCESSOR_CONCURRENCY)? {
            None => DEFAULT_PROCESSOR_CONCURRENCY,
            Some(0) => {
                return Err(ConfigError::Invalid {
                    variable: PROCESSOR_CONCURRENCY,
                    reason: "must be at least 1".into(),
                })
            }
            Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
        };
        let ttl = match parse_number(&get, IDEMPOTENCY_TTL_SECS)? {
            None => DEFAULT_TTL,
            Some(secs) if Duration::from_secs(secs) < MIN_TTL => {
                return Err(ConfigError::Invalid {
                    variable: IDEMPOTENCY_TTL_SECS,
                    reason: format!(
                        "must be at least {} (10 minutes): Discord retries an event that long, \
                         and a shorter memory runs those retries again",
                        MIN_TTL.as_secs()
                    ),
                })
            }
            Some(secs) if Duration::from_secs(secs) > MAX_TTL => {
                return Err(ConfigError::Invalid {
                    variable: IDEMPOTENCY_TTL_SECS,
                    reason: format!("must be at most {} (366 days)", MAX_TTL.as_secs()),
                })
            }
            Some(secs) => Duration::from_secs(secs),
        };
        let idempotency = get(IDEMPOTENCY_TABLE).map(|table| IdempotencyConfig {
            table: table.trim().to_owned(),
            ttl,
        });
        Ok(Self {
            concurrency,
            idempotency,
            destinations: DestinationsConfig::from_lookup(&get)?,
            replies: RepliesConfig::from_lookup(&get)?,
            archive_bucket: get(ARCHIVE_BUCKET).map(|bucket| bucket.trim().to_owned()),
        })
    }

    /// Settings that work but are probably mistakes, for a cold-start warning.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = self.destinations.warnings();
        if let Some(store) = &self.idempotency {
            if store.ttl < DEFAULT_TTL {
                warnings.push(format!(
                    "{IDEMPOTENCY_TTL_SECS} is {} s, less than the 14 days SQS keeps a message: \
                     a DLQ redrive of an event older than that runs its effects again",
                    store.ttl.as_secs()
                ));
            }
        }
        warnings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discord::ReplayWindow;
    use std::collections::HashMap;

    const KEY: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    const TOKEN: &str = "pk-secret-token-0123456789";

    fn parse(vars: &[(&str, &str)]) -> Result<IngestConfig, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        IngestConfig::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn parses_a_full_configuration_with_defaults() {
        let config = parse(&[
            (QUEUE_URL, "http://q"),
            (DISCORD_PUBLIC_KEY, KEY),
            (PLURALKIT_SIGNING_TOKEN, TOKEN),
        ])
        .unwrap();
        let discord = config.discord.as_ref().unwrap();
        assert_eq!(discord.replay_window.tolerance_secs, 900);
        assert_eq!(discord.enqueue_deadline, Duration::from_secs(2));
        assert_eq!(
            config.pluralkit.as_ref().unwrap().enqueue_deadline,
            Duration::from_secs(8)
        );
        assert_eq!(config.max_body_bytes, 65536);
        assert!(
            !format!("{config:?}").contains(TOKEN),
            "Debug must not show the token"
        );
    }

    #[test]
    fn errors_name_the_variable() {
        let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
            (vec![(DISCORD_PUBLIC_KEY, KEY)], QUEUE_URL),
            (
                vec![(QUEUE_URL, "q"), (DISCORD_PUBLIC_KEY, "abc")],
                DISCORD_PUBLIC_KEY,
            ),
            (
                vec![
                    (QUEUE_URL, "q"),
                    (DISCORD_PUBLIC_KEY, KEY),
                    (DISCORD_TIMESTAMP_TOLERANCE_SECS, "ten"),
                ],
                DISCORD_TIMESTAMP_TOLERANCE_SECS,
            ),
            (
                vec![
                    (QUEUE_URL, "q"),
                    (PLURALKIT_SIGNING_TOKEN, TOKEN),
                    (MAX_BODY_BYTES, "-1"),
                ],
                MAX_BODY_BYTES,
            ),
            (
                vec![
                    (QUEUE_URL, "q"),
                    (PLURALKIT_SIGNING_TOKEN, TOKEN),
                    (PLURALKIT_ENQUEUE_DEADLINE_MS, "0"),
                ],
                PLURALKIT_ENQUEUE_DEADLINE_MS,
            ),
            (
                vec![
                    (QUEUE_URL, "q"),
                    (DISCORD_PUBLIC_KEY, KEY),
                    (DISCORD_ENQUEUE_DEADLINE_MS, "2s"),
                ],
                DISCORD_ENQUEUE_DEADLINE_MS,
            ),
        ];
        for (vars, variable) in cases {
            let message = parse(&vars).unwrap_err().to_string();
            assert!(
                message.contains(variable),
                "{message:?} should name {variable}"
            );
        }
    }

    #[test]
    fn needs_at_least_one_sender_and_treats_empty_as_unset() {
        let error = parse(&[(QUEUE_URL, "q"), (DISCORD_PUBLIC_KEY, "")]).unwrap_err();
        assert_eq!(error, ConfigError::NoSender);
        assert!(error.to_string().contains(DISCORD_PUBLIC_KEY));
        let only_pk = parse(&[(QUEUE_URL, "q"), (PLURALKIT_SIGNING_TOKEN, TOKEN)]).unwrap();
        assert!(only_pk.discord.is_none() && only_pk.pluralkit.is_some());
    }

    #[test]
    fn the_body_limit_keeps_every_envelope_inside_one_sqs_message() {
        let base = [(QUEUE_URL, "q"), (PLURALKIT_SIGNING_TOKEN, TOKEN)];
        let limit = MAX_BODY_BYTES_LIMIT.to_string();
        let over = (MAX_BODY_BYTES_LIMIT + 1).to_string();
        let with = |value: &str| {
            let mut vars = base.to_vec();
            vars.push((MAX_BODY_BYTES, value));
            parse(&vars)
        };
        assert_eq!(with(&limit).unwrap().max_body_bytes, MAX_BODY_BYTES_LIMIT);
        for bad in [over.as_str(), "0", "10485760"] {
            let message = with(bad).unwrap_err().to_string();
            assert!(
                message.contains(MAX_BODY_BYTES) && message.contains("256 KiB"),
                "{message}"
            );
        }
        // The worst body at the limit: all U+FFFF, which the envelope escapes
        // to six bytes each. Its envelope still fits one SQS message.
        let chars = (MAX_BODY_BYTES_LIMIT - 8) / 3;
        let body = format!("{{\"a\":\"{}\"}}", "\u{FFFF}".repeat(chars));
        assert!(body.len() <= MAX_BODY_BYTES_LIMIT);
        let envelope = crate::Envelope::new(
            crate::Sender::Discord,
            "ENTITLEMENT_CREATE".into(),
            crate::envelope::Arrival::now(),
            serde_json::value::RawValue::from_string(body).unwrap(),
        );
        let message = envelope.to_json();
        assert!(
            message.len() + 1024 <= 256 * 1024,
            "{} bytes",
            message.len()
        );
    }

    #[test]
    fn an_unsafe_setting_is_warned_about() {
        let safe = parse(&[(QUEUE_URL, "q"), (DISCORD_PUBLIC_KEY, KEY)]).unwrap();
        assert!(safe.warnings().is_empty());
        let off = parse(&[
            (QUEUE_URL, "q"),
            (DISCORD_PUBLIC_KEY, KEY),
            (DISCORD_TIMESTAMP_TOLERANCE_SECS, "0"),
        ])
        .unwrap();
        let warnings = off.warnings();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains(DISCORD_TIMESTAMP_TOLERANCE_SECS));
    }

    #[test]
    fn the_processor_reads_its_store_and_names_bad_variables() {
        let read = |vars: &[(&str, &str)]| {
            let map: HashMap<String, String> = vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            ProcessorConfig::from_lookup(|name| map.get(name).cloned())
        };
        let off = read(&[]).unwrap();
        assert_eq!((off.concurrency, off.idempotency), (8, None));
        let on = read(&[(IDEMPOTENCY_TABLE, "events-seen")]).unwrap();
        assert_eq!(
            on.idempotency,
            Some(IdempotencyConfig {
                table: "events-seen".into(),
                ttl: Duration::from_secs(14 * 24 * 3600)
            })
        );
        assert!(on.warnings().is_empty(), "{:?}", on.warnings());
        let short = read(&[(IDEMPOTENCY_TABLE, "t"), (IDEMPOTENCY_TTL_SECS, "600")]).unwrap();
        assert_eq!(
            short.idempotency.as_ref().unwrap().ttl,
            Duration::from_secs(600)
        );
        let warnings = short.warnings();
        assert!(
            warnings.len() == 1 && warnings[0].starts_with(IDEMPOTENCY_TTL_SECS),
            "a TTL shorter than the DLQ's 14 days is flagged: {warnings:?}"
        );
        for (variable, value) in [
            (IDEMPOTENCY_TTL_SECS, "0"),
            (IDEMPOTENCY_TTL_SECS, "599"),
            (IDEMPOTENCY_TTL_SECS, "18446744073709551615"),
            (IDEMPOTENCY_TTL_SECS, "31708801"),
            (IDEMPOTENCY_TTL_SECS, "a week"),
            (PROCESSOR_CONCURRENCY, "0"),
        ] {
            let message = read(&[(IDEMPOTENCY_TABLE, "t"), (variable, value)])
                .unwrap_err()
                .to_string();
            assert!(message.contains(variable), "{message}");
        }
    }

    #[test]
    fn tolerance_zero_disables_the_window() {
        let config = parse(&[
            (QUEUE_URL, "q"),
            (DISCORD_PUBLIC_KEY, KEY),
            (DISCORD_TIMESTAMP_TOLERANCE_SECS, "0"),
        ])
        .unwrap();
        assert_eq!(
            config.discord.unwrap().replay_window,
            ReplayWindow::DISABLED
        );
    }
}
