#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Every fixture parses into its typed variant, and the parsers keep what they
//! do not know.

use switchboard::discord::{self, events::WebhookPayload};
use switchboard::pluralkit::{self, events::AutoproxyMode, Patch};
use switchboard::timestamp::SentAt;
use switchboard::Sender;
use switchboard_devkit::repo_root;

fn fixture(sender: &str, name: &str) -> String {
    let sender = if sender == "discord" {
        Sender::Discord
    } else {
        Sender::Pluralkit
    };
    switchboard_devkit::fixture(sender, name).unwrap()
}

/// The fixture files of a sender, by type name, without `PING`.
fn fixture_names(sender: Sender) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(repo_root().join("fixtures").join(sender.as_str()))
            .unwrap()
            .map(|entry| {
                entry
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .replace(".json", "")
            })
            .filter(|name| name != "PING")
            .collect();
    names.sort();
    names
}

fn discord_variant(event: &discord::Event) -> &'static str {
    use discord::Event::*;
    match event {
        ApplicationAuthorized(_) => "APPLICATION_AUTHORIZED",
        ApplicationDeauthorized(_) => "APPLICATION_DEAUTHORIZED",
        EntitlementCreate(_) => "ENTITLEMENT_CREATE",
        EntitlementUpdate(_) => "ENTITLEMENT_UPDATE",
        EntitlementDelete(_) => "ENTITLEMENT_DELETE",
        QuestUserEnrollment(_) => "QUEST_USER_ENROLLMENT",
        LobbyMessageCreate(_) => "LOBBY_MESSAGE_CREATE",
        LobbyMessageUpdate(_) => "LOBBY_MESSAGE_UPDATE",
        LobbyMessageDelete(_) => "LOBBY_MESSAGE_DELETE",
        GameDirectMessageCreate(_) => "GAME_DIRECT_MESSAGE_CREATE",
        GameDirectMessageUpdate(_) => "GAME_DIRECT_MESSAGE_UPDATE",
        GameDirectMessageDelete(_) => "GAME_DIRECT_MESSAGE_DELETE",
        Unknown { .. } => "UNKNOWN",
    }
}

fn pluralkit_variant(event: &pluralkit::Event) -> &'static str {
    use pluralkit::Event::*;
    match event {
        Ping => "PING",
        UpdateSystem(_) => "UPDATE_SYSTEM",
        UpdateSettings(_) => "UPDATE_SETTINGS",
        CreateMember(_) => "CREATE_MEMBER",
        UpdateMember(_) => "UPDATE_MEMBER",
        DeleteMember => "DELETE_MEMBER",
        CreateGroup(_) => "CREATE_GROUP",
        UpdateGroup(_) => "UPDATE_GROUP",
        DeleteGroup => "DELETE_GROUP",
        LinkAccount => "LINK_ACCOUNT",
        UnlinkAccount => "UNLINK_ACCOUNT",
        UpdateSystemGuild(_) => "UPDATE_SYSTEM_GUILD",
        UpdateMemberGuild(_) => "UPDATE_MEMBER_GUILD",
        CreateMessage(_) => "CREATE_MESSAGE",
        CreateSwitch(_) => "CREATE_SWITCH",
        UpdateSwitch(_) => "UPDATE_SWITCH",
        DeleteSwitch => "DELETE_SWITCH",
        DeleteAllSwitches => "DELETE_ALL_SWITCHES",
        SuccessfulImport => "SUCCESSFUL_IMPORT",
        UpdateAutoproxy(_) => "UPDATE_AUTOPROXY",
        Unknown { .. } => "UNKNOWN",
    }
}

#[test]
fn every_discord_fixture_parses_to_its_variant() {
    for kind in discord::EventType::ALL {
        let name = kind.as_str();
        let event = discord::WebhookEvent::from_json(&fixture("discord", name)).unwrap();
        assert_eq!(discord_variant(&event.event), name);
        assert_eq!(&event.event.kind(), kind);
        assert!(
            event.timestamp.as_ref().and_then(SentAt::at).is_some(),
            "{name}: zone-less timestamp is read as UTC"
        );
        assert_eq!(event.application_id.as_deref(), Some("1234560123453231555"));
    }
    // The library's list and the fixtures cannot drift apart.
    let mut listed: Vec<String> = discord::EventType::ALL
        .iter()
        .map(|kind| kind.as_str().to_owned())
        .collect();
    listed.sort();
    assert_eq!(fixture_names(Sender::Discord), listed);
    let ping: WebhookPayload = serde_json::from_str(&fixture("discord", "PING")).unwrap();
    assert_eq!(ping.webhook_type, 0);
    assert!(ping.event.is_none());
}

#[test]
fn every_pluralkit_fixture_parses_to_its_variant() {
    for kind in pluralkit::EventType::ALL {
        let name = kind.as_str();
        let event = pluralkit::DispatchEvent::from_json(&fixture("pluralkit", name)).unwrap();
        assert_eq!(pluralkit_variant(&event.event), name);
        assert_eq!(&event.event.kind(), kind);
        assert!(event.system_id.is_some());
    }
    assert_eq!(pluralkit::EventType::ALL.len(), 20);
    let mut listed: Vec<String> = pluralkit::EventType::ALL
        .iter()
        .filter(|kind| **kind != pluralkit::EventType::Ping)
        .map(|kind| kind.as_str().to_owned())
        .collect();
    listed.sort();
    assert_eq!(fixture_names(Sender::Pluralkit), listed);
}

#[test]
fn typed_fields_are_filled_in() {
    let event =
        discord::WebhookEvent::from_json(&fixture("discord", "ENTITLEMENT_CREATE")).unwrap();
    let discord::Event::EntitlementCreate(entitlement) = event.event else {
        panic!("wrong variant")
    };
    assert_eq!(entitlement.sku_id.as_deref(), Some("123489045643835123"));
    assert_eq!(entitlement.user_id.as_deref(), Some("111178765189277770"));
    assert_eq!(entitlement.gift_code_flags, Some(0));
    assert!(entitlement.starts_at.is_some());

    let event =
        pluralkit::DispatchEvent::from_json(&fixture("pluralkit", "CREATE_SWITCH")).unwrap();
    let pluralkit::Event::CreateSwitch(switch) = event.event else {
        panic!("wrong variant")
    };
    assert_eq!(switch.members.value().map(Vec::len), Some(1));
    assert_eq!(
        switch.timestamp.value().map(|t| t.timestamp_subsec_nanos()),
        Some(123_456_789)
    );

    let event =
        pluralkit::DispatchEvent::from_json(&fixture("pluralkit", "UPDATE_AUTOPROXY")).unwrap();
    let pluralkit::Event::UpdateAutoproxy(autoproxy) = event.event else {
        panic!("wrong variant")
    };
    assert_eq!(autoproxy.autoproxy_mode, Patch::Set(AutoproxyMode::Latch));
    assert_eq!(autoproxy.channel_id, Patch::Cleared);

    let event =
        pluralkit::DispatchEvent::from_json(&fixture("pluralkit", "CREATE_MESSAGE")).unwrap();
    let pluralkit::Event::CreateMessage(message) = event.event else {
        panic!("wrong variant")
    };
    assert_eq!(
        message.member.value().and_then(|m| m.message_count.value()),
        Some(&42)
    );
}

#[test]
fn unknown_types_keep_their_raw_data_and_unknown_fields_are_kept() {
    let body = r#"{"version":1,"application_id":"1","type":1,"event":{"type":"BRAND_NEW","timestamp":"2024-10-18T14:42:53","data":{"x":[1,2]}}}"#;
    let event = discord::WebhookEvent::from_json(body).unwrap();
    assert_eq!(
        event.event,
        discord::Event::Unknown {
            event_type: "BRAND_NEW".into(),
            data: Some(serde_json::json!({"x":[1,2]}))
        }
    );

    let body = r#"{"type":"UPDATE_GROUP_MEMBERS","system_id":null,"id":null,"data":{"y":true}}"#;
    let event = pluralkit::DispatchEvent::from_json(body).unwrap();
    assert!(event.event.is_unknown() && event.system_id.is_none());

    let body = r#"{"version":1,"application_id":"1","type":1,"event":{"type":"ENTITLEMENT_CREATE","timestamp":"2024-10-18T14:42:53.1","data":{"id":"9","fulfilled_at":"2024-10-18T14:42:53+00:00","brand_new_field":{"a":1}}}}"#;
    let discord::Event::EntitlementCreate(e) =
        discord::WebhookEvent::from_json(body).unwrap().event
    else {
        panic!("wrong variant")
    };
    assert_eq!(e.extra["brand_new_field"], serde_json::json!({"a":1}));
    assert!(e.fulfilled_at.is_some());
}

#[test]
fn member_guild_update_for_account_settings_parses() {
    let body = r#"{"type":"UPDATE_MEMBER_GUILD","system_id":"s","id":"111178765189277770","data":{"allow_autoproxy":false}}"#;
    let event = pluralkit::DispatchEvent::from_json(body).unwrap();
    let pluralkit::Event::UpdateMemberGuild(settings) = event.event else {
        panic!("wrong variant")
    };
    assert_eq!(
        (settings.guild_id, settings.allow_autoproxy),
        (Patch::Unchanged, Patch::Set(false))
    );
    let empty = r#"{"type":"UPDATE_MEMBER_GUILD","system_id":"s","id":"1","data":{}}"#;
    assert!(pluralkit::DispatchEvent::from_json(empty).is_ok());
}

#[test]
fn a_partial_update_tells_unchanged_from_cleared() {
    let event =
        pluralkit::DispatchEvent::from_json(&fixture("pluralkit", "UPDATE_MEMBER")).unwrap();
    let pluralkit::Event::UpdateMember(member) = event.event else {
        panic!("wrong variant")
    };
    assert_eq!(member.display_name, Patch::Set("Sammy".to_owned()));
    assert_eq!(member.description, Patch::Cleared, "null means cleared");
    assert_eq!(member.name, Patch::Unchanged, "absent means unchanged");
    assert_eq!(member.pronouns, Patch::Unchanged);
    // Written back, the difference survives: absent stays absent, null stays null.
    let written = serde_json::to_value(&member).unwrap();
    assert_eq!(written["description"], serde_json::Value::Null);
    assert!(written.get("description").is_some());
    assert!(written.get("name").is_none());

    let event =
        pluralkit::DispatchEvent::from_json(&fixture("pluralkit", "UPDATE_AUTOPROXY")).unwrap();
    let pluralkit::Event::UpdateAutoproxy(autoproxy) = event.event else {
        panic!("wrong variant")
    };
    assert_eq!(autoproxy.autoproxy_member, Patch::Cleared);
    assert_eq!(autoproxy.guild_id.as_deref(), Some("1200000000000000001"));
    assert!(autoproxy.last_latch_timestamp.value().is_some());
}

#[test]
fn every_interaction_fixture_decodes_into_twilights_model() {
    use switchboard::interactions::{EventType, Interaction};
    let listed: Vec<String> = {
        let mut names: Vec<String> = Sender::DiscordInteraction
            .event_type_names()
            .into_iter()
            .map(str::to_owned)
            .collect();
        names.sort();
        names
    };
    assert_eq!(fixture_names(Sender::DiscordInteraction), listed);
    for name in &listed {
        let text = switchboard_devkit::fixture(Sender::DiscordInteraction, name).unwrap();
        let interaction = Interaction::from_json(&text).unwrap();
        assert_eq!(interaction.kind, EventType::from(name.as_str()), "{name}");
        let typed = interaction
            .typed()
            .unwrap_or_else(|| panic!("{name} did not fit twilight"));
        assert!(typed.token.is_empty(), "{name}: the token is kept apart");
        assert!(
            !format!("{interaction:?}").contains("aW50ZXJhY3Rpb24"),
            "{name}"
        );
    }
    let command = Interaction::from_json(
        &switchboard_devkit::fixture(Sender::DiscordInteraction, "APPLICATION_COMMAND").unwrap(),
    )
    .unwrap();
    let data = command.command().unwrap();
    assert_eq!((data.name.as_str(), data.options.len()), ("ping", 1));
    let component = Interaction::from_json(
        &switchboard_devkit::fixture(Sender::DiscordInteraction, "MESSAGE_COMPONENT").unwrap(),
    )
    .unwrap();
    assert_eq!(component.component().unwrap().custom_id, "buy:sku-42");
    let modal = Interaction::from_json(
        &switchboard_devkit::fixture(Sender::DiscordInteraction, "MODAL_SUBMIT").unwrap(),
    )
    .unwrap();
    assert_eq!(modal.modal().unwrap().custom_id, "feedback");
}
