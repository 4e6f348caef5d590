//! The one notion of "which sender": the route a request came in on, the
//! envelope's `source`, and what the CLI sends as. Adding a sender starts here;
//! the compiler then points at every match that needs an arm.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{discord, interactions, pluralkit};

/// A webhook sender switchboard accepts events from.
///
/// Serialized as the envelope's `source` field (`"discord"`,
/// `"discord_interaction"`, `"pluralkit"`), which is a public contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sender {
    /// Discord webhook events, signed with Ed25519.
    Discord,
    /// Discord interactions (slash commands, components, modals): Discord's
    /// keys and signature, their own route, answered with a JSON body.
    DiscordInteraction,
    /// PluralKit dispatch, authenticated by a shared signing token in the body.
    Pluralkit,
}

/// What makes two of a sender's events the same event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    /// The content: the sender retries with the same body, and each real event
    /// differs (Discord's `event.timestamp`).
    Content,
    /// The accepted request: the sender never retries, and identical bodies
    /// are distinct events.
    Request,
    /// The sender's own id for the event (an interaction's `id`): Discord
    /// does not retry interactions, and a reply must not be sent twice.
    SenderId,
}

impl Sender {
    /// Every sender, in a stable order.
    pub const ALL: [Sender; 3] = [
        Sender::Discord,
        Sender::DiscordInteraction,
        Sender::Pluralkit,
    ];

    /// The name: the envelope's `source` and the fixtures' folder.
    pub const fn as_str(self) -> &'static str {
        match self {
            Sender::Discord => "discord",
            Sender::DiscordInteraction => "discord_interaction",
            Sender::Pluralkit => "pluralkit",
        }
    }

    /// The sender's route: `/discord`, `/discord/interactions`, `/pluralkit`.
    pub const fn path(self) -> &'static str {
        match self {
            Sender::Discord => "/discord",
            Sender::DiscordInteraction => "/discord/interactions",
            Sender::Pluralkit => "/pluralkit",
        }
    }

    /// Finds the sender for a route path (see [`Sender::path`]), with or
    /// without a trailing slash. The adapter has already taken off the stage
    /// its request context names; any other prefix is another path.
    pub fn from_path(path: &str) -> Option<Sender> {
        let path = match path.strip_suffix('/') {
            Some(rest) if !rest.is_empty() => rest,
            _ => path,
        };
        Sender::ALL.into_iter().find(|sender| sender.path() == path)
    }

    /// The one success status the sender accepts: Discord wants 204 for
    /// webhook events and 200 with a JSON body for interactions, PluralKit
    /// exactly 200 (a 204 counts as a failure there).
    pub const fn success_status(self) -> u16 {
        match self {
            Sender::Discord => 204,
            Sender::DiscordInteraction | Sender::Pluralkit => 200,
        }
    }

    /// What makes two of this sender's deliveries the same event.
    pub const fn identity(self) -> Identity {
        match self {
            Sender::Discord => Identity::Content,
            Sender::DiscordInteraction => Identity::SenderId,
            Sender::Pluralkit => Identity::Request,
        }
    }

    /// The sender that sends `event_type`, when one of them knows it.
    pub fn of_event_type(event_type: &str) -> Option<Sender> {
        Sender::ALL.into_iter().find(|sender| {
            sender
                .event_type_names()
                .into_iter()
                .any(|known| known == event_type)
        })
    }

    /// The names of the event types the sender really sends, in its order.
    pub fn event_type_names(self) -> Vec<&'static str> {
        match self {
            Sender::Discord => discord::EventType::ALL.iter().map(|t| t.as_str()).collect(),
            Sender::DiscordInteraction => interactions::EventType::QUEUED
                .iter()
                .map(|t| t.as_str())
                .collect(),
            Sender::Pluralkit => pluralkit::EventType::ALL
                .iter()
                .map(|t| t.as_str())
                .collect(),
        }
    }
}

impl fmt::Display for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_exact_paths_only() {
        assert_eq!(Sender::from_path("/discord"), Some(Sender::Discord));
        assert_eq!(Sender::from_path("/pluralkit"), Some(Sender::Pluralkit));
        assert_eq!(Sender::from_path("/discord/"), Some(Sender::Discord));
        assert_eq!(
            Sender::from_path("/prod/pluralkit"),
            None,
            "stages are the adapter's"
        );
        assert_eq!(Sender::from_path("/evil/discord"), None);
        assert_eq!(Sender::from_path("/a/b/discord"), None);
        assert_eq!(Sender::from_path("/"), None);
        assert_eq!(Sender::from_path("/discordx"), None);
        assert_eq!(Sender::from_path("discord"), None);
        assert_eq!(Sender::from_path("/discord//"), None);
        assert_eq!(
            Sender::from_path("/discord/interactions"),
            Some(Sender::DiscordInteraction)
        );
        assert_eq!(
            Sender::from_path("/discord/interactions/"),
            Some(Sender::DiscordInteraction)
        );
        assert_eq!(Sender::from_path("/discord/interactions/x"), None);
        assert_eq!(Sender::from_path("/discord_interaction"), None);
    }

    #[test]
    fn serializes_as_the_envelope_source() {
        for sender in Sender::ALL {
            assert_eq!(
                serde_json::to_string(&sender).unwrap(),
                format!("\"{}\"", sender.as_str())
            );
        }
    }

    #[test]
    fn finds_the_sender_of_an_event_type() {
        assert_eq!(
            Sender::of_event_type("ENTITLEMENT_CREATE"),
            Some(Sender::Discord)
        );
        assert_eq!(
            Sender::of_event_type("CREATE_SWITCH"),
            Some(Sender::Pluralkit)
        );
        assert_eq!(Sender::of_event_type("ENTITLEMENT_CRATE"), None);
        assert_eq!(
            Sender::of_event_type("APPLICATION_COMMAND"),
            Some(Sender::DiscordInteraction)
        );
        assert_eq!(Sender::DiscordInteraction.event_type_names().len(), 4);
        assert_eq!(Sender::Discord.event_type_names().len(), 12);
        assert_eq!(Sender::Pluralkit.event_type_names().len(), 20);
    }

    #[test]
    fn event_types_are_screaming_snake_case_on_the_wire_and_keep_unknown_ones() {
        for kind in discord::EventType::ALL {
            let wire = serde_json::to_string(kind).unwrap();
            assert_eq!(wire, format!("\"{}\"", kind.as_str()));
            assert_eq!(
                &serde_json::from_str::<discord::EventType>(&wire).unwrap(),
                kind
            );
            assert_eq!(&discord::EventType::from(kind.as_str()), kind);
        }
        for kind in pluralkit::EventType::ALL {
            let wire = serde_json::to_string(kind).unwrap();
            assert_eq!(wire, format!("\"{}\"", kind.as_str()));
            assert_eq!(
                &serde_json::from_str::<pluralkit::EventType>(&wire).unwrap(),
                kind
            );
        }
        let unknown: pluralkit::EventType =
            serde_json::from_str("\"UPDATE_GROUP_MEMBERS\"").unwrap();
        assert_eq!(
            unknown,
            pluralkit::EventType::Unknown("UPDATE_GROUP_MEMBERS".into())
        );
        assert!(unknown.is_unknown());
        assert_eq!(
            serde_json::to_string(&unknown).unwrap(),
            "\"UPDATE_GROUP_MEMBERS\""
        );
    }
}
