//! An ingest configuration for tests, built in code rather than read from the
//! environment.

use std::time::Duration;

use ed25519_dalek::SigningKey;
use switchboard::config::DEFAULT_MAX_BODY_BYTES;
use switchboard::discord::{config::DEFAULT_ENQUEUE_DEADLINE as DISCORD_DEADLINE, DiscordConfig};
use switchboard::discord::{DiscordPublicKeys, ReplayWindow};
use switchboard::interactions::InteractionsConfig;
use switchboard::pluralkit::{
    config::DEFAULT_ENQUEUE_DEADLINE as PLURALKIT_DEADLINE,
    config::{DEFAULT_REFRESH_INTERVAL, DEFAULT_TENANT_CACHE},
    PluralKitConfig, SigningTokens, TenantsConfig, TokenSource,
};
use switchboard::IngestConfig;

/// Builds an [`IngestConfig`]: `TestConfig::new().discord_key(&key).pluralkit_token(T).build()`.
#[derive(Debug, Clone)]
#[must_use]
pub struct TestConfig {
    config: IngestConfig,
}

impl Default for TestConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl TestConfig {
    /// No sender, the queue `http://queue`, the production defaults otherwise.
    pub fn new() -> Self {
        Self {
            config: IngestConfig {
                queue_url: "http://queue".into(),
                discord: None,
                interactions: None,
                pluralkit: None,
                pluralkit_tenants: None,
                max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            },
        }
    }

    /// Sends to `queue_url`.
    pub fn queue_url(mut self, queue_url: &str) -> Self {
        self.config.queue_url = queue_url.into();
        self
    }

    /// Turns Discord on with `key`'s public half (keys add up).
    pub fn discord_key(mut self, key: &SigningKey) -> Self {
        let mut keys: Vec<_> = self
            .config
            .discord
            .as_ref()
            .map(|discord| discord.public_keys.keys().to_vec())
            .unwrap_or_default();
        keys.push(key.verifying_key());
        let discord = self.config.discord.take();
        self.config.discord = Some(DiscordConfig {
            public_keys: DiscordPublicKeys::from_keys(keys),
            replay_window: discord
                .as_ref()
                .map_or_else(ReplayWindow::default, |d| d.replay_window),
            enqueue_deadline: discord.map_or(DISCORD_DEADLINE, |d| d.enqueue_deadline),
        });
        // As from the environment: the interactions route is on with Discord.
        self.config
            .interactions
            .get_or_insert_with(InteractionsConfig::default);
        self
    }

    /// Sets the interactions route's configuration (Discord must be on).
    pub fn interactions(mut self, interactions: InteractionsConfig) -> Self {
        self.config.interactions = Some(interactions);
        self
    }

    /// Turns PluralKit on with `tokens` (comma-separated).
    ///
    /// # Panics
    /// When `tokens` holds no token: a test that configures none is broken.
    pub fn pluralkit_token(mut self, tokens: &str) -> Self {
        let deadline = self
            .config
            .pluralkit
            .as_ref()
            .map_or(PLURALKIT_DEADLINE, |p| p.enqueue_deadline);
        self.config.pluralkit = Some(PluralKitConfig {
            signing_tokens: SigningTokens::parse_list(tokens)
                .unwrap_or_else(|error| panic!("test token: {error}")),
            token_source: TokenSource::Variable,
            enqueue_deadline: deadline,
        });
        self
    }

    /// Turns the many-system route on, on the tenant table `table`, with the
    /// production cache times.
    pub fn pluralkit_tenants(mut self, table: &str) -> Self {
        self.config.pluralkit_tenants = Some(TenantsConfig {
            table: table.into(),
            cache_ttl: DEFAULT_TENANT_CACHE,
            refresh_interval: DEFAULT_REFRESH_INTERVAL,
            enqueue_deadline: PLURALKIT_DEADLINE,
        });
        self
    }

    /// Sets Discord's replay window (Discord must be on).
    pub fn replay_window(mut self, window: ReplayWindow) -> Self {
        if let Some(discord) = &mut self.config.discord {
            discord.replay_window = window;
        }
        self
    }

    /// Sets both senders' queue deadlines (those that are on).
    pub fn enqueue_deadlines(mut self, discord: Duration, pluralkit: Duration) -> Self {
        if let Some(config) = &mut self.config.discord {
            config.enqueue_deadline = discord;
        }
        if let Some(config) = &mut self.config.pluralkit {
            config.enqueue_deadline = pluralkit;
        }
        self
    }

    /// Sets the body size limit.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.config.max_body_bytes = bytes;
        self
    }

    /// The configuration.
    pub fn build(self) -> IngestConfig {
        self.config
    }
}
