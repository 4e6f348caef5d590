//! The ingest decision: given one HTTP request, what to answer and what, if
//! anything, to queue first. Pure: no I/O, and the clock is passed in.

use std::time::Duration;

use chrono::{DateTime, Utc};
use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::config::Config;
use crate::discord::events::WEBHOOK_TYPE_PING;
use crate::discord::verify::verify_discord_request;
use crate::envelope::{Envelope, Source};
use crate::json_limits::check_json_limits;
use crate::pluralkit::verify::SIGNING_TOKEN_FIELD;
use crate::queue::{MessageAttribute, QueuedEvent};
use crate::rejection::Rejection;

/// The two webhook routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    Discord,
    Pluralkit,
}

impl Route {
    /// Finds the route for a path: `/discord` or `/pluralkit`, optionally behind
    /// one stage prefix (`/prod/discord`) and with a trailing slash.
    pub fn from_path(path: &str) -> Option<Route> {
        let mut segments = path.trim_matches('/').split('/').rev();
        let last = segments.next()?;
        if segments.count() > 1 {
            return None;
        }
        match last {
            "discord" => Some(Route::Discord),
            "pluralkit" => Some(Route::Pluralkit),
            _ => None,
        }
    }

    pub fn source(self) -> Source {
        match self {
            Route::Discord => Source::Discord,
            Route::Pluralkit => Source::Pluralkit,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.source().as_str()
    }

    /// The one success status each sender accepts: Discord wants 204, PluralKit
    /// exactly 200 (a 204 counts as a failure there).
    pub fn success_status(self) -> u16 {
        match self {
            Route::Discord => 204,
            Route::Pluralkit => 200,
        }
    }
}

/// One request as the HTTP adapter saw it, body already base64-decoded.
#[derive(Debug, Clone, Copy)]
pub struct IngestRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub headers: &'a [(&'a str, &'a [u8])],
    pub body: &'a [u8],
}

/// What to do with a request.
#[derive(Debug)]
pub enum Decision {
    /// Refuse with the rejection's status; queue nothing.
    Reject {
        route: Option<Route>,
        rejection: Rejection,
    },
    /// A valid PING: answer the route's success status; queue nothing.
    AcknowledgePing { route: Route },
    /// A valid event: answer the route's success status only once the queue holds it.
    Enqueue {
        route: Route,
        event: Box<QueuedEvent>,
        deadline: Duration,
    },
}

impl Decision {
    pub fn route(&self) -> Option<Route> {
        match self {
            Decision::Reject { route, .. } => *route,
            Decision::AcknowledgePing { route } | Decision::Enqueue { route, .. } => Some(*route),
        }
    }
}

pub fn decide(config: &Config, request: &IngestRequest<'_>, now: DateTime<Utc>) -> Decision {
    let Some(route) = Route::from_path(request.path) else {
        return Decision::Reject {
            route: None,
            rejection: Rejection::NotFound,
        };
    };
    let reject = |rejection| Decision::Reject {
        route: Some(route),
        rejection,
    };
    if !request.method.eq_ignore_ascii_case("POST") {
        return reject(Rejection::MethodNotAllowed);
    }
    // Before any crypto or parsing, so a large body costs nothing.
    if request.body.len() > config.max_body_bytes {
        return reject(Rejection::BodyTooLarge);
    }
    let decided = match route {
        Route::Discord => decide_discord(config, request, now),
        Route::Pluralkit => decide_pluralkit(config, request, now),
    };
    decided.unwrap_or_else(reject)
}

/// What ingest needs from a Discord body, borrowed from it.
#[derive(Deserialize)]
struct DiscordHead<'a> {
    #[serde(rename = "type")]
    webhook_type: u64,
    #[serde(borrow)]
    application_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    event: Option<DiscordEventHead<'a>>,
}

#[derive(Deserialize)]
struct DiscordEventHead<'a> {
    #[serde(rename = "type", borrow)]
    event_type: Cow<'a, str>,
}

fn decide_discord(
    config: &Config,
    request: &IngestRequest<'_>,
    now: DateTime<Utc>,
) -> Result<Decision, Rejection> {
    let discord = config
        .discord
        .as_ref()
        .ok_or(Rejection::SenderNotConfigured)?;
    verify_discord_request(
        &discord.public_keys,
        discord.replay_window,
        request.headers.iter().copied(),
        request.body,
        now.timestamp(),
    )?;
    check_json_limits(request.body).map_err(|_| Rejection::InvalidJson)?;
    let head: DiscordHead<'_> =
        serde_json::from_slice(request.body).map_err(|_| Rejection::InvalidJson)?;
    if head.webhook_type == u64::from(WEBHOOK_TYPE_PING) {
        return Ok(Decision::AcknowledgePing {
            route: Route::Discord,
        });
    }
    let event_type = head
        .event
        .ok_or(Rejection::InvalidJson)?
        .event_type
        .into_owned();
    let application_id = head.application_id;
    let text = std::str::from_utf8(request.body).map_err(|_| Rejection::InvalidJson)?;
    let payload =
        RawValue::from_string(text.trim().to_owned()).map_err(|_| Rejection::InvalidJson)?;

    let mut attributes = base_attributes(Source::Discord, &event_type);
    if let Some(application_id) = application_id.filter(|id| !id.is_empty()) {
        attributes.push(MessageAttribute {
            name: "application_id",
            value: application_id.into_owned(),
        });
    }
    let envelope = Envelope::new(Source::Discord, event_type, now, payload);
    Ok(Decision::Enqueue {
        route: Route::Discord,
        event: Box::new(QueuedEvent {
            envelope,
            attributes,
        }),
        deadline: discord.enqueue_deadline,
    })
}

fn decide_pluralkit(
    config: &Config,
    request: &IngestRequest<'_>,
    now: DateTime<Utc>,
) -> Result<Decision, Rejection> {
    let pluralkit = config
        .pluralkit
        .as_ref()
        .ok_or(Rejection::SenderNotConfigured)?;
    check_json_limits(request.body).map_err(|_| Rejection::InvalidJson)?;
    // Top-level keys with their values kept as raw text, so removing the token
    // leaves every other byte of every value as PluralKit sent it.
    let mut fields: std::collections::BTreeMap<String, Box<RawValue>> =
        serde_json::from_slice(request.body).map_err(|_| Rejection::InvalidJson)?;
    let token = fields
        .remove(SIGNING_TOKEN_FIELD)
        .ok_or(Rejection::MissingToken)?;
    let token: &str = serde_json::from_str::<Option<&str>>(token.get())
        .ok()
        .flatten()
        .ok_or(Rejection::MissingToken)?;
    if !pluralkit.signing_tokens.matches(token) {
        return Err(Rejection::BadToken);
    }
    let event_type: String = fields
        .get("type")
        .and_then(|raw| serde_json::from_str(raw.get()).ok())
        .ok_or(Rejection::InvalidJson)?;
    if event_type == "PING" {
        return Ok(Decision::AcknowledgePing {
            route: Route::Pluralkit,
        });
    }
    let system_id: Option<String> = fields
        .get("system_id")
        .and_then(|raw| serde_json::from_str::<Option<String>>(raw.get()).ok())
        .flatten();
    let payload = serde_json::value::to_raw_value(&fields).map_err(|_| Rejection::InvalidJson)?;

    let mut attributes = base_attributes(Source::Pluralkit, &event_type);
    if let Some(system_id) = system_id.filter(|id| !id.is_empty()) {
        attributes.push(MessageAttribute {
            name: "system_id",
            value: system_id,
        });
    }
    let envelope = Envelope::new(Source::Pluralkit, event_type, now, payload);
    Ok(Decision::Enqueue {
        route: Route::Pluralkit,
        event: Box::new(QueuedEvent {
            envelope,
            attributes,
        }),
        deadline: pluralkit.enqueue_deadline,
    })
}

fn base_attributes(source: Source, event_type: &str) -> Vec<MessageAttribute> {
    let mut attributes = vec![MessageAttribute {
        name: "source",
        value: source.as_str().to_owned(),
    }];
    // SQS refuses empty attribute values.
    if !event_type.is_empty() {
        attributes.push(MessageAttribute {
            name: "event_type",
            value: event_type.to_owned(),
        });
    }
    attributes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_with_and_without_a_stage() {
        assert_eq!(Route::from_path("/discord"), Some(Route::Discord));
        assert_eq!(Route::from_path("/prod/pluralkit"), Some(Route::Pluralkit));
        assert_eq!(Route::from_path("/discord/"), Some(Route::Discord));
        assert_eq!(Route::from_path("/a/b/discord"), None);
        assert_eq!(Route::from_path("/"), None);
        assert_eq!(Route::from_path("/discordx"), None);
    }
}
