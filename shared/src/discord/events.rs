//! Discord webhook event payloads, typed as far as the documentation goes.
//! Every field that can be absent is optional; unknown fields land in `extra`;
//! an event type we do not know parses into [`Event::Unknown`] with its raw data.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::event_type::{decode_data, typed_or_unknown};

use crate::timestamp::{self, SentAt};

/// Webhook type `0`: Discord checking that the URL is alive.
pub const WEBHOOK_TYPE_PING: u64 = 0;
/// Webhook type `1`: an event.
pub const WEBHOOK_TYPE_EVENT: u64 = 1;

/// The outer payload exactly as Discord sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookPayload {
    /// The payload version (1), read leniently: a number or a string of
    /// digits; anything else is `None` rather than an error.
    #[serde(default, deserialize_with = "crate::lenient::number")]
    pub version: Option<u64>,
    /// The application's id (a snowflake).
    pub application_id: Option<String>,
    /// `0` for a PING, `1` for an event; the same width ingest reads.
    #[serde(rename = "type")]
    pub webhook_type: u64,
    /// The event.
    pub event: Option<EventBody>,
    /// Keys this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The inner event object: `{type, timestamp, data?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventBody {
    /// The event type, as sent.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Sent without a time zone; it is UTC. Kept as text when it does not parse.
    pub timestamp: Option<SentAt>,
    /// The event data, as sent.
    pub data: Option<Value>,
    /// Keys this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A webhook event with its data decoded into the type its `event.type` names.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    /// The application's id (a snowflake).
    pub application_id: Option<String>,
    /// When it happened, as Discord wrote it (`.at()` for the time).
    pub timestamp: Option<SentAt>,
    /// The event.
    pub event: Event,
}

/// The typed data of one webhook event, by type.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `APPLICATION_AUTHORIZED`.
    ApplicationAuthorized(ApplicationAuthorized),
    /// `APPLICATION_DEAUTHORIZED`.
    ApplicationDeauthorized(ApplicationDeauthorized),
    /// `ENTITLEMENT_CREATE`.
    EntitlementCreate(Entitlement),
    /// `ENTITLEMENT_UPDATE`.
    EntitlementUpdate(Entitlement),
    /// `ENTITLEMENT_DELETE`.
    EntitlementDelete(Entitlement),
    /// Documented but not deliverable yet; its data has no documented shape.
    QuestUserEnrollment(Option<Value>),
    /// `LOBBY_MESSAGE_CREATE`.
    LobbyMessageCreate(LobbyMessage),
    /// `LOBBY_MESSAGE_UPDATE`.
    LobbyMessageUpdate(LobbyMessage),
    /// `LOBBY_MESSAGE_DELETE`.
    LobbyMessageDelete(LobbyMessageDelete),
    /// `GAME_DIRECT_MESSAGE_CREATE`.
    GameDirectMessageCreate(Message),
    /// `GAME_DIRECT_MESSAGE_UPDATE`.
    GameDirectMessageUpdate(Message),
    /// `GAME_DIRECT_MESSAGE_DELETE`.
    GameDirectMessageDelete(Message),
    /// A type this version does not know. Discord has shipped types in the portal
    /// before documenting them, so these are kept, never refused.
    Unknown {
        /// The type, as sent.
        event_type: String,
        /// The data, as sent.
        data: Option<Value>,
    },
}

crate::event_type::event_types! {
    /// Every Discord webhook event type, as `event.type` names it.
    pub enum EventType {
        /// A user authorized the app (`application.authorized`).
        ApplicationAuthorized = "APPLICATION_AUTHORIZED",
        /// A user removed the app.
        ApplicationDeauthorized = "APPLICATION_DEAUTHORIZED",
        /// An entitlement was created (a purchase or a grant).
        EntitlementCreate = "ENTITLEMENT_CREATE",
        /// An entitlement changed (for example a subscription renewed or ended).
        EntitlementUpdate = "ENTITLEMENT_UPDATE",
        /// An entitlement was deleted.
        EntitlementDelete = "ENTITLEMENT_DELETE",
        /// A user enrolled in a quest.
        QuestUserEnrollment = "QUEST_USER_ENROLLMENT",
        /// A message was sent in a lobby.
        LobbyMessageCreate = "LOBBY_MESSAGE_CREATE",
        /// A lobby message was edited.
        LobbyMessageUpdate = "LOBBY_MESSAGE_UPDATE",
        /// A lobby message was deleted.
        LobbyMessageDelete = "LOBBY_MESSAGE_DELETE",
        /// A direct message was sent during a Social SDK session.
        GameDirectMessageCreate = "GAME_DIRECT_MESSAGE_CREATE",
        /// Such a direct message was edited.
        GameDirectMessageUpdate = "GAME_DIRECT_MESSAGE_UPDATE",
        /// Such a direct message was deleted.
        GameDirectMessageDelete = "GAME_DIRECT_MESSAGE_DELETE",
    }
}

impl Event {
    /// Decodes `data` into the model of the type named by `event_type`; an
    /// error when it does not fit that model.
    pub fn from_parts(event_type: &str, data: Option<&Value>) -> Result<Self, serde_json::Error> {
        Ok(match EventType::from(event_type) {
            EventType::ApplicationAuthorized => Event::ApplicationAuthorized(decode_data(data)?),
            EventType::ApplicationDeauthorized => {
                Event::ApplicationDeauthorized(decode_data(data)?)
            }
            EventType::EntitlementCreate => Event::EntitlementCreate(decode_data(data)?),
            EventType::EntitlementUpdate => Event::EntitlementUpdate(decode_data(data)?),
            EventType::EntitlementDelete => Event::EntitlementDelete(decode_data(data)?),
            EventType::QuestUserEnrollment => Event::QuestUserEnrollment(data.cloned()),
            EventType::LobbyMessageCreate => Event::LobbyMessageCreate(decode_data(data)?),
            EventType::LobbyMessageUpdate => Event::LobbyMessageUpdate(decode_data(data)?),
            EventType::LobbyMessageDelete => Event::LobbyMessageDelete(decode_data(data)?),
            EventType::GameDirectMessageCreate => {
                Event::GameDirectMessageCreate(decode_data(data)?)
            }
            EventType::GameDirectMessageUpdate => {
                Event::GameDirectMessageUpdate(decode_data(data)?)
            }
            EventType::GameDirectMessageDelete => {
                Event::GameDirectMessageDelete(decode_data(data)?)
            }
            EventType::Unknown(event_type) => Event::Unknown {
                event_type,
                data: data.cloned(),
            },
        })
    }

    /// Decodes like [`Event::from_parts`], and never fails: data that does not
    /// fit its type's model is kept raw in [`Event::Unknown`], so an event
    /// ingest accepted always reaches a handler (the fallback, for these).
    pub fn from_parts_or_unknown(event_type: &str, data: Option<Value>) -> Self {
        let known = !EventType::from(event_type).is_unknown();
        typed_or_unknown(
            known,
            event_type,
            data,
            Self::from_parts,
            |event_type, data| Event::Unknown { event_type, data },
        )
    }

    /// The event's type.
    pub fn kind(&self) -> EventType {
        match self {
            Event::ApplicationAuthorized(_) => EventType::ApplicationAuthorized,
            Event::ApplicationDeauthorized(_) => EventType::ApplicationDeauthorized,
            Event::EntitlementCreate(_) => EventType::EntitlementCreate,
            Event::EntitlementUpdate(_) => EventType::EntitlementUpdate,
            Event::EntitlementDelete(_) => EventType::EntitlementDelete,
            Event::QuestUserEnrollment(_) => EventType::QuestUserEnrollment,
            Event::LobbyMessageCreate(_) => EventType::LobbyMessageCreate,
            Event::LobbyMessageUpdate(_) => EventType::LobbyMessageUpdate,
            Event::LobbyMessageDelete(_) => EventType::LobbyMessageDelete,
            Event::GameDirectMessageCreate(_) => EventType::GameDirectMessageCreate,
            Event::GameDirectMessageUpdate(_) => EventType::GameDirectMessageUpdate,
            Event::GameDirectMessageDelete(_) => EventType::GameDirectMessageDelete,
            Event::Unknown { event_type, .. } => EventType::Unknown(event_type.clone()),
        }
    }

    /// True for a type this version does not know.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Event::Unknown { .. })
    }
}

impl WebhookEvent {
    /// Parses a raw webhook body of type 1 into its typed event.
    pub fn from_json(body: &str) -> Result<Self, serde_json::Error> {
        let payload: WebhookPayload = serde_json::from_str(body)?;
        Self::from_payload(payload)
    }

    /// Decodes an already parsed payload.
    pub fn from_payload(payload: WebhookPayload) -> Result<Self, serde_json::Error> {
        let body = payload.event.ok_or_else(|| {
            <serde_json::Error as serde::de::Error>::custom("webhook event has no `event` object")
        })?;
        Ok(Self {
            application_id: payload.application_id,
            timestamp: body.timestamp,
            event: Event::from_parts_or_unknown(&body.event_type, body.data),
        })
    }
}

/// <https://discord.com/developers/docs/resources/user#user-object> (partial
/// in webhook payloads: the docs' examples even send `{}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// The object's id (a snowflake for Discord, a short id or UUID for PluralKit).
    pub id: Option<String>,
    /// The user name.
    pub username: Option<String>,
    /// The legacy discriminator.
    pub discriminator: Option<String>,
    /// The global display name.
    pub global_name: Option<String>,
    /// The avatar hash.
    pub avatar: Option<String>,
    /// Whether it is a bot.
    pub bot: Option<bool>,
    /// The owning system.
    pub system: Option<bool>,
    /// The banner image's URL.
    pub banner: Option<String>,
    /// The profile accent color.
    pub accent_color: Option<u32>,
    /// The user's public flags.
    pub public_flags: Option<u64>,
    /// Keys this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A server, as partial as the webhook sends it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Guild {
    /// The object's id (a snowflake for Discord, a short id or UUID for PluralKit).
    pub id: Option<String>,
    /// The name.
    pub name: Option<String>,
    /// The icon's URL or hash.
    pub icon: Option<String>,
    /// The owner's id.
    pub owner_id: Option<String>,
    /// The server's features.
    pub features: Option<Vec<String>>,
    /// Keys this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `APPLICATION_AUTHORIZED`: a user or a server installed the app.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApplicationAuthorized {
    /// 0 for a guild install, 1 for a user install.
    pub integration_type: Option<u8>,
    /// The user.
    pub user: Option<User>,
    /// The OAuth2 scopes granted.
    pub scopes: Option<Vec<String>>,
    /// The server.
    pub guild: Option<Guild>,
    /// Keys this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `APPLICATION_DEAUTHORIZED`: a user removed the app.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApplicationDeauthorized {
    /// The user.
    pub user: Option<User>,
    /// Keys this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// <https://discord.com/developers/docs/resources/entitlement#entitlement-object>,
/// plus the fields Discord sends beyond that table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Entitlement {
    /// The object's id (a snowflake for Discord, a short id or UUID for PluralKit).
    pub id: Option<String>,
    /// The SKU's id.
    pub sku_id: Option<String>,
    /// The application's id (a snowflake).
    pub application_id: Option<String>,
    /// The user's id.
    pub user_id: Option<String>,
    /// The server's id (a snowflake).
    pub guild_id: Option<String>,
    /// The entitlement type number.
    #[serde(rename = "type")]
    pub entitlement_type: Option<u8>,
    /// Whether it was deleted.
    pub deleted: Option<bool>,
    /// Whether it was consumed (one-time purchases).
    pub consumed: Option<bool>,
    /// When it starts.
    #[serde(default, with = "timestamp::option")]
    pub starts_at: Option<DateTime<Utc>>,
    /// When it ends.
    #[serde(default, with = "timestamp::option")]
    pub ends_at: Option<DateTime<Utc>>,
    /// Gift code flags.
    pub gift_code_flags: Option<u64>,
    /// The promotion behind it.
    pub promotion_id: Option<String>,
    /// The subscription behind it.
    pub subscription_id: Option<String>,
    /// When it was fulfilled.
    #[serde(default, with = "timestamp::option")]
    pub fulfilled_at: Option<DateTime<Utc>>,
    /// Keys this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A message in a lobby or linked channel.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LobbyMessage {
    /// The object's id (a snowflake for Discord, a short id or UUID for PluralKit).
    pub id: Option<String>,
    /// Discord's message type number.
    #[serde(rename = "type")]
    pub message_type: Option<u32>,
    /// The message text.
    pub content: Option<String>,
    /// The lobby's id.
    pub lobby_id: Option<String>,
    /// The channel's id.
    pub channel_id: Option<String>,
    /// Who wrote it.
    pub author: Option<User>,
    /// Metadata the sender attached.
    pub metadata: Option<Map<String, Value>>,
    /// Bit flags.
    pub flags: Option<u64>,
    /// The application's id (a snowflake).
    pub application_id: Option<String>,
    /// When it happened.
    #[serde(default, with = "timestamp::option")]
    pub timestamp: Option<DateTime<Utc>>,
    /// When it was last edited.
    #[serde(default, with = "timestamp::option")]
    pub edited_timestamp: Option<DateTime<Utc>>,
    /// Keys this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `LOBBY_MESSAGE_DELETE`: which message left which lobby.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LobbyMessageDelete {
    /// The object's id (a snowflake for Discord, a short id or UUID for PluralKit).
    pub id: Option<String>,
    /// The lobby's id.
    pub lobby_id: Option<String>,
    /// Keys this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A direct message during a Social SDK session: either a standard message
/// object or an SDK DM message object. The SDK DM object's fields are a subset
/// of these, and nothing on the wire tells the two apart, so one type serves both.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// The object's id (a snowflake for Discord, a short id or UUID for PluralKit).
    pub id: Option<String>,
    /// Discord's message type number.
    #[serde(rename = "type")]
    pub message_type: Option<u32>,
    /// The message text.
    pub content: Option<String>,
    /// The channel's id.
    pub channel_id: Option<String>,
    /// The lobby's id.
    pub lobby_id: Option<String>,
    /// The recipient's id.
    pub recipient_id: Option<String>,
    /// Who wrote it.
    pub author: Option<User>,
    /// The application's id (a snowflake).
    pub application_id: Option<String>,
    /// Bit flags.
    pub flags: Option<u64>,
    /// When it happened.
    #[serde(default, with = "timestamp::option")]
    pub timestamp: Option<DateTime<Utc>>,
    /// When it was last edited.
    #[serde(default, with = "timestamp::option")]
    pub edited_timestamp: Option<DateTime<Utc>>,
    /// The attachments.
    pub attachments: Option<Vec<Value>>,
    /// The message components.
    pub components: Option<Vec<Value>>,
    /// The channel object with recipient information.
    pub channel: Option<Map<String, Value>>,
    /// The rich presence activity.
    pub activity: Option<Map<String, Value>>,
    /// The application.
    pub application: Option<Map<String, Value>>,
    /// Keys this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
