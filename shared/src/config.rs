//! Configuration, parsed once at cold start from the environment into typed
//! values. Every error names the variable at fault; secrets never reach `Debug`.

use std::time::Duration;

use crate::discord::verify::{DiscordPublicKeys, PublicKeyError, ReplayWindow};
use crate::pluralkit::verify::SigningTokens;

pub const QUEUE_URL: &str = "QUEUE_URL";
pub const DISCORD_PUBLIC_KEY: &str = "DISCORD_PUBLIC_KEY";
pub const PLURALKIT_SIGNING_TOKEN: &str = "PLURALKIT_SIGNING_TOKEN";
pub const DISCORD_TIMESTAMP_TOLERANCE_SECS: &str = "DISCORD_TIMESTAMP_TOLERANCE_SECS";
pub const MAX_BODY_BYTES: &str = "MAX_BODY_BYTES";
pub const DISCORD_ENQUEUE_DEADLINE_MS: &str = "DISCORD_ENQUEUE_DEADLINE_MS";
pub const PLURALKIT_ENQUEUE_DEADLINE_MS: &str = "PLURALKIT_ENQUEUE_DEADLINE_MS";
pub const PROCESSOR_CONCURRENCY: &str = "PROCESSOR_CONCURRENCY";

pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;
/// Discord wants an answer within 3 s and retries failures itself.
pub const DEFAULT_DISCORD_ENQUEUE_DEADLINE: Duration = Duration::from_secs(2);
/// PluralKit waits 10 s and never retries: keep trying SQS for most of that.
pub const DEFAULT_PLURALKIT_ENQUEUE_DEADLINE: Duration = Duration::from_secs(8);
pub const DEFAULT_PROCESSOR_CONCURRENCY: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{variable} is required but not set")]
    Missing { variable: &'static str },
    #[error("{variable} is invalid: {reason}")]
    Invalid {
        variable: &'static str,
        reason: String,
    },
    #[error("no sender is configured: set {DISCORD_PUBLIC_KEY} and/or {PLURALKIT_SIGNING_TOKEN}")]
    NoSender,
}

#[derive(Debug, Clone)]
pub struct DiscordConfig {
    pub public_keys: DiscordPublicKeys,
    pub replay_window: ReplayWindow,
    pub enqueue_deadline: Duration,
}

#[derive(Debug, Clone)]
pub struct PluralKitConfig {
    pub signing_tokens: SigningTokens,
    pub enqueue_deadline: Duration,
}

/// The ingest function's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub queue_url: String,
    pub discord: Option<DiscordConfig>,
    pub pluralkit: Option<PluralKitConfig>,
    pub max_body_bytes: usize,
}

impl Config {
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

        let discord = match get(DISCORD_PUBLIC_KEY) {
            None => None,
            Some(text) => Some(DiscordConfig {
                public_keys: DiscordPublicKeys::parse_list(&text).map_err(|error| {
                    ConfigError::Invalid {
                        variable: DISCORD_PUBLIC_KEY,
                        reason: describe_key_error(&error),
                    }
                })?,
                replay_window: ReplayWindow {
                    tolerance_secs: parse_number(&get, DISCORD_TIMESTAMP_TOLERANCE_SECS)?
                        .unwrap_or(ReplayWindow::default().tolerance_secs),
                },
                enqueue_deadline: parse_millis(&get, DISCORD_ENQUEUE_DEADLINE_MS)?
                    .unwrap_or(DEFAULT_DISCORD_ENQUEUE_DEADLINE),
            }),
        };

        let pluralkit = match get(PLURALKIT_SIGNING_TOKEN) {
            None => None,
            Some(text) => Some(PluralKitConfig {
                signing_tokens: SigningTokens::parse_list(&text).map_err(|error| {
                    ConfigError::Invalid {
                        variable: PLURALKIT_SIGNING_TOKEN,
                        reason: error.to_string(),
                    }
                })?,
                enqueue_deadline: parse_millis(&get, PLURALKIT_ENQUEUE_DEADLINE_MS)?
                    .unwrap_or(DEFAULT_PLURALKIT_ENQUEUE_DEADLINE),
            }),
        };

        if discord.is_none() && pluralkit.is_none() {
            return Err(ConfigError::NoSender);
        }

        let max_body_bytes =
            parse_number(&get, MAX_BODY_BYTES)?.unwrap_or(DEFAULT_MAX_BODY_BYTES as u64);
        let max_body_bytes = usize::try_from(max_body_bytes)
            .ok()
            .filter(|bytes| *bytes > 0)
            .ok_or_else(|| ConfigError::Invalid {
                variable: MAX_BODY_BYTES,
                reason: "must be a positive number of bytes".into(),
            })?;

        Ok(Self {
            queue_url,
            discord,
            pluralkit,
            max_body_bytes,
        })
    }
}

/// The processor's concurrency per batch, from `PROCESSOR_CONCURRENCY`.
pub fn processor_concurrency_from_env() -> Result<usize, ConfigError> {
    let get = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|value| !value.trim().is_empty())
    };
    match parse_number(&get, PROCESSOR_CONCURRENCY)? {
        None => Ok(DEFAULT_PROCESSOR_CONCURRENCY),
        Some(0) => Err(ConfigError::Invalid {
            variable: PROCESSOR_CONCURRENCY,
            reason: "must be at least 1".into(),
        }),
        Some(n) => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
    }
}

fn describe_key_error(error: &PublicKeyError) -> String {
    format!("{error} (expected comma-separated 64-character hex Ed25519 public keys)")
}

fn parse_number(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
) -> Result<Option<u64>, ConfigError> {
    get(variable)
        .map(|text| {
            text.trim()
                .parse::<u64>()
                .map_err(|_| ConfigError::Invalid {
                    variable,
                    reason: format!("expected a whole number, got {:?}", text.trim()),
                })
        })
        .transpose()
}

fn parse_millis(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
) -> Result<Option<Duration>, ConfigError> {
    match parse_number(get, variable)? {
        Some(0) => Err(ConfigError::Invalid {
            variable,
            reason: "must be more than 0 ms".into(),
        }),
        other => Ok(other.map(Duration::from_millis)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const KEY: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    const TOKEN: &str = "pk-secret-token-0123456789";

    fn parse(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
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
