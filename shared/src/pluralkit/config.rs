//! PluralKit's part of ingest's configuration.

use std::time::Duration;

use super::verify::SigningTokens;
use crate::config::{
    parse_millis, parse_number, ConfigError, Lookup, PLURALKIT_ENQUEUE_DEADLINE_MS,
    PLURALKIT_SIGNING_TOKEN, PLURALKIT_SIGNING_TOKEN_PARAMETER, PLURALKIT_TENANT_CACHE_SECS,
    PLURALKIT_TENANT_TABLE, SECRET_REFRESH_INTERVAL_SECS,
};

/// PluralKit waits 10 s and never retries: keep trying the queue for most of that.
pub const DEFAULT_ENQUEUE_DEADLINE: Duration = Duration::from_secs(8);

/// The least time between two reads of the token parameter when unset.
pub const DEFAULT_REFRESH_INTERVAL: Duration = Duration::from_secs(5);

/// How ingest checks and queues PluralKit's requests.
#[derive(Debug, Clone)]
pub struct PluralKitConfig {
    /// The signing tokens any of which a request may carry. Empty until the
    /// parameter is read, when they come from one.
    pub signing_tokens: SigningTokens,
    /// Where the tokens come from.
    pub token_source: TokenSource,
    /// The hard deadline for the queue, retries included.
    pub enqueue_deadline: Duration,
}

/// Where the PluralKit tokens come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// `PLURALKIT_SIGNING_TOKEN`, read once (local development).
    Variable,
    /// An SSM SecureString (`PLURALKIT_SIGNING_TOKEN_PARAMETER`), read at cold
    /// start and again on a token that matches none, at most once per
    /// `refresh_interval`.
    Parameter {
        /// The parameter's name.
        name: String,
        /// `SECRET_REFRESH_INTERVAL_SECS`.
        refresh_interval: Duration,
    },
}

impl PluralKitConfig {
    /// Reads PluralKit's variables; `None` when neither
    /// `PLURALKIT_SIGNING_TOKEN_PARAMETER` nor `PLURALKIT_SIGNING_TOKEN` is
    /// set, which turns `/pluralkit` off. Both at once is an error.
    pub fn from_lookup(get: &Lookup<'_>) -> Result<Option<Self>, ConfigError> {
        let (signing_tokens, token_source) = match (
            get(PLURALKIT_SIGNING_TOKEN),
            get(PLURALKIT_SIGNING_TOKEN_PARAMETER),
        ) {
            (None, None) => return Ok(None),
            (Some(_), Some(_)) => {
                return Err(ConfigError::Invalid {
                    variable: PLURALKIT_SIGNING_TOKEN,
                    reason: format!(
                        "is set together with {PLURALKIT_SIGNING_TOKEN_PARAMETER}; \
                             set only one (the parameter when deployed)"
                    ),
                })
            }
            (Some(text), None) => (
                SigningTokens::parse_list(&text).map_err(|error| ConfigError::Invalid {
                    variable: PLURALKIT_SIGNING_TOKEN,
                    reason: error.to_string(),
                })?,
                TokenSource::Variable,
            ),
            (None, Some(name)) => (
                SigningTokens::none(),
                TokenSource::Parameter {
                    name: name.trim().to_owned(),
                    refresh_interval: refresh_interval(get)?,
                },
            ),
        };
        Ok(Some(Self {
            signing_tokens,
            token_source,
            enqueue_deadline: parse_millis(get, PLURALKIT_ENQUEUE_DEADLINE_MS)?
                .unwrap_or(DEFAULT_ENQUEUE_DEADLINE),
        }))
    }
}

/// How long a tenant's item is trusted when `PLURALKIT_TENANT_CACHE_SECS` is
/// unset: a removed token or tenant stops working within this.
pub const DEFAULT_TENANT_CACHE: Duration = Duration::from_secs(60);

/// How many tenants one instance keeps in memory, least recently used
/// dropped first: about 300 bytes each, so at most about 3 MB.
pub const TENANT_CACHE_CAPACITY: usize = 10_000;

/// How ingest serves the many-system route, `/pluralkit/{tenant}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantsConfig {
    /// The DynamoDB tenant table (`PLURALKIT_TENANT_TABLE`).
    pub table: String,
    /// How long a tenant's item read is trusted.
    pub cache_ttl: Duration,
    /// The least time between two reads of one tenant's item prompted by
    /// tokens that match nothing cached; also how long an unknown tenant is
    /// remembered as unknown.
    pub refresh_interval: Duration,
    /// The hard deadline for the queue, retries included, and for the
    /// tenant's read before it.
    pub enqueue_deadline: Duration,
}

impl TenantsConfig {
    /// Reads the many-system route's variables; `None` when
    /// `PLURALKIT_TENANT_TABLE` is unset, which turns `/pluralkit/{tenant}` off.
    pub fn from_lookup(get: &Lookup<'_>) -> Result<Option<Self>, ConfigError> {
        let Some(table) = get(PLURALKIT_TENANT_TABLE) else {
            return Ok(None);
        };
        let cache_ttl = match parse_number(get, PLURALKIT_TENANT_CACHE_SECS)? {
            None => DEFAULT_TENANT_CACHE,
            Some(0) => {
                return Err(ConfigError::Invalid {
                    variable: PLURALKIT_TENANT_CACHE_SECS,
                    reason: "must be at least 1 second, or every request reads the table".into(),
                })
            }
            Some(secs) => Duration::from_secs(secs),
        };
        Ok(Some(Self {
            table: table.trim().to_owned(),
            cache_ttl,
            refresh_interval: refresh_interval(get)?,
            enqueue_deadline: parse_millis(get, PLURALKIT_ENQUEUE_DEADLINE_MS)?
                .unwrap_or(DEFAULT_ENQUEUE_DEADLINE),
        }))
    }
}

fn refresh_interval(get: &Lookup<'_>) -> Result<Duration, ConfigError> {
    match parse_number(get, SECRET_REFRESH_INTERVAL_SECS)? {
        None => Ok(DEFAULT_REFRESH_INTERVAL),
        Some(0) => Err(ConfigError::Invalid {
            variable: SECRET_REFRESH_INTERVAL_SECS,
            reason:
                "must be at least 1 second, or a flood of bad tokens reads SSM on every request"
                    .into(),
        }),
        Some(secs) => Ok(Duration::from_secs(secs)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(vars: &[(&str, &str)]) -> Result<Option<PluralKitConfig>, ConfigError> {
        let map: HashMap<&str, &str> = vars.iter().copied().collect();
        PluralKitConfig::from_lookup(&|name: &str| map.get(name).map(|v| v.to_string()))
    }

    #[test]
    fn a_parameter_starts_with_no_token_and_the_default_interval() {
        let config = read(&[(PLURALKIT_SIGNING_TOKEN_PARAMETER, "/switchboard/s/token")])
            .unwrap()
            .unwrap();
        assert!(config.signing_tokens.is_empty());
        assert_eq!(
            config.token_source,
            TokenSource::Parameter {
                name: "/switchboard/s/token".into(),
                refresh_interval: DEFAULT_REFRESH_INTERVAL
            }
        );
        let variable = read(&[(PLURALKIT_SIGNING_TOKEN, "a,b")]).unwrap().unwrap();
        assert_eq!(
            (variable.token_source, variable.signing_tokens.len()),
            (TokenSource::Variable, 2)
        );
        assert!(read(&[]).unwrap().is_none());
    }

    #[test]
    fn both_sources_or_a_zero_interval_is_an_error_naming_the_variable() {
        let both = read(&[
            (PLURALKIT_SIGNING_TOKEN, "a"),
            (PLURALKIT_SIGNING_TOKEN_PARAMETER, "/p"),
        ])
        .unwrap_err()
        .to_string();
        assert!(
            both.contains(PLURALKIT_SIGNING_TOKEN_PARAMETER) && !both.contains("\"a\""),
            "{both}"
        );
        let zero = read(&[
            (PLURALKIT_SIGNING_TOKEN_PARAMETER, "/p"),
            (SECRET_REFRESH_INTERVAL_SECS, "0"),
        ])
        .unwrap_err()
        .to_string();
        assert!(zero.starts_with(SECRET_REFRESH_INTERVAL_SECS), "{zero}");
    }
}
