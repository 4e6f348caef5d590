//! A queued interaction, decoded for the processor: what routes it (type,
//! command name, `custom_id`), the token it is replied to with (kept apart,
//! never printed), and the whole interaction in twilight's model, or its raw
//! JSON when it does not fit that model.
//!
//! Why twilight-model: it is the maintained Rust model of Discord's types
//! (commands with options, components with values, modal fields, members,
//! entitlements), so switchboard does not hand-write Discord's schema. What
//! it cannot decode (a field Discord added in a shape twilight does not know
//! yet) is kept raw rather than refused, as every sender's unknown events are.

use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use twilight_model::application::interaction::{
    Interaction as TwilightInteraction, InteractionData,
};

use super::event_type::EventType;

/// The interaction's token: a bearer credential for 15 minutes.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Token(pub(crate) Arc<str>);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// The interaction itself.
#[derive(Clone, PartialEq)]
pub enum InteractionBody {
    /// Decoded into twilight's model, its `token` emptied.
    Typed(Box<TwilightInteraction>),
    /// Did not fit twilight's model: the JSON as sent, without `token`.
    Raw(serde_json::Value),
}

/// A Discord interaction from the queue.
#[derive(Clone, PartialEq)]
pub struct Interaction {
    /// The interaction's id (a snowflake: its creation time).
    pub id: String,
    /// The application the interaction is for.
    pub application_id: String,
    /// Its type.
    pub kind: EventType,
    /// A command's name.
    pub command_name: Option<String>,
    /// A component's or a modal's `custom_id`.
    pub custom_id: Option<String>,
    /// The whole interaction.
    pub body: InteractionBody,
    pub(crate) token: Token,
}

impl fmt::Debug for Interaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Ids and names only: the body holds what users typed.
        f.debug_struct("Interaction")
            .field("id", &self.id)
            .field("application_id", &self.application_id)
            .field("kind", &self.kind)
            .field("command_name", &self.command_name)
            .field("custom_id", &self.custom_id)
            .field("typed", &matches!(self.body, InteractionBody::Typed(_)))
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Head {
    #[serde(rename = "type")]
    kind: u64,
    id: String,
    application_id: String,
    token: String,
    #[serde(default)]
    data: Option<DataHead>,
}

#[derive(Deserialize)]
struct DataHead {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    custom_id: Option<String>,
}

impl Interaction {
    /// Decodes a queued interaction. Only the routing fields must be there
    /// (ingest refused anything without them); the rest decodes into
    /// twilight's model, or stays raw.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        let head: Head = serde_json::from_str(text)?;
        let body = match serde_json::from_str::<TwilightInteraction>(text) {
            Ok(mut typed) => {
                typed.token.clear();
                InteractionBody::Typed(Box::new(typed))
            }
            Err(_) => {
                let mut raw: serde_json::Value = serde_json::from_str(text)?;
                if let Some(object) = raw.as_object_mut() {
                    object.remove("token");
                }
                InteractionBody::Raw(raw)
            }
        };
        let data = head.data.unwrap_or(DataHead {
            name: None,
            custom_id: None,
        });
        Ok(Self {
            id: head.id,
            application_id: head.application_id,
            kind: EventType::from_code(head.kind),
            command_name: data.name,
            custom_id: data.custom_id,
            body,
            token: Token(head.token.into()),
        })
    }

    /// twilight's model, when the interaction fits it.
    pub fn typed(&self) -> Option<&TwilightInteraction> {
        match &self.body {
            InteractionBody::Typed(typed) => Some(typed),
            InteractionBody::Raw(_) => None,
        }
    }

    /// The command's data (name, options, resolved values), for a command
    /// or its autocomplete.
    pub fn command(
        &self,
    ) -> Option<&twilight_model::application::interaction::application_command::CommandData> {
        match self.typed()?.data.as_ref()? {
            InteractionData::ApplicationCommand(data) => Some(data),
            _ => None,
        }
    }

    /// A component's data (`custom_id`, its type, the values chosen).
    pub fn component(
        &self,
    ) -> Option<&twilight_model::application::interaction::message_component::MessageComponentInteractionData>
    {
        match self.typed()?.data.as_ref()? {
            InteractionData::MessageComponent(data) => Some(data),
            _ => None,
        }
    }

    /// A modal submit's data (`custom_id`, its fields).
    pub fn modal(
        &self,
    ) -> Option<&twilight_model::application::interaction::modal::ModalInteractionData> {
        match self.typed()?.data.as_ref()? {
            InteractionData::ModalSubmit(data) => Some(data),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_twilight_cannot_read_stays_raw_without_its_token() {
        let text = r#"{"type":2,"id":"1","application_id":"2","token":"SECRET","data":{"name":"ping","options":"not a list"}}"#;
        let interaction = Interaction::from_json(text).unwrap();
        assert_eq!(interaction.kind, EventType::ApplicationCommand);
        assert_eq!(interaction.command_name.as_deref(), Some("ping"));
        match &interaction.body {
            InteractionBody::Raw(raw) => assert!(raw.get("token").is_none()),
            InteractionBody::Typed(_) => panic!("cannot be typed"),
        }
        let printed = format!("{interaction:?}");
        assert!(!printed.contains("SECRET"), "{printed}");
        assert!(Interaction::from_json(r#"{"type":2,"id":"1"}"#).is_err());
    }
}
