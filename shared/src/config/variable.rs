//! Reading one variable: the lookup every configuration part reads through,
//! the error that names the variable at fault, and the number parsers.

use std::time::Duration;

use super::{
    DISCORD_PUBLIC_KEY, PLURALKIT_SIGNING_TOKEN, PLURALKIT_SIGNING_TOKEN_PARAMETER,
    PLURALKIT_TENANT_TABLE,
};

/// A name → value lookup with empty values already treated as unset.
pub type Lookup<'a> = dyn Fn(&str) -> Option<String> + 'a;

/// A configuration that cannot be used, naming the variable at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is unset or empty.
    #[error("{variable} is required but not set")]
    Missing {
        /// The variable's name.
        variable: &'static str,
    },
    /// A variable is set to something unusable.
    #[error("{variable} is invalid: {reason}")]
    Invalid {
        /// The variable's name.
        variable: &'static str,
        /// What is wrong with it; never the value of a secret.
        reason: String,
    },
    /// Neither sender is configured, so ingest would refuse everything.
    #[error("no sender is configured: set {DISCORD_PUBLIC_KEY} and/or {PLURALKIT_SIGNING_TOKEN_PARAMETER} (or {PLURALKIT_SIGNING_TOKEN}) and/or {PLURALKIT_TENANT_TABLE}")]
    NoSender,
}

/// A whole number, or `None` when the variable is unset.
pub(crate) fn parse_number(
    get: &Lookup<'_>,
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

/// A positive number of milliseconds, or `None` when the variable is unset.
pub(crate) fn parse_millis(
    get: &Lookup<'_>,
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
