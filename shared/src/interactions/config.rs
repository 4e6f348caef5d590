//! The interactions route's configuration: ingest's (which commands are
//! ephemeral, what the user sees when the queue fails, the inline responder)
//! and the processor's (where Discord's API is, what an interaction no
//! handler takes is answered with).

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use super::answer::InteractionAnswer;
use super::responder::{DeferAll, InlineResponder};
use crate::config::{ConfigError, Lookup};

/// Command names (and modal `custom_id`s) whose deferred reply only the user
/// sees, comma-separated.
pub const DISCORD_EPHEMERAL_COMMANDS: &str = "DISCORD_EPHEMERAL_COMMANDS";
/// The ephemeral message a user sees when the queue did not take the
/// interaction in time.
pub const DISCORD_INTERACTION_FAILURE_MESSAGE: &str = "DISCORD_INTERACTION_FAILURE_MESSAGE";
/// Discord's API, where the processor sends edits and followups.
pub const DISCORD_API_BASE_URL: &str = "DISCORD_API_BASE_URL";
/// What an interaction no handler takes is answered with.
pub const DISCORD_INTERACTION_FALLBACK_MESSAGE: &str = "DISCORD_INTERACTION_FALLBACK_MESSAGE";

/// The default of [`DISCORD_INTERACTION_FAILURE_MESSAGE`].
pub const DEFAULT_FAILURE_MESSAGE: &str = "Something went wrong on our side. Please try again.";
/// The default of [`DISCORD_INTERACTION_FALLBACK_MESSAGE`].
pub const DEFAULT_FALLBACK_MESSAGE: &str = "This action is not available right now.";
/// The default of [`DISCORD_API_BASE_URL`].
pub const DEFAULT_API_BASE_URL: &str = "https://discord.com/api/v10";
/// Discord's limit on a message's `content`.
const MAX_CONTENT_CHARS: usize = 2_000;

/// How ingest answers interactions. The route uses Discord's keys and
/// replay window ([`crate::discord::DiscordConfig`]); it is on whenever
/// Discord is.
#[derive(Clone)]
pub struct InteractionsConfig {
    /// Commands and modals deferred as ephemeral.
    pub ephemeral: BTreeSet<String>,
    /// The answer when the queue fails.
    pub failure_answer: InteractionAnswer,
    /// The user's inline answers.
    pub responder: Arc<dyn InlineResponder>,
}

impl fmt::Debug for InteractionsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InteractionsConfig")
            .field("ephemeral", &self.ephemeral)
            .finish_non_exhaustive()
    }
}

impl Default for InteractionsConfig {
    fn default() -> Self {
        Self {
            ephemeral: BTreeSet::new(),
            failure_answer: InteractionAnswer::failure(DEFAULT_FAILURE_MESSAGE),
            responder: Arc::new(DeferAll),
        }
    }
}

impl InteractionsConfig {
    /// Reads the route's variables; the responder is [`DeferAll`] until
    /// [`InteractionsConfig::with_responder`].
    pub fn from_lookup(get: &Lookup<'_>) -> Result<Self, ConfigError> {
        let ephemeral = get(DISCORD_EPHEMERAL_COMMANDS)
            .map(|text| {
                text.split(',')
                    .map(str::trim)
                    .filter(|name| !name.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let failure = message(
            get,
            DISCORD_INTERACTION_FAILURE_MESSAGE,
            DEFAULT_FAILURE_MESSAGE,
        )?;
        Ok(Self {
            ephemeral,
            failure_answer: InteractionAnswer::failure(&failure),
            ..Self::default()
        })
    }

    /// The same, answering inline with `responder`.
    #[must_use]
    pub fn with_responder(mut self, responder: impl InlineResponder + 'static) -> Self {
        self.responder = Arc::new(responder);
        self
    }
}

/// How the processor replies to interactions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepliesConfig {
    /// Discord's API base, `https://discord.com/api/v10` unless set.
    pub api_base_url: url::Url,
    /// What an interaction no handler takes is answered with.
    pub fallback_message: String,
}

impl RepliesConfig {
    /// Reads the processor's interaction variables.
    pub fn from_lookup(get: &Lookup<'_>) -> Result<Self, ConfigError> {
        let base = get(DISCORD_API_BASE_URL).unwrap_or_else(|| DEFAULT_API_BASE_URL.into());
        let api_base_url = url::Url::parse(base.trim_end_matches('/'))
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
            .ok_or_else(|| ConfigError::Invalid {
                variable: DISCORD_API_BASE_URL,
                reason: "expected an http or https URL, e.g. https://discord.com/api/v10".into(),
            })?;
        Ok(Self {
            api_base_url,
            fallback_message: message(
                get,
                DISCORD_INTERACTION_FALLBACK_MESSAGE,
                DEFAULT_FALLBACK_MESSAGE,
            )?,
        })
    }
}

/// A message variable: at most Discord's 2,000 characters.
fn message(get: &Lookup<'_>, variable: &'static str, default: &str) -> Result<String, ConfigError> {
    let text = get(variable).unwrap_or_else(|| default.to_owned());
    if text.chars().count() > MAX_CONTENT_CHARS {
        return Err(ConfigError::Invalid {
            variable,
            reason: format!("is over Discord's {MAX_CONTENT_CHARS} characters for a message"),
        });
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn reads_the_ephemeral_commands_and_the_messages() {
        let get = lookup(&[
            (DISCORD_EPHEMERAL_COMMANDS, "secret, inventory,,"),
            (DISCORD_INTERACTION_FAILURE_MESSAGE, "later"),
        ]);
        let config = InteractionsConfig::from_lookup(&get).unwrap();
        assert_eq!(
            config.ephemeral.iter().collect::<Vec<_>>(),
            ["inventory", "secret"]
        );
        assert!(config.failure_answer.as_str().contains("\"later\""));
        let too_long = "x".repeat(2_001);
        let get = lookup(&[(DISCORD_INTERACTION_FAILURE_MESSAGE, &too_long)]);
        let error = InteractionsConfig::from_lookup(&get).unwrap_err();
        assert!(error
            .to_string()
            .contains(DISCORD_INTERACTION_FAILURE_MESSAGE));
    }

    #[test]
    fn the_api_base_must_be_an_http_url() {
        let config = RepliesConfig::from_lookup(&lookup(&[])).unwrap();
        assert_eq!(config.api_base_url.as_str(), DEFAULT_API_BASE_URL);
        let config = RepliesConfig::from_lookup(&lookup(&[(
            DISCORD_API_BASE_URL,
            "http://127.0.0.1:9/api/",
        )]))
        .unwrap();
        assert_eq!(config.api_base_url.as_str(), "http://127.0.0.1:9/api");
        for bad in ["discord.com", "ftp://discord.com", "http://"] {
            let error =
                RepliesConfig::from_lookup(&lookup(&[(DISCORD_API_BASE_URL, bad)])).unwrap_err();
            assert!(error.to_string().contains(DISCORD_API_BASE_URL), "{bad}");
        }
    }
}
