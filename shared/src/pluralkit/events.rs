//! PluralKit dispatch events, typed after PluralKit's models. `data` holds only
//! the keys that changed, so every field is optional and unknown keys are kept.
//! A field set to `null` (cleared) and a field left out both read as `None`; the
//! envelope's raw payload still tells them apart.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::timestamp;

/// One dispatch, with the signing token already removed.
#[derive(Debug, Clone, PartialEq)]
pub struct DispatchEvent {
    /// The system's UUID; older senders put `null` on some events.
    pub system_id: Option<String>,
    /// A member, group or switch UUID, a Discord user id, or nothing.
    pub id: Option<String>,
    pub event: Event,
}

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

impl Event {
    pub fn from_parts(event_type: &str, data: Option<Value>) -> Result<Self, serde_json::Error> {
        fn typed<T: serde::de::DeserializeOwned>(data: Option<Value>) -> serde_json::Result<T> {
            serde_json::from_value(data.unwrap_or_else(|| Value::Object(Map::new())))
        }
        Ok(match event_type {
            "PING" => Event::Ping,
            "UPDATE_SYSTEM" => Event::UpdateSystem(typed(data)?),
            "UPDATE_SETTINGS" => Event::UpdateSettings(typed(data)?),
            "CREATE_MEMBER" => Event::CreateMember(typed(data)?),
            "UPDATE_MEMBER" => Event::UpdateMember(typed(data)?),
            "DELETE_MEMBER" => Event::DeleteMember,
            "CREATE_GROUP" => Event::CreateGroup(typed(data)?),
            "UPDATE_GROUP" => Event::UpdateGroup(typed(data)?),
            "DELETE_GROUP" => Event::DeleteGroup,
            "LINK_ACCOUNT" => Event::LinkAccount,
            "UNLINK_ACCOUNT" => Event::UnlinkAccount,
            "UPDATE_SYSTEM_GUILD" => Event::UpdateSystemGuild(typed(data)?),
            "UPDATE_MEMBER_GUILD" => Event::UpdateMemberGuild(typed(data)?),
            "CREATE_MESSAGE" => Event::CreateMessage(typed(data)?),
            "CREATE_SWITCH" => Event::CreateSwitch(typed(data)?),
            "UPDATE_SWITCH" => Event::UpdateSwitch(typed(data)?),
            "DELETE_SWITCH" => Event::DeleteSwitch,
            "DELETE_ALL_SWITCHES" => Event::DeleteAllSwitches,
            "SUCCESSFUL_IMPORT" => Event::SuccessfulImport,
            "UPDATE_AUTOPROXY" => Event::UpdateAutoproxy(typed(data)?),
            other => Event::Unknown {
                event_type: other.to_owned(),
                data,
            },
        })
    }

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
    pub id: Option<String>,
    pub uuid: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub tag: Option<String>,
    pub pronouns: Option<String>,
    pub avatar_url: Option<String>,
    pub banner: Option<String>,
    pub color: Option<String>,
    #[serde(default, with = "timestamp::option")]
    pub created: Option<DateTime<Utc>>,
    pub privacy: Option<Privacy>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SystemSettings {
    pub timezone: Option<String>,
    pub pings_enabled: Option<bool>,
    pub latch_timeout: Option<i64>,
    pub member_default_private: Option<bool>,
    pub group_default_private: Option<bool>,
    pub show_private_info: Option<bool>,
    pub member_limit: Option<u32>,
    pub group_limit: Option<u32>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProxyTag {
    pub prefix: Option<String>,
    pub suffix: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub id: Option<String>,
    pub uuid: Option<String>,
    pub system: Option<String>,
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub color: Option<String>,
    /// `YYYY-MM-DD`, or `0004-MM-DD` when the year is hidden.
    pub birthday: Option<String>,
    pub pronouns: Option<String>,
    pub avatar_url: Option<String>,
    pub webhook_avatar_url: Option<String>,
    pub banner: Option<String>,
    pub description: Option<String>,
    #[serde(default, with = "timestamp::option")]
    pub created: Option<DateTime<Utc>>,
    pub proxy_tags: Option<Vec<ProxyTag>>,
    pub keep_proxy: Option<bool>,
    pub tts: Option<bool>,
    pub autoproxy_enabled: Option<bool>,
    pub message_count: Option<u64>,
    #[serde(default, with = "timestamp::option")]
    pub last_message_timestamp: Option<DateTime<Utc>>,
    pub privacy: Option<Privacy>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub id: Option<String>,
    pub uuid: Option<String>,
    pub system: Option<String>,
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub icon: Option<String>,
    pub banner: Option<String>,
    pub color: Option<String>,
    pub privacy: Option<Privacy>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Switch {
    pub id: Option<String>,
    #[serde(default, with = "timestamp::option")]
    pub timestamp: Option<DateTime<Utc>>,
    /// Member UUIDs, first is the main fronter.
    pub members: Option<Vec<String>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SystemGuildSettings {
    pub guild_id: Option<String>,
    pub proxying_enabled: Option<bool>,
    pub tag: Option<String>,
    pub tag_enabled: Option<bool>,
    pub name: Option<String>,
    pub avatar_url: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MemberGuildSettings {
    pub guild_id: Option<String>,
    pub display_name: Option<String>,
    pub avatar_url: Option<String>,
    pub keep_proxy: Option<bool>,
    /// Only on the account-settings form of `UPDATE_MEMBER_GUILD`.
    pub allow_autoproxy: Option<bool>,
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
    pub guild_id: Option<String>,
    pub channel_id: Option<String>,
    pub autoproxy_mode: Option<AutoproxyMode>,
    pub autoproxy_member: Option<String>,
    #[serde(default, with = "timestamp::option")]
    pub last_latch_timestamp: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Message {
    #[serde(default, with = "timestamp::option")]
    pub timestamp: Option<DateTime<Utc>>,
    pub id: Option<String>,
    pub original: Option<String>,
    pub sender: Option<String>,
    pub channel: Option<String>,
    pub guild: Option<String>,
    pub system: Option<System>,
    pub member: Option<Member>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
