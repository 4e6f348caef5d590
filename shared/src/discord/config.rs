//! Discord's part of ingest's configuration.

use std::time::Duration;

use super::verify::{DiscordPublicKeys, ReplayWindow};
use crate::config::{
    parse_millis, parse_number, ConfigError, Lookup, DISCORD_ENQUEUE_DEADLINE_MS,
    DISCORD_PUBLIC_KEY, DISCORD_TIMESTAMP_TOLERANCE_SECS,
};

/// Discord wants an answer within 3 s and retries failures itself.
pub const DEFAULT_ENQUEUE_DEADLINE: Duration = Duration::from_secs(2);

/// How ingest checks and queues Discord's requests.
#[derive(Debug, Clone)]
pub struct DiscordConfig {
    /// The application public keys any of which may sign a request.
    pub public_keys: DiscordPublicKeys,
    /// How old (or how far ahead) a signed timestamp may be.
    pub replay_window: ReplayWindow,
    /// The hard deadline for the queue, retries included.
    pub enqueue_deadline: Duration,
}

impl DiscordConfig {
    /// Reads Discord's variables; `None` when `DISCORD_PUBLIC_KEY` is unset,
    /// which turns `/discord` off.
    pub fn from_lookup(get: &Lookup<'_>) -> Result<Option<Self>, ConfigError> {
        let Some(text) = get(DISCORD_PUBLIC_KEY) else {
            return Ok(None);
        };
        let public_keys =
            DiscordPublicKeys::parse_list(&text).map_err(|error| ConfigError::Invalid {
                variable: DISCORD_PUBLIC_KEY,
                reason: format!(
                    "{error} (expected comma-separated 64-character hex Ed25519 public keys)"
                ),
            })?;
        Ok(Some(Self {
            public_keys,
            replay_window: ReplayWindow {
                tolerance_secs: parse_number(get, DISCORD_TIMESTAMP_TOLERANCE_SECS)?
                    .unwrap_or(ReplayWindow::default().tolerance_secs),
            },
            enqueue_deadline: parse_millis(get, DISCORD_ENQUEUE_DEADLINE_MS)?
                .unwrap_or(DEFAULT_ENQUEUE_DEADLINE),
        }))
    }
}
