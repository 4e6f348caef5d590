//! The built-in destinations' configuration: which are on, where they send,
//! and which event types they take. Pure parsing; the destinations themselves
//! are behind their cargo features.

use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

use base64::Engine;

use crate::config::variable::{parse_millis, ConfigError, Lookup};
use crate::sender::Sender;

/// The EventBridge bus every event is put on; unset turns the destination off.
pub const EVENT_BUS_NAME: &str = "EVENT_BUS_NAME";
/// Comma-separated event types the bus gets; unset means every type but
/// interactions, which go only where named.
pub const EVENT_BUS_TYPES: &str = "EVENT_BUS_TYPES";
/// `true` puts an interaction's token in the bus detail; by default it is
/// left out (a bus rule's target rarely needs to reply).
pub const EVENT_BUS_INTERACTION_TOKEN: &str = "EVENT_BUS_INTERACTION_TOKEN";
/// The URL each event is POSTed to, signed; unset turns forwarding off.
pub const FORWARD_URL: &str = "FORWARD_URL";
/// The Standard Webhooks signing secret (`whsec_…`) for forwarded events.
pub const FORWARD_SECRET: &str = "FORWARD_SECRET";
/// The SSM SecureString holding the forwarding secret (instead of `FORWARD_SECRET`).
pub const FORWARD_SECRET_PARAMETER: &str = "FORWARD_SECRET_PARAMETER";
/// How long one forwarded POST may take, in milliseconds.
pub const FORWARD_TIMEOUT_MS: &str = "FORWARD_TIMEOUT_MS";
/// Comma-separated event types forwarded; unset means every type but
/// interactions, which go only where named.
pub const FORWARD_EVENT_TYPES: &str = "FORWARD_EVENT_TYPES";

/// How long a forwarded POST may take when `FORWARD_TIMEOUT_MS` is unset.
pub const DEFAULT_FORWARD_TIMEOUT: Duration = Duration::from_millis(5_000);

/// The most `FORWARD_TIMEOUT_MS` may be: below the processor's 30 s function
/// timeout less its response margin, so a slow receiver fails its own record
/// instead of timing out the invocation and every record with it. The
/// template test holds the template's timeout above it.
pub const FORWARD_TIMEOUT_LIMIT: Duration = Duration::from_millis(25_000);

/// Standard Webhooks' prefix for a signing secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// The built-in destinations this deployment turns on.
#[derive(Debug, Clone, Default)]
pub struct DestinationsConfig {
    /// EventBridge, when `EVENT_BUS_NAME` is set.
    pub event_bus: Option<EventBusConfig>,
    /// Signed HTTP forwarding, when `FORWARD_URL` is set.
    pub forward: Option<ForwardConfig>,
}

/// Where the EventBridge destination puts events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventBusConfig {
    /// The bus's name or ARN.
    pub bus: String,
    /// Which event types go to it.
    pub types: TypeFilter,
    /// Whether an interaction's detail keeps its token.
    pub interaction_token: bool,
}

/// Where and how events are forwarded over HTTP.
#[derive(Clone)]
pub struct ForwardConfig {
    /// The receiver, `http` or `https`.
    pub url: url::Url,
    /// The Standard Webhooks signing secret, or where to read it.
    pub secret: SecretSetting,
    /// How long one POST may take, connection included.
    pub timeout: Duration,
    /// Which event types are forwarded.
    pub types: TypeFilter,
}

impl fmt::Debug for ForwardConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL's scheme and host only: its user info, path or query may
        // carry a credential.
        f.debug_struct("ForwardConfig")
            .field(
                "url",
                &format!(
                    "{}://{}/…",
                    self.url.scheme(),
                    self.url.host_str().unwrap_or("")
                ),
            )
            .field("secret", &self.secret)
            .field("timeout", &self.timeout)
            .field("types", &self.types)
            .finish()
    }
}

/// How long keys read from the secret parameter sign before the next use
/// reads it again: the longest a running instance signs without a key
/// written with `switchboard forward set-secret --rotate`.
pub const SECRET_REFRESH_AFTER: Duration = Duration::from_secs(60);

/// Where the forwarding secret comes from.
#[derive(Debug, Clone)]
pub enum SecretSetting {
    /// `FORWARD_SECRET` itself (local development).
    Value(ForwardSecret),
    /// An SSM SecureString (`FORWARD_SECRET_PARAMETER`), read on first use
    /// and again every [`SECRET_REFRESH_AFTER`], so a rotation needs no new
    /// instances.
    Parameter(String),
}

/// The forwarding secret: one `whsec_` key, or several separated by
/// whitespace while a rotation is under way (the current one and the next).
/// Every key signs every request, so a receiver verifies with whichever it
/// holds. Redacted in `Debug`, never in an error.
#[derive(Clone)]
pub struct ForwardSecret(String);

impl ForwardSecret {
    /// Checks each key in `text` is a Standard Webhooks secret: `whsec_` and
    /// the base64 of 24 to 64 bytes. `variable` names where it came from in
    /// the error, which never quotes the text.
    pub fn parse(text: &str, variable: &'static str) -> Result<Self, ConfigError> {
        let invalid = |reason: String| ConfigError::Invalid { variable, reason };
        let keys: Vec<&str> = text.split_whitespace().collect();
        if keys.is_empty() {
            return Err(invalid(format!(
                "is empty; it must be a Standard Webhooks secret starting with {SECRET_PREFIX}"
            )));
        }
        for (index, secret) in keys.iter().enumerate() {
            // Which key, by position, when a rotation lists several.
            let which = if keys.len() == 1 {
                String::new()
            } else {
                format!("key {} of {}: ", index + 1, keys.len())
            };
            let Some(key) = secret.strip_prefix(SECRET_PREFIX) else {
                return Err(invalid(format!(
                    "{which}must be a Standard Webhooks secret starting with {SECRET_PREFIX}"
                )));
            };
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(key)
                .map_err(|_| {
                    invalid(format!(
                        "{which}the part after {SECRET_PREFIX} is not base64"
                    ))
                })?;
            // The specification asks for 24 to 64 bytes of key.
            if !(24..=64).contains(&bytes.len()) {
                return Err(invalid(format!(
                    "{which}decodes to {} bytes; Standard Webhooks secrets are 24 to 64 bytes",
                    bytes.len()
                )));
            }
        }
        Ok(Self(keys.join(" ")))
    }

    /// The secret as configured, `whsec_` prefixes included, keys separated
    /// by one space.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Each key, in the order configured.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.split(' ')
    }
}

impl fmt::Debug for ForwardSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ForwardSecret(<redacted>)")
    }
}

/// Marks a listed type as one this build's models do not know yet, so that
/// it is taken rather than refused as a typo: `new:QUEST_COMPLETED`.
pub const NEW_TYPE_PREFIX: &str = "new:";

/// Which event types a destination takes: every type (but interactions,
/// which carry a reply token and go only where a list names them), or a
/// listed few.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeFilter(Option<BTreeSet<String>>);

impl TypeFilter {
    /// Every type.
    pub const ALL: TypeFilter = TypeFilter(None);

    /// Only the `listed` types.
    pub fn only<I: IntoIterator<Item = S>, S: Into<String>>(listed: I) -> Self {
        Self(Some(listed.into_iter().map(Into::into).collect()))
    }

    /// True when events of `event_type` go through.
    pub fn accepts(&self, event_type: &str) -> bool {
        match &self.0 {
            Some(listed) => listed.contains(event_type),
            None => Sender::of_event_type(event_type) != Some(Sender::DiscordInteraction),
        }
    }

    /// Listed types no sender is known to send: types newer than this build,
    /// named on purpose with the [`NEW_TYPE_PREFIX`] (a name without it that
    /// no sender knows is refused at cold start), worth a warning.
    pub fn unknown_types(&self) -> Vec<&str> {
        self.0
            .iter()
            .flatten()
            .filter(|name| Sender::of_event_type(name).is_none())
            .map(String::as_str)
            .collect()
    }

    /// Parses a comma-separated list of `SCREAMING_SNAKE_CASE` type names. A
    /// name no sender is known to send is refused, since a typo
    /// (`ENTITLEMENT_CREATED`) would send nothing while every record
    /// "succeeds"; a type newer than this build is named with the
    /// [`NEW_TYPE_PREFIX`] (`new:QUEST_COMPLETED`).
    fn parse(get: &Lookup<'_>, variable: &'static str) -> Result<Self, ConfigError> {
        let Some(text) = get(variable) else {
            return Ok(Self::ALL);
        };
        let listed: Vec<&str> = text
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .collect();
        if let Some(typo) = listed.iter().find(|name| {
            !name.starts_with(NEW_TYPE_PREFIX) && Sender::of_event_type(name).is_none()
        }) {
            return Err(ConfigError::Invalid {
                variable,
                reason: format!(
                    "{typo:?} is not a type any sender sends (a typo?); \
                     name a type newer than this build as {NEW_TYPE_PREFIX}{typo}"
                ),
            });
        }
        let names: BTreeSet<String> = listed
            .iter()
            .map(|name| {
                name.strip_prefix(NEW_TYPE_PREFIX)
                    .unwrap_or(name)
                    .to_owned()
            })
            .collect();
        if names.is_empty() {
            return Err(ConfigError::Invalid {
                variable,
                reason: "lists no event type; unset it to take every type".into(),
            });
        }
        if let Some(bad) = names.iter().find(|name| {
            !name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        }) {
            return Err(ConfigError::Invalid {
                variable,
                reason: format!(
                    "{bad:?} is not an event type: expected SCREAMING_SNAKE_CASE names, \
                     comma-separated, e.g. ENTITLEMENT_CREATE,CREATE_SWITCH"
                ),
            });
        }
        Ok(Self(Some(names)))
    }
}

impl DestinationsConfig {
    /// Parses the destinations' variables; every error names its variable.
    pub fn from_lookup(get: &Lookup<'_>) -> Result<Self, ConfigError> {
        let event_bus = match get(EVENT_BUS_NAME) {
            None => None,
            Some(bus) => Some(EventBusConfig {
                bus: bus.trim().to_owned(),
                types: TypeFilter::parse(get, EVENT_BUS_TYPES)?,
                interaction_token: match get(EVENT_BUS_INTERACTION_TOKEN).as_deref().map(str::trim)
                {
                    None | Some("false") => false,
                    Some("true") => true,
                    Some(_) => {
                        return Err(ConfigError::Invalid {
                            variable: EVENT_BUS_INTERACTION_TOKEN,
                            reason: "expected true or false".into(),
                        })
                    }
                },
            }),
        };
        let forward = match get(FORWARD_URL) {
            None if get(FORWARD_SECRET).is_some() || get(FORWARD_SECRET_PARAMETER).is_some() => {
                return Err(ConfigError::Invalid {
                    variable: FORWARD_SECRET,
                    reason: format!(
                        "(or {FORWARD_SECRET_PARAMETER}) is set but {FORWARD_URL} is not, so nothing would be sent"
                    ),
                })
            }
            None => None,
            Some(url) => Some(ForwardConfig {
                url: parse_url(&url)?,
                secret: parse_secret(get)?,
                timeout: parse_timeout(get)?,
                types: TypeFilter::parse(get, FORWARD_EVENT_TYPES)?,
            }),
        };
        Ok(Self { event_bus, forward })
    }

    /// Settings that work but are probably mistakes.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        let filters = [
            (
                EVENT_BUS_TYPES,
                self.event_bus.as_ref().map(|bus| &bus.types),
            ),
            (
                FORWARD_EVENT_TYPES,
                self.forward.as_ref().map(|forward| &forward.types),
            ),
        ];
        for (variable, filter) in filters {
            let unknown = filter.map(TypeFilter::unknown_types).unwrap_or_default();
            if !unknown.is_empty() {
                warnings.push(format!(
                    "{variable} lists types this build's senders do not know: {}",
                    unknown.join(", ")
                ));
            }
        }
        if let Some(forward) = &self.forward {
            if forward.url.scheme() == "http" && !is_loopback(&forward.url) {
                warnings.push(format!(
                    "{FORWARD_URL} is plain http to a non-local host: events travel unencrypted"
                ));
            }
        }
        warnings
    }
}

fn parse_url(text: &str) -> Result<url::Url, ConfigError> {
    // The reason never quotes the URL: it may carry credentials or a token.
    let invalid = |reason: &str| ConfigError::Invalid {
        variable: FORWARD_URL,
        reason: reason.into(),
    };
    let url = url::Url::parse(text.trim())
        .map_err(|error| invalid(&format!("not an absolute URL ({error})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("must be an http:// or https:// URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("has no host"));
    }
    Ok(url)
}

fn parse_secret(get: &Lookup<'_>) -> Result<SecretSetting, ConfigError> {
    match (get(FORWARD_SECRET), get(FORWARD_SECRET_PARAMETER)) {
        (Some(_), Some(_)) => Err(ConfigError::Invalid {
            variable: FORWARD_SECRET,
            reason: format!(
                "is set together with {FORWARD_SECRET_PARAMETER}; set only one (the parameter when deployed)"
            ),
        }),
        (Some(text), None) => ForwardSecret::parse(&text, FORWARD_SECRET).map(SecretSetting::Value),
        (None, Some(name)) => Ok(SecretSetting::Parameter(name.trim().to_owned())),
        (None, None) => Err(ConfigError::Missing {
            variable: FORWARD_SECRET,
        }),
    }
}

fn parse_timeout(get: &Lookup<'_>) -> Result<Duration, ConfigError> {
    let timeout = parse_millis(get, FORWARD_TIMEOUT_MS)?.unwrap_or(DEFAULT_FORWARD_TIMEOUT);
    if timeout > FORWARD_TIMEOUT_LIMIT {
        return Err(ConfigError::Invalid {
            variable: FORWARD_TIMEOUT_MS,
            reason: format!(
                "must be at most {} ms, below the processor's function timeout",
                FORWARD_TIMEOUT_LIMIT.as_millis()
            ),
        });
    }
    Ok(timeout)
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn every_type_means_every_type_but_interactions_which_go_only_where_named() {
        assert!(TypeFilter::ALL.accepts("ENTITLEMENT_CREATE"));
        assert!(TypeFilter::ALL.accepts("A_TYPE_NOBODY_KNOWS_YET"));
        assert!(!TypeFilter::ALL.accepts("APPLICATION_COMMAND"));
        assert!(!TypeFilter::ALL.accepts("MESSAGE_COMPONENT"));
        assert!(TypeFilter::only(["APPLICATION_COMMAND"]).accepts("APPLICATION_COMMAND"));
    }

    use super::*;
    use std::collections::HashMap;

    const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

    fn read(vars: &[(&str, &str)]) -> Result<DestinationsConfig, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        DestinationsConfig::from_lookup(&|name: &str| {
            map.get(name).cloned().filter(|v| !v.trim().is_empty())
        })
    }

    #[test]
    fn nothing_set_turns_every_destination_off() {
        let config = read(&[]).unwrap();
        assert!(config.event_bus.is_none() && config.forward.is_none());
        assert!(config.warnings().is_empty());
    }

    #[test]
    fn a_bus_takes_every_type_unless_listed() {
        let all = read(&[(EVENT_BUS_NAME, "switchboard-dev")]).unwrap();
        let bus = all.event_bus.unwrap();
        assert_eq!(bus.bus, "switchboard-dev");
        assert!(bus.types.accepts("ENTITLEMENT_CREATE") && bus.types.accepts("NEW_TYPE"));

        let some = read(&[
            (EVENT_BUS_NAME, "b"),
            (EVENT_BUS_TYPES, " ENTITLEMENT_CREATE, CREATE_SWITCH ,"),
        ])
        .unwrap();
        let types = some.event_bus.unwrap().types;
        assert!(types.accepts("ENTITLEMENT_CREATE") && types.accepts("CREATE_SWITCH"));
        assert!(!types.accepts("UPDATE_MEMBER"));
    }

    #[test]
    fn a_forward_has_defaults_and_redacts_its_secret() {
        let config = read(&[
            (FORWARD_URL, "https://hooks.example.com/in"),
            (FORWARD_SECRET, SECRET),
        ])
        .unwrap();
        let forward = config.forward.unwrap();
        assert_eq!(forward.timeout, DEFAULT_FORWARD_TIMEOUT);
        assert_eq!(forward.types, TypeFilter::ALL);
        let SecretSetting::Value(secret) = &forward.secret else {
            panic!("a value")
        };
        assert_eq!(secret.expose(), SECRET);
        let debug = format!("{forward:?}");
        assert!(!debug.contains("C2FVsBQIhrsc"), "{debug}");
        let with_credentials = read(&[
            (
                FORWARD_URL,
                "https://user:hunter2@hooks.example.com/in?key=k3y",
            ),
            (FORWARD_SECRET, SECRET),
        ])
        .unwrap();
        let debug = format!("{with_credentials:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("k3y"),
            "{debug}"
        );
        assert!(debug.contains("hooks.example.com"), "{debug}");
    }

    #[test]
    fn errors_name_the_variable_and_never_quote_the_secret() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[
                    (FORWARD_URL, "hooks.example.com/in"),
                    (FORWARD_SECRET, SECRET),
                ],
                FORWARD_URL,
            ),
            (
                &[
                    (FORWARD_URL, "ftp://hooks.example.com/"),
                    (FORWARD_SECRET, SECRET),
                ],
                FORWARD_URL,
            ),
            (&[(FORWARD_URL, "https://example.com/")], FORWARD_SECRET),
            (
                &[
                    (FORWARD_URL, "https://example.com/"),
                    (FORWARD_SECRET, "C2FVsBQIhrscChlQIMV+b5sSYspob7oD"),
                ],
                FORWARD_SECRET,
            ),
            (
                &[
                    (FORWARD_URL, "https://example.com/"),
                    (FORWARD_SECRET, "whsec_not*base64"),
                ],
                FORWARD_SECRET,
            ),
            (
                &[
                    (FORWARD_URL, "https://example.com/"),
                    (FORWARD_SECRET, "whsec_c2hvcnQ="),
                ],
                FORWARD_SECRET,
            ),
            (&[(FORWARD_SECRET, SECRET)], FORWARD_SECRET),
            (
                &[
                    (FORWARD_URL, "https://example.com/"),
                    (FORWARD_SECRET, SECRET),
                    (FORWARD_TIMEOUT_MS, "30000"),
                ],
                FORWARD_TIMEOUT_MS,
            ),
            (
                &[
                    (FORWARD_URL, "https://example.com/"),
                    (FORWARD_SECRET, SECRET),
                    (FORWARD_TIMEOUT_MS, "0"),
                ],
                FORWARD_TIMEOUT_MS,
            ),
            (
                &[
                    (FORWARD_URL, "https://example.com/"),
                    (FORWARD_SECRET, SECRET),
                    (FORWARD_EVENT_TYPES, "entitlement_create"),
                ],
                FORWARD_EVENT_TYPES,
            ),
            (
                &[(EVENT_BUS_NAME, "b"), (EVENT_BUS_TYPES, " , ")],
                EVENT_BUS_TYPES,
            ),
        ];
        for (vars, variable) in cases {
            let message = read(vars).unwrap_err().to_string();
            assert!(message.starts_with(variable), "{vars:?}: {message}");
            assert!(!message.contains("C2FVsBQIhrsc"), "{message}");
        }
    }

    #[test]
    fn a_rotation_lists_two_keys_and_each_is_checked() {
        const NEXT: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let both = ForwardSecret::parse(&format!("  {SECRET}\n{NEXT} "), FORWARD_SECRET).unwrap();
        assert_eq!(both.keys().collect::<Vec<_>>(), [SECRET, NEXT]);
        assert_eq!(both.expose(), format!("{SECRET} {NEXT}"));
        let bad_second = ForwardSecret::parse(&format!("{SECRET} whsec_c2hvcnQ="), FORWARD_SECRET)
            .unwrap_err()
            .to_string();
        assert!(bad_second.contains("key 2 of 2"), "{bad_second}");
        assert!(!bad_second.contains("C2FVsBQIhrsc"), "{bad_second}");
        let empty = ForwardSecret::parse(" \n ", FORWARD_SECRET)
            .unwrap_err()
            .to_string();
        assert!(empty.starts_with(FORWARD_SECRET), "{empty}");
    }

    #[test]
    fn the_secret_can_come_from_a_parameter_but_not_from_both() {
        let config = read(&[
            (FORWARD_URL, "https://example.com/"),
            (FORWARD_SECRET_PARAMETER, "/switchboard/s/forward-secret"),
        ])
        .unwrap();
        assert!(matches!(
            config.forward.unwrap().secret,
            SecretSetting::Parameter(name) if name == "/switchboard/s/forward-secret"
        ));
        let both = read(&[
            (FORWARD_URL, "https://example.com/"),
            (FORWARD_SECRET, SECRET),
            (FORWARD_SECRET_PARAMETER, "/p"),
        ])
        .unwrap_err()
        .to_string();
        assert!(
            both.contains(FORWARD_SECRET_PARAMETER) && !both.contains("C2FVsBQIhrsc"),
            "{both}"
        );
    }

    #[test]
    fn the_timeout_limit_is_accepted_a_typo_refused_and_a_new_type_warns() {
        for variable in [FORWARD_EVENT_TYPES, EVENT_BUS_TYPES] {
            let typo = read(&[
                (FORWARD_URL, "http://example.com/"),
                (FORWARD_SECRET, SECRET),
                (EVENT_BUS_NAME, "bus"),
                (variable, "ENTITLEMENT_CREATE,ENTITLEMENT_CREATED"),
            ])
            .unwrap_err()
            .to_string();
            assert!(
                typo.contains(variable)
                    && typo.contains("ENTITLEMENT_CREATED")
                    && typo.contains("new:"),
                "{typo}"
            );
        }
        let config = read(&[
            (FORWARD_URL, "http://example.com/"),
            (FORWARD_SECRET, SECRET),
            (FORWARD_TIMEOUT_MS, "25000"),
            (
                FORWARD_EVENT_TYPES,
                "ENTITLEMENT_CREATE,new:ENTITLEMNT_DELETE",
            ),
        ])
        .unwrap();
        assert!(config
            .forward
            .as_ref()
            .unwrap()
            .types
            .accepts("ENTITLEMNT_DELETE"));
        assert_eq!(
            config.forward.as_ref().unwrap().timeout,
            FORWARD_TIMEOUT_LIMIT
        );
        let warnings = config.warnings();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0].contains("ENTITLEMNT_DELETE")
                && !warnings[0].contains("ENTITLEMENT_CREATE")
        );
        assert!(warnings[1].contains("unencrypted"));
        let local = read(&[
            (FORWARD_URL, "http://127.0.0.1:9700/"),
            (FORWARD_SECRET, SECRET),
        ])
        .unwrap();
        assert!(local.warnings().is_empty());
    }
}
