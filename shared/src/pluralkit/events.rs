//! PluralKit dispatch events, typed after PluralKit's models. `data` holds only
//! the keys that changed, so every model field is a [`Patch`]: absent
//! ([`Patch::Unchanged`]), `null` ([`Patch::Cleared`]) or a value
//! ([`Patch::Set`]). Unknown keys are kept in `extra`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::event_type::{decode_data, typed_or_unknown};

use super::patch::{self, Patch};

/// One dispatch, with the signing token already removed.
#[derive(Debug, Clone, PartialEq)]
pub struct DispatchEvent {
    /// The system's UUID; older senders put `null` on some events.
    pub system_id: Option<String>,
    /// A member, group or switch UUID, a Discord user id, or nothing.
    pub id: Option<String>,
    /// The event.
    pub event: Event,
}

/// The typed data of one dispatch, by type.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `PING`.
    Ping,
    /// `UPDATE_SYSTEM`.
    UpdateSystem(System),
    /// `UPDATE_SETTINGS`.
    UpdateSettings(SystemSettings),
    /// `CREATE_MEMBER`.
    CreateMember(Member),
    /// `UPDATE_MEMBER`.
    UpdateMember(Member),
    /// `DELETE_MEMBER`.
    DeleteMember,
    /// `CREATE_GROUP`.
    CreateGroup(Group),
    /// `UPDATE_GROUP`.
    UpdateGroup(Group),
    /// `DELETE_GROUP`.
    DeleteGroup,
    /// `LINK_ACCOUNT` (`id` is the Discord account).
    LinkAccount,
    /// `UNLINK_ACCOUNT` (`id` is the Discord account).
    UnlinkAccount,
    /// `UPDATE_SYSTEM_GUILD`.
    UpdateSystemGuild(SystemGuildSettings),
    /// Also sent for account settings: then `id` is a Discord user id and the
    /// data is `{}` or `{"allow_autoproxy": bool}` with no `guild_id`.
    UpdateMemberGuild(MemberGuildSettings),
    /// `CREATE_MESSAGE`.
    CreateMessage(Box<Message>),
    /// `CREATE_SWITCH`.
    CreateSwitch(Switch),
    /// `UPDATE_SWITCH`.
    UpdateSwitch(Switch),
    /// `DELETE_SWITCH`.
    DeleteSwitch,
    /// `DELETE_ALL_SWITCHES`.
    DeleteAllSwitches,
    /// `SUCCESSFUL_IMPORT`.
    SuccessfulImport,
    /// `UPDATE_AUTOPROXY`.
    UpdateAutoproxy(Autoproxy),
    /// A type this version does not know (or the documented but never sent
    /// `UPDATE_GROUP_MEMBERS`), kept with its raw data.
    Unknown {
        /// The type, as sent.
        event_type: String,
        /// The data, as sent.
        data: Option<Value>,
    },
}

crate::event_type::event_types! {
    /// Every PluralKit dispatch type PluralKit really sends (the documented
    /// but never sent `UPDATE_GROUP_MEMBERS` is `Unknown`).
    pub enum EventType {
        /// PluralKit checking the URL (also during registration).
        Ping = "PING",
        /// The system's profile changed.
        UpdateSystem = "UPDATE_SYSTEM",
        /// The system's settings changed.
        UpdateSettings = "UPDATE_SETTINGS",
        /// A member was created.
        CreateMember = "CREATE_MEMBER",
        /// A member changed.
        UpdateMember = "UPDATE_MEMBER",
        /// A member was deleted.
        DeleteMember = "DELETE_MEMBER",
        /// A group was created.
        CreateGroup = "CREATE_GROUP",
        /// A group changed.
        UpdateGroup = "UPDATE_GROUP",
        /// A group was deleted.
        DeleteGroup = "DELETE_GROUP",
        /// A Discord account was linked to the system.
        LinkAccount = "LINK_ACCOUNT",
        /// A Discord account was unlinked.
        UnlinkAccount = "UNLINK_ACCOUNT",
        /// The system's settings in one server changed.
        UpdateSystemGuild = "UPDATE_SYSTEM_GUILD",
        /// A member's settings in one server (or an account's autoproxy setting) changed.
        UpdateMemberGuild = "UPDATE_MEMBER_GUILD",
        /// A message was proxied.
        CreateMessage = "CREATE_MESSAGE",
        /// A switch was logged.
        CreateSwitch = "CREATE_SWITCH",
        /// A switch changed.
        UpdateSwitch = "UPDATE_SWITCH",
        /// A switch was deleted.
        DeleteSwitch = "DELETE_SWITCH",
        /// Every switch was deleted.
        DeleteAllSwitches = "DELETE_ALL_SWITCHES",
        /// An import finished.
        SuccessfulImport = "SUCCESSFUL_IMPORT",
        /// Autoproxy settings changed.
        UpdateAutoproxy = "UPDATE_AUTOPROXY",
    }
}

impl Event {
    /// Decodes `data` into the model of the type named by `event_type`; an
    /// error when it does not fit that model.
    pub fn from_parts(event_type: &str, data: Option<&Value>) -> Result<Self, serde_json::Error> {
        Ok(match EventType::from(event_type) {
            EventType::Ping => Event::Ping,
            EventType::UpdateSystem => Event::UpdateSystem(decode_data(data)?),
            EventType::UpdateSettings => Event::UpdateSettings(decode_data(data)?),
            EventType::CreateMember => Event::CreateMember(decode_data(data)?),
            EventType::UpdateMember => Event::UpdateMember(decode_data(data)?),
            EventType::DeleteMember => Event::DeleteMember,
            EventType::CreateGroup => Event::CreateGroup(decode_data(data)?),
            EventType::UpdateGroup => Event::UpdateGroup(decode_data(data)?),
            EventType::DeleteGroup => Event::DeleteGroup,
            EventType::LinkAccount => Event::LinkAccount,
            EventType::UnlinkAccount => Event::UnlinkAccount,
            EventType::UpdateSystemGuild => Event::UpdateSystemGuild(decode_data(data)?),
            EventType::UpdateMemberGuild => Event::UpdateMemberGuild(decode_data(data)?),
            EventType::CreateMessage => Event::CreateMessage(decode_data(data)?),
            EventType::CreateSwitch => Event::CreateSwitch(decode_data(data)?),
            EventType::UpdateSwitch => Event::UpdateSwitch(decode_data(data)?),
            EventType::DeleteSwitch => Event::DeleteSwitch,
            EventType::DeleteAllSwitches => Event::DeleteAllSwitches,
            EventType::SuccessfulImport => Event::SuccessfulImport,
            EventType::UpdateAutoproxy => Event::UpdateAutoproxy(decode_data(data)?),
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
            Event::Ping => EventType::Ping,
            Event::UpdateSystem(_) => EventType::UpdateSystem,
            Event::UpdateSettings(_) => EventType::UpdateSettings,
            Event::CreateMember(_) => EventType::CreateMember,
            Event::UpdateMember(_) => EventType::UpdateMember,
            Event::DeleteMember => EventType::DeleteMember,
            Event::CreateGroup(_) => EventType::CreateGroup,
            Event::UpdateGroup(_) => EventType::UpdateGroup,
            Event::DeleteGroup => EventType::DeleteGroup,
            Event::LinkAccount => EventType::LinkAccount,
            Event::UnlinkAccount => EventType::UnlinkAccount,
            Event::UpdateSystemGuild(_) => EventType::UpdateSystemGuild,
            Event::UpdateMemberGuild(_) => EventType::UpdateMemberGuild,
            Event::CreateMessage(_) => EventType::CreateMessage,
            Event::CreateSwitch(_) => EventType::CreateSwitch,
            Event::UpdateSwitch(_) => EventType::UpdateSwitch,
            Event::DeleteSwitch => EventType::DeleteSwitch,
            Event::DeleteAllSwitches => EventType::DeleteAllSwitches,
            Event::SuccessfulImport => EventType::SuccessfulImport,
            Event::UpdateAutoproxy(_) => EventType::UpdateAutoproxy,
            Event::Unknown { event_type, .. } => EventType::Unknown(event_type.clone()),
        }
    }

    /// True for a type this version does not know.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Event::Unknown { .. })
    }
}

/// The dispatch payload as queued (no `signing_token`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DispatchPayload {
    /// The event type, as sent.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The system's UUID, read leniently (a number becomes its text; any
    /// other non-string is `None`), so an odd id never stops an event.
    #[serde(default, deserialize_with = "crate::lenient::id")]
    pub system_id: Option<String>,
    /// A member, group or switch UUID, a Discord user id, or nothing; read
    /// leniently like `system_id`.
    #[serde(default, deserialize_with = "crate::lenient::id")]
    pub id: Option<String>,
    /// The event data, as sent.
    pub data: Option<Value>,
    /// Keys this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl DispatchEvent {
    /// Parses a queued dispatch payload (no token) into its typed event.
    pub fn from_json(payload: &str) -> Result<Self, serde_json::Error> {
        let payload: DispatchPayload = serde_json::from_str(payload)?;
        Ok(Self {
            event: Event::from_parts_or_unknown(&payload.event_type, payload.data),
            system_id: payload.system_id,
            id: payload.id,
        })
    }
}

/// Privacy settings by field name: `"public"` or `"private"`.
pub type Privacy = Map<String, Value>;

/// A system (PluralKit's account).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct System {
    /// The object's id (a snowflake for Discord, a short id or UUID for PluralKit).
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub id: Patch<String>,
    /// The object's UUID.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub uuid: Patch<String>,
    /// The name.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub name: Patch<String>,
    /// The description.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub description: Patch<String>,
    /// The system tag.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub tag: Patch<String>,
    /// The pronouns.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub pronouns: Patch<String>,
    /// The avatar's URL.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub avatar_url: Patch<String>,
    /// The banner image's URL.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub banner: Patch<String>,
    /// The color, as 6 hex digits.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub color: Patch<String>,
    /// When it was created.
    #[serde(
        default,
        with = "patch::timestamp",
        skip_serializing_if = "Patch::is_unchanged"
    )]
    pub created: Patch<DateTime<Utc>>,
    /// Privacy settings by field (`public` or `private`).
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub privacy: Patch<Privacy>,
    /// Keys this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A system's settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SystemSettings {
    /// The system's time zone.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub timezone: Patch<String>,
    /// Whether reaction pings are on.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub pings_enabled: Patch<bool>,
    /// Seconds before latch autoproxy lets go.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub latch_timeout: Patch<i64>,
    /// Whether new members start private.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub member_default_private: Patch<bool>,
    /// Whether new groups start private.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub group_default_private: Patch<bool>,
    /// Whether private information is shown to the system's own accounts.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub show_private_info: Patch<bool>,
    /// The most members the system may have.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub member_limit: Patch<u32>,
    /// The most groups the system may have.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub group_limit: Patch<u32>,
    /// Keys this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A pair of texts around a message that proxies it as a member.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProxyTag {
    /// The text before the message.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub prefix: Patch<String>,
    /// The text after the message.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub suffix: Patch<String>,
}

/// A member of a system.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Member {
    /// The object's id (a snowflake for Discord, a short id or UUID for PluralKit).
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub id: Patch<String>,
    /// The object's UUID.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub uuid: Patch<String>,
    /// The owning system.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub system: Patch<String>,
    /// The name.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub name: Patch<String>,
    /// The display name.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub display_name: Patch<String>,
    /// The color, as 6 hex digits.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub color: Patch<String>,
    /// `YYYY-MM-DD`, or `0004-MM-DD` when the year is hidden.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub birthday: Patch<String>,
    /// The pronouns.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub pronouns: Patch<String>,
    /// The avatar's URL.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub avatar_url: Patch<String>,
    /// The avatar used for proxied messages.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub webhook_avatar_url: Patch<String>,
    /// The banner image's URL.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub banner: Patch<String>,
    /// The description.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub description: Patch<String>,
    /// When it was created.
    #[serde(
        default,
        with = "patch::timestamp",
        skip_serializing_if = "Patch::is_unchanged"
    )]
    pub created: Patch<DateTime<Utc>>,
    /// The tags that trigger proxying.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub proxy_tags: Patch<Vec<ProxyTag>>,
    /// Whether proxy tags stay in proxied messages.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub keep_proxy: Patch<bool>,
    /// Whether proxied messages are text-to-speech.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub tts: Patch<bool>,
    /// Whether autoproxy may use this member.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub autoproxy_enabled: Patch<bool>,
    /// How many messages were proxied.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub message_count: Patch<u64>,
    /// When the last message was proxied.
    #[serde(
        default,
        with = "patch::timestamp",
        skip_serializing_if = "Patch::is_unchanged"
    )]
    pub last_message_timestamp: Patch<DateTime<Utc>>,
    /// Privacy settings by field (`public` or `private`).
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub privacy: Patch<Privacy>,
    /// Keys this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A group of members.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// The object's id (a snowflake for Discord, a short id or UUID for PluralKit).
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub id: Patch<String>,
    /// The object's UUID.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub uuid: Patch<String>,
    /// The owning system.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub system: Patch<String>,
    /// The name.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub name: Patch<String>,
    /// The display name.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub display_name: Patch<String>,
    /// The description.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub description: Patch<String>,
    /// The icon's URL or hash.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub icon: Patch<String>,
    /// The banner image's URL.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub banner: Patch<String>,
    /// The color, as 6 hex digits.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub color: Patch<String>,
    /// Privacy settings by field (`public` or `private`).
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub privacy: Patch<Privacy>,
    /// Keys this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A switch: who was fronting from when.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Switch {
    /// The object's id (a snowflake for Discord, a short id or UUID for PluralKit).
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub id: Patch<String>,
    /// When it happened.
    #[serde(
        default,
        with = "patch::timestamp",
        skip_serializing_if = "Patch::is_unchanged"
    )]
    pub timestamp: Patch<DateTime<Utc>>,
    /// Member UUIDs, first is the main fronter.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub members: Patch<Vec<String>>,
    /// Keys this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A system's settings in one server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SystemGuildSettings {
    /// The server's id (a snowflake).
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub guild_id: Patch<String>,
    /// Whether proxying is on in this server.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub proxying_enabled: Patch<bool>,
    /// The system tag.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub tag: Patch<String>,
    /// Whether the system tag is shown in this server.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub tag_enabled: Patch<bool>,
    /// The name.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub name: Patch<String>,
    /// The avatar's URL.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub avatar_url: Patch<String>,
    /// Keys this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A member's settings in one server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MemberGuildSettings {
    /// The server's id (a snowflake).
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub guild_id: Patch<String>,
    /// The display name.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub display_name: Patch<String>,
    /// The avatar's URL.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub avatar_url: Patch<String>,
    /// Whether proxy tags stay in proxied messages.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub keep_proxy: Patch<bool>,
    /// Only on the account-settings form of `UPDATE_MEMBER_GUILD`.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub allow_autoproxy: Patch<bool>,
    /// Keys this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// How autoproxy picks a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AutoproxyMode {
    /// Autoproxy is off.
    Off,
    /// The current fronter.
    Front,
    /// The last member proxied.
    Latch,
    /// One chosen member.
    Member,
    /// A mode this version does not know.
    #[serde(other)]
    Unknown,
}

/// Autoproxy settings in one server or channel.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Autoproxy {
    /// The server's id (a snowflake).
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub guild_id: Patch<String>,
    /// The channel's id.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub channel_id: Patch<String>,
    /// The autoproxy mode.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub autoproxy_mode: Patch<AutoproxyMode>,
    /// The member autoproxy uses.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub autoproxy_member: Patch<String>,
    /// When latch autoproxy last latched.
    #[serde(
        default,
        with = "patch::timestamp",
        skip_serializing_if = "Patch::is_unchanged"
    )]
    pub last_latch_timestamp: Patch<DateTime<Utc>>,
    /// Keys this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A proxied message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// When it happened.
    #[serde(
        default,
        with = "patch::timestamp",
        skip_serializing_if = "Patch::is_unchanged"
    )]
    pub timestamp: Patch<DateTime<Utc>>,
    /// The object's id (a snowflake for Discord, a short id or UUID for PluralKit).
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub id: Patch<String>,
    /// The id of the message that was replaced.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub original: Patch<String>,
    /// The Discord id of the account that sent it.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub sender: Patch<String>,
    /// The channel.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub channel: Patch<String>,
    /// The server.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub guild: Patch<String>,
    /// The owning system.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub system: Patch<System>,
    /// The member.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub member: Patch<Member>,
    /// Keys this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
