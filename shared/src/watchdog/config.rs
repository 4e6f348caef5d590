//! The watchdog function's variables. Tokens come from SSM parameters;
//! `DISCORD_BOT_TOKEN` and `PLURALKIT_API_TOKEN` hold one directly, for
//! local development only.

use crate::config::{ConfigError, Lookup, DISCORD_API_BASE_URL};
use crate::pluralkit::TenantId;

use super::senders_view::ApiToken;

/// The stack's base URL; the routes are appended to it.
pub const WATCHDOG_BASE_URL: &str = "WATCHDOG_BASE_URL";
/// The base URL registered with the senders, when it is not
/// [`WATCHDOG_BASE_URL`] (a custom domain).
pub const WATCHDOG_PUBLIC_BASE_URL: &str = "WATCHDOG_PUBLIC_BASE_URL";
/// `true` allows plain http (the local stack only).
pub const WATCHDOG_ALLOW_HTTP: &str = "WATCHDOG_ALLOW_HTTP";
/// `false` leaves out the Discord routes (a stack without Discord keys).
pub const WATCHDOG_DISCORD: &str = "WATCHDOG_DISCORD";
/// `false` leaves out the single-system `/pluralkit` route.
pub const WATCHDOG_PLURALKIT: &str = "WATCHDOG_PLURALKIT";
/// `true`: probe the tenant route too (`/pluralkit/<tenant>`).
pub const WATCHDOG_TENANT_ROUTE: &str = "WATCHDOG_TENANT_ROUTE";
/// Comma-separated tenant ids the tenant probe takes turns with, one per
/// run; without, it probes an id no tenant has (answered as a bad token is).
pub const WATCHDOG_TENANTS: &str = "WATCHDOG_TENANTS";
/// The SSM SecureString holding a bot token, for Discord's view.
pub const DISCORD_BOT_TOKEN_PARAMETER: &str = "DISCORD_BOT_TOKEN_PARAMETER";
/// A bot token itself: local development only.
pub const DISCORD_BOT_TOKEN: &str = "DISCORD_BOT_TOKEN";
/// PluralKit's API base.
pub const PLURALKIT_API_BASE_URL: &str = "PLURALKIT_API_BASE_URL";
/// The SSM SecureString holding the system's PluralKit API token.
pub const PLURALKIT_API_TOKEN_PARAMETER: &str = "PLURALKIT_API_TOKEN_PARAMETER";
/// A PluralKit API token itself: local development only.
pub const PLURALKIT_API_TOKEN: &str = "PLURALKIT_API_TOKEN";

/// The default of [`PLURALKIT_API_BASE_URL`].
pub const DEFAULT_PLURALKIT_API_BASE_URL: &str = "https://api.pluralkit.me/v2";
/// The default of [`DISCORD_API_BASE_URL`] for the watchdog.
pub const DEFAULT_DISCORD_API_BASE_URL: &str = "https://discord.com/api/v10";

/// Where a token is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiTokenSource {
    /// No token: the check is skipped.
    None,
    /// An SSM parameter, read on each check (a new token needs no deploy).
    Parameter(String),
    /// The value itself (local development).
    Value(ApiToken),
}

/// What the watchdog checks, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchdogConfig {
    /// The stack's base URL.
    pub base_url: url::Url,
    /// The base URL the senders have registered.
    pub public_base_url: url::Url,
    /// Probe `/discord` and `/discord/interactions`.
    pub discord: bool,
    /// Probe `/pluralkit`.
    pub pluralkit: bool,
    /// Probe the tenant route.
    pub tenant_route: bool,
    /// The tenants the tenant probe takes turns with.
    pub tenants: Vec<TenantId>,
    /// Discord's API.
    pub discord_api: url::Url,
    /// The bot token, for Discord's view.
    pub discord_bot_token: ApiTokenSource,
    /// PluralKit's API.
    pub pluralkit_api: url::Url,
    /// The system's API token, for PluralKit's view.
    pub pluralkit_api_token: ApiTokenSource,
}

impl WatchdogConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Parses from any name → value lookup; empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let allow_http = flag(&get, WATCHDOG_ALLOW_HTTP, false)?;
        let base_url = get(WATCHDOG_BASE_URL).ok_or(ConfigError::Missing {
            variable: WATCHDOG_BASE_URL,
        })?;
        let base_url = front_door_url(&base_url, WATCHDOG_BASE_URL, allow_http)?;
        let public_base_url = match get(WATCHDOG_PUBLIC_BASE_URL) {
            Some(url) => front_door_url(&url, WATCHDOG_PUBLIC_BASE_URL, allow_http)?,
            None => base_url.clone(),
        };
        let tenants = get(WATCHDOG_TENANTS)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(|id| {
                TenantId::parse(id).ok_or_else(|| ConfigError::Invalid {
                    variable: WATCHDOG_TENANTS,
                    reason: format!("{id:?} is not a tenant id"),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            discord: flag(&get, WATCHDOG_DISCORD, true)?,
            pluralkit: flag(&get, WATCHDOG_PLURALKIT, true)?,
            tenant_route: flag(&get, WATCHDOG_TENANT_ROUTE, false)? || !tenants.is_empty(),
            tenants,
            discord_api: api_url(&get, DISCORD_API_BASE_URL, DEFAULT_DISCORD_API_BASE_URL)?,
            discord_bot_token: token(&get, DISCORD_BOT_TOKEN_PARAMETER, DISCORD_BOT_TOKEN)?,
            pluralkit_api: api_url(&get, PLURALKIT_API_BASE_URL, DEFAULT_PLURALKIT_API_BASE_URL)?,
            pluralkit_api_token: token(&get, PLURALKIT_API_TOKEN_PARAMETER, PLURALKIT_API_TOKEN)?,
            base_url,
            public_base_url,
        })
    }
}

fn flag(get: &Lookup<'_>, variable: &'static str, default: bool) -> Result<bool, ConfigError> {
    match get(variable).map(|text| text.trim().to_ascii_lowercase()) {
        None => Ok(default),
        Some(text) if text == "true" => Ok(true),
        Some(text) if text == "false" => Ok(false),
        Some(_) => Err(ConfigError::Invalid {
            variable,
            reason: "expected true or false".into(),
        }),
    }
}

/// A front door's base URL: https, unless plain http is allowed (local).
fn front_door_url(
    text: &str,
    variable: &'static str,
    allow_http: bool,
) -> Result<url::Url, ConfigError> {
    let url = url::Url::parse(text.trim()).map_err(|_| ConfigError::Invalid {
        variable,
        reason: "expected a URL, e.g. https://abc123.execute-api.us-east-1.amazonaws.com".into(),
    })?;
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url),
        "http" if allow_http && url.host().is_some() => Ok(url),
        "http" => Err(ConfigError::Invalid {
            variable,
            reason: format!("must be https (set {WATCHDOG_ALLOW_HTTP}=true for a local stack)"),
        }),
        _ => Err(ConfigError::Invalid {
            variable,
            reason: "expected an https URL".into(),
        }),
    }
}

fn api_url(
    get: &Lookup<'_>,
    variable: &'static str,
    default: &str,
) -> Result<url::Url, ConfigError> {
    let text = get(variable).unwrap_or_else(|| default.to_owned());
    url::Url::parse(text.trim().trim_end_matches('/'))
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
        .ok_or_else(|| ConfigError::Invalid {
            variable,
            reason: format!("expected an http or https URL, e.g. {default}"),
        })
}

fn token(
    get: &Lookup<'_>,
    parameter: &'static str,
    value: &'static str,
) -> Result<ApiTokenSource, ConfigError> {
    match (get(parameter), get(value)) {
        (Some(_), Some(_)) => Err(ConfigError::Invalid {
            variable: value,
            reason: format!("set {parameter} or {value}, not both"),
        }),
        (Some(name), None) if !name.trim().starts_with('/') => Err(ConfigError::Invalid {
            variable: parameter,
            reason: "expected a parameter name starting with /".into(),
        }),
        (Some(name), None) => Ok(ApiTokenSource::Parameter(name.trim().to_owned())),
        (None, Some(token)) => Ok(ApiTokenSource::Value(ApiToken::new(&token))),
        (None, None) => Ok(ApiTokenSource::None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<WatchdogConfig, ConfigError> {
        WatchdogConfig::from_lookup(|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn the_base_url_is_required_and_https() {
        assert_eq!(
            config(&[]),
            Err(ConfigError::Missing {
                variable: WATCHDOG_BASE_URL
            })
        );
        let error = config(&[(WATCHDOG_BASE_URL, "http://127.0.0.1:9000")]).unwrap_err();
        assert!(error.to_string().contains(WATCHDOG_ALLOW_HTTP), "{error}");
        let local = config(&[
            (WATCHDOG_BASE_URL, "http://127.0.0.1:9000"),
            (WATCHDOG_ALLOW_HTTP, "true"),
        ])
        .unwrap();
        assert_eq!(local.public_base_url, local.base_url);
        assert!(local.discord && local.pluralkit && !local.tenant_route);
        assert_eq!(local.discord_bot_token, ApiTokenSource::None);
        assert_eq!(local.pluralkit_api.as_str(), "https://api.pluralkit.me/v2");
    }

    #[test]
    fn a_token_comes_from_one_place_and_never_shows() {
        let base = (WATCHDOG_BASE_URL, "https://a.example");
        let both = config(&[
            base,
            (DISCORD_BOT_TOKEN_PARAMETER, "/bot"),
            (DISCORD_BOT_TOKEN, "secret-token"),
        ])
        .unwrap_err();
        assert!(!both.to_string().contains("secret-token"));
        assert!(both.to_string().contains(DISCORD_BOT_TOKEN));
        let direct = config(&[base, (PLURALKIT_API_TOKEN, "secret-token")]).unwrap();
        assert!(!format!("{direct:?}").contains("secret-token"));
        let relative = config(&[base, (PLURALKIT_API_TOKEN_PARAMETER, "pk")]).unwrap_err();
        assert!(relative.to_string().contains(PLURALKIT_API_TOKEN_PARAMETER));
    }

    #[test]
    fn named_tenants_turn_the_tenant_probe_on() {
        let config = config(&[
            (WATCHDOG_BASE_URL, "https://a.example"),
            (WATCHDOG_TENANTS, "alice, bob"),
            (WATCHDOG_DISCORD, "false"),
        ])
        .unwrap();
        assert!(config.tenant_route && !config.discord);
        assert_eq!(config.tenants.len(), 2);
        let bad = WatchdogConfig::from_lookup(|name| match name {
            WATCHDOG_BASE_URL => Some("https://a.example".into()),
            WATCHDOG_TENANTS => Some("not/one".into()),
            _ => None,
        });
        assert!(matches!(
            bad,
            Err(ConfigError::Invalid {
                variable: WATCHDOG_TENANTS,
                ..
            })
        ));
    }
}
