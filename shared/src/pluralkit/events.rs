//! PluralKit dispatch events, typed after PluralKit's models. `data` holds only
//! the keys that changed, so every model field is a [`Patch`]: absent
//! ([`Patch::Unchanged`]), `null` ([`Patch::Cleared`]) or a value
//! ([`Patch::Set`]). Unknown keys are kept in `extra`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::patch::{self, Patch};

/// One dispatch, with the signing token already removed.
#[derive(Debug, Clone, PartialEq)]
pub struct DispatchEvent {
    /// The system's UUID; older senders put `null` on some events.
    pub system_id: Option<String>,
    /// A member, group or switch UUID, a Discord user id, or nothing.
    pub id: Option<String>,
    pub event: Event,
}

/// The typed data of one dispatch, by type.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Ping,
    UpdateSystem(System),
    UpdateSettings(SystemSettings),
    CreateMember(Member),
    UpdateMember(Member),
    DeleteMember,
    CreateGroup(Group),
    UpdateGroup(Group),
    DeleteGroup,
    LinkAccount,
    UnlinkAccount,
    UpdateSystemGuild(SystemGuildSettings),
    /// Also sent for account settings: then `id` is a Discord user id and the
    /// data is `{}` or `{"allow_autoproxy": bool}` with no `guild_id`.
    UpdateMemberGuild(MemberGuildSettings),
    CreateMessage(Box<Message>),
    CreateSwitch(Switch),
    UpdateSwitch(Switch),
    DeleteSwitch,
    DeleteAllSwitches,
    SuccessfulImport,
    UpdateAutoproxy(Autoproxy),
    /// A type this version does not know (or the documented but never sent
    /// `UPDATE_GROUP_MEMBERS`), kept with its raw data.
    Unknown {
        event_type: String,
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
    /// Decodes `data` into the type named by `event_type`.
    pub fn from_parts(event_type: &str, data: Option<Value>) -> Result<Self, serde_json::Error> {
        fn typed<T: serde::de::DeserializeOwned>(data: Option<Value>) -> serde_json::Result<T> {
            serde_json::from_value(data.unwrap_or_else(|| Value::Object(Map::new())))
        }
        Ok(match EventType::from(event_type) {
            EventType::Ping => Event::Ping,
            EventType::UpdateSystem => Event::UpdateSystem(typed(data)?),
            EventType::UpdateSettings => Event::UpdateSettings(typed(data)?),
            EventType::CreateMember => Event::CreateMember(typed(data)?),
            EventType::UpdateMember => Event::UpdateMember(typed(data)?),
            EventType::DeleteMember => Event::DeleteMember,
            EventType::CreateGroup => Event::CreateGroup(typed(data)?),
            EventType::UpdateGroup => Event::UpdateGroup(typed(data)?),
            EventType::DeleteGroup => Event::DeleteGroup,
            EventType::LinkAccount => Event::LinkAccount,
            EventType::UnlinkAccount => Event::UnlinkAccount,
            EventType::UpdateSystemGuild => Event::UpdateSystemGuild(typed(data)?),
            EventType::UpdateMemberGuild => Event::UpdateMemberGuild(typed(data)?),
            EventType::CreateMessage => Event::CreateMessage(typed(data)?),
            EventType::CreateSwitch => Event::CreateSwitch(typed(data)?),
            EventType::UpdateSwitch => Event::UpdateSwitch(typed(data)?),
            EventType::DeleteSwitch => Event::DeleteSwitch,
            EventType::DeleteAllSwitches => Event::DeleteAllSwitches,
            EventType::SuccessfulImport => Event::SuccessfulImport,
            EventType::UpdateAutoproxy => Event::UpdateAutoproxy(typed(data)?),
            EventType::Unknown(event_type) => Event::Unknown { event_type, data },
        })
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
    #[serde(rename = "type")]
    pub event_type: String,
    pub system_id: Option<String>,
    pub id: Option<String>,
    pub data: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl DispatchEvent {
    pub fn from_json(payload: &str) -> Result<Self, serde_json::Error> {
        let payload: DispatchPayload = serde_json::from_str(payload)?;
        Ok(Self {
            event: Event::from_parts(&payload.event_type, payload.data)?,
            system_id: payload.system_id,
            id: payload.id,
        })
    }
}

pub type Privacy = Map<String, Value>;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct System {
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub id: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub uuid: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub name: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub description: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub tag: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub pronouns: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub avatar_url: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub banner: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub color: Patch<String>,
    #[serde(
        default,
        with = "patch::timestamp",
        skip_serializing_if = "Patch::is_unchanged"
    )]
    pub created: Patch<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub privacy: Patch<Privacy>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SystemSettings {
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub timezone: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub pings_enabled: Patch<bool>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub latch_timeout: Patch<i64>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub member_default_private: Patch<bool>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub group_default_private: Patch<bool>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub show_private_info: Patch<bool>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub member_limit: Patch<u32>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub group_limit: Patch<u32>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProxyTag {
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub prefix: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub suffix: Patch<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Member {
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub id: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub uuid: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub system: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub name: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub display_name: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub color: Patch<String>,
    /// `YYYY-MM-DD`, or `0004-MM-DD` when the year is hidden.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub birthday: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub pronouns: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub avatar_url: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub webhook_avatar_url: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub banner: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub description: Patch<String>,
    #[serde(
        default,
        with = "patch::timestamp",
        skip_serializing_if = "Patch::is_unchanged"
    )]
    pub created: Patch<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub proxy_tags: Patch<Vec<ProxyTag>>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub keep_proxy: Patch<bool>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub tts: Patch<bool>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub autoproxy_enabled: Patch<bool>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub message_count: Patch<u64>,
    #[serde(
        default,
        with = "patch::timestamp",
        skip_serializing_if = "Patch::is_unchanged"
    )]
    pub last_message_timestamp: Patch<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub privacy: Patch<Privacy>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Group {
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub id: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub uuid: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub system: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub name: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub display_name: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub description: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub icon: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub banner: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub color: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub privacy: Patch<Privacy>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Switch {
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub id: Patch<String>,
    #[serde(
        default,
        with = "patch::timestamp",
        skip_serializing_if = "Patch::is_unchanged"
    )]
    pub timestamp: Patch<DateTime<Utc>>,
    /// Member UUIDs, first is the main fronter.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub members: Patch<Vec<String>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SystemGuildSettings {
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub guild_id: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub proxying_enabled: Patch<bool>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub tag: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub tag_enabled: Patch<bool>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub name: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub avatar_url: Patch<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MemberGuildSettings {
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub guild_id: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub display_name: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub avatar_url: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub keep_proxy: Patch<bool>,
    /// Only on the account-settings form of `UPDATE_MEMBER_GUILD`.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub allow_autoproxy: Patch<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AutoproxyMode {
    Off,
    Front,
    Latch,
    Member,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Autoproxy {
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub guild_id: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub channel_id: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub autoproxy_mode: Patch<AutoproxyMode>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub autoproxy_member: Patch<String>,
    #[serde(
        default,
        with = "patch::timestamp",
        skip_serializing_if = "Patch::is_unchanged"
    )]
    pub last_latch_timestamp: Patch<DateTime<Utc>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Message {
    #[serde(
        default,
        with = "patch::timestamp",
        skip_serializing_if = "Patch::is_unchanged"
    )]
    pub timestamp: Patch<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub id: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub original: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub sender: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub channel: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub guild: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub system: Patch<System>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub member: Patch<Member>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
