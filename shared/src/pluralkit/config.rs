//! PluralKit's part of ingest's configuration.

use std::time::Duration;

use super::verify::SigningTokens;
use crate::config::{
    parse_millis, ConfigError, Lookup, PLURALKIT_ENQUEUE_DEADLINE_MS, PLURALKIT_SIGNING_TOKEN,
};

/// PluralKit waits 10 s and never retries: keep trying the queue for most of that.
pub const DEFAULT_ENQUEUE_DEADLINE: Duration = Duration::from_secs(8);

/// How ingest checks and queues PluralKit's requests.
#[derive(Debug, Clone)]
pub struct PluralKitConfig {
    /// The signing tokens any of which a request may carry.
    pub signing_tokens: SigningTokens,
    /// The hard deadline for the queue, retries included.
    pub enqueue_deadline: Duration,
}

impl PluralKitConfig {
    /// Reads PluralKit's variables; `None` when `PLURALKIT_SIGNING_TOKEN` is
    /// unset, which turns `/pluralkit` off.
    pub fn from_lookup(get: &Lookup<'_>) -> Result<Option<Self>, ConfigError> {
        let Some(text) = get(PLURALKIT_SIGNING_TOKEN) else {
            return Ok(None);
        };
        let signing_tokens =
            SigningTokens::parse_list(&text).map_err(|error| ConfigError::Invalid {
                variable: PLURALKIT_SIGNING_TOKEN,
                reason: error.to_string(),
            })?;
        Ok(Some(Self {
            signing_tokens,
            enqueue_deadline: parse_millis(get, PLURALKIT_ENQUEUE_DEADLINE_MS)?
                .unwrap_or(DEFAULT_ENQUEUE_DEADLINE),
        }))
    }
}
