#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Interactions in the processor, replying to a local stand-in for
//! Discord's webhook endpoints over HTTP: the registry's routes by command
//! name and `custom_id`, the 10015 retry, the fallback edit, expiry, and no
//! token in any log line, with the processor `main` builds
//! (`processor::build_with`, reading `DISCORD_API_BASE_URL`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{json, Value};
use switchboard::interactions::snowflake::snowflake_at;
use switchboard::interactions::{CommandName, ComponentId};
use switchboard::{
    Envelope, Event, EventContext, Handler, HandlerError, LogEvent, Registry, Sender,
};
use switchboard_devkit::{
    failed_ids, fixture, sqs_event, ApiCall, CapturedLog, DiscordApi, Races, Target,
};

const PING: CommandName = CommandName::new("ping");
const BUY: ComponentId = ComponentId::prefix("buy:");

/// Edits the deferred reply with `pong`, counting its runs.
struct Pong(Arc<AtomicUsize>);

#[async_trait]
impl Handler for Pong {
    async fn handle(&self, _: &Event, context: &EventContext) -> Result<(), HandlerError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        let reply = context.reply.as_ref().ok_or("no reply client")?;
        reply.edit_original(&json!({"content": "pong"})).await?;
        Ok(())
    }
}

/// Sends an ephemeral followup naming the component it got.
struct Bought;

#[async_trait]
impl Handler for Bought {
    async fn handle(&self, event: &Event, context: &EventContext) -> Result<(), HandlerError> {
        let Event::Interaction(interaction) = event else {
            return Err("not an interaction".into());
        };
        let sku = interaction
            .component()
            .ok_or("not typed")?
            .custom_id
            .clone();
        let reply = context.reply.as_ref().ok_or("no reply client")?;
        reply
            .followup(&json!({"content": format!("bought {sku}"), "flags": 64}))
            .await?;
        Ok(())
    }
}

fn processor(api: &DiscordApi, pongs: &Arc<AtomicUsize>) -> switchboard::Processor {
    let base = api.base_url();
    let config = switchboard::ProcessorConfig::from_lookup(|name| match name {
        "DISCORD_API_BASE_URL" => Some(base.clone()),
        "DISCORD_INTERACTION_FALLBACK_MESSAGE" => Some("not here yet".into()),
        _ => None,
    })
    .unwrap();
    let registry = Registry::new()
        .on(PING, Pong(Arc::clone(pongs)))
        .on(BUY, Bought)
        .fallback(LogEvent)
        .build()
        .unwrap();
    let sdk = aws_config::SdkConfig::builder().build();
    processor::build_with(&config, registry, &sdk).unwrap()
}

/// The fixture of `event_type`, made `age` ago, with its own token and
/// `name` (command name or `custom_id`), as the queue holds it.
fn queued(event_type: &str, age: chrono::Duration, token: &str, name: Option<&str>) -> String {
    let mut value: Value =
        serde_json::from_str(&fixture(Sender::DiscordInteraction, event_type).unwrap()).unwrap();
    value["id"] = json!(snowflake_at(chrono::Utc::now() - age));
    value["token"] = json!(token);
    if let Some(name) = name {
        let field = if event_type == "APPLICATION_COMMAND" {
            "name"
        } else {
            "custom_id"
        };
        value["data"][field] = json!(name);
    }
    let payload = serde_json::value::RawValue::from_string(value.to_string()).unwrap();
    Envelope::new(
        Sender::DiscordInteraction,
        event_type.into(),
        switchboard::envelope::Arrival::now(),
        payload,
    )
    .to_json()
}

/// The same, as ingest queues it when its responder answered inline (type
/// `answered_with`) and asked for it to be queued too.
fn queued_answered(event_type: &str, token: &str, name: &str, answered_with: u8) -> String {
    let mut envelope: Value = serde_json::from_str(&queued(
        event_type,
        chrono::Duration::seconds(1),
        token,
        Some(name),
    ))
    .unwrap();
    envelope["answered_with"] = json!(answered_with);
    envelope.to_string()
}

fn calls_for<'a>(calls: &'a [ApiCall], token: &str) -> Vec<&'a ApiCall> {
    calls.iter().filter(|call| call.token == token).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_interaction_is_answered_once_through_discords_endpoints() {
    let (log, _logging) = CapturedLog::install("trace");
    let api = DiscordApi::start(
        0,
        Races {
            unknown_webhook_first: true,
            rate_limit_first: None,
        },
    )
    .await
    .unwrap();
    let pongs = Arc::new(AtomicUsize::new(0));
    let processor = processor(&api, &pongs);
    let fresh = chrono::Duration::seconds(2);
    let bodies = [
        (
            "ping",
            queued("APPLICATION_COMMAND", fresh, "token-ping", Some("ping")),
        ),
        (
            "buy",
            queued("MESSAGE_COMPONENT", fresh, "token-buy", Some("buy:sku-42")),
        ),
        (
            "unrouted",
            queued("APPLICATION_COMMAND", fresh, "token-unrouted", Some("nope")),
        ),
        (
            "unrouted-button",
            queued("MESSAGE_COMPONENT", fresh, "token-button", Some("other")),
        ),
        ("modal", queued("MODAL_SUBMIT", fresh, "token-modal", None)),
        (
            "late",
            queued(
                "APPLICATION_COMMAND",
                chrono::Duration::minutes(16),
                "token-late",
                Some("ping"),
            ),
        ),
    ];
    let batch: Vec<(&str, &str)> = bodies
        .iter()
        .map(|(id, body)| (*id, body.as_str()))
        .collect();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(25);
    let response = processor.process(sqs_event(&batch), Some(deadline)).await;
    assert!(
        failed_ids(&response).is_empty(),
        "{:?}",
        failed_ids(&response)
    );

    let calls = api.calls();
    // The command: 404 10015 first, then the edit, with Discord's headers.
    let ping = calls_for(&calls, "token-ping");
    assert_eq!(ping.len(), 2, "{ping:?}");
    assert_eq!((ping[0].status, ping[1].status), (404, 200));
    assert!(ping
        .iter()
        .all(|call| call.method == "PATCH" && call.target == Target::Original));
    assert_eq!(ping[1].body["content"], "pong");
    assert!(ping[1].at - ping[0].at >= Duration::from_millis(200));
    assert!(
        ping[1].user_agent.starts_with("DiscordBot ("),
        "{}",
        ping[1].user_agent
    );
    assert!(
        calls.iter().all(|call| !call.authorization),
        "no Authorization header"
    );
    assert_eq!(ping[0].application_id, "1098765432109876543");
    assert_eq!(
        pongs.load(Ordering::SeqCst),
        1,
        "the late one ran no handler"
    );

    // The component, by its prefix route: a followup.
    let buy = calls_for(&calls, "token-buy");
    assert_eq!(buy.last().unwrap().target, Target::Followup);
    assert_eq!(buy.last().unwrap().body["content"], "bought buy:sku-42");

    // No route: the fallback edits the deferred message; a component gets an
    // ephemeral followup instead, leaving its message alone.
    let unrouted = calls_for(&calls, "token-unrouted");
    assert_eq!(unrouted.last().unwrap().target, Target::Original);
    assert_eq!(unrouted.last().unwrap().body["content"], "not here yet");
    let button = calls_for(&calls, "token-button");
    assert_eq!(button.last().unwrap().target, Target::Followup);
    assert_eq!(button.last().unwrap().body["flags"], 64);
    assert_eq!(calls_for(&calls, "token-modal").last().unwrap().status, 200);

    // Expired on arrival: no call at all.
    assert!(calls_for(&calls, "token-late").is_empty());
    let text = log.text();
    assert!(
        text.contains("interaction token expired before its record ran"),
        "{text}"
    );
    for token in [
        "token-ping",
        "token-buy",
        "token-unrouted",
        "token-button",
        "token-modal",
        "token-late",
    ] {
        assert!(
            !text.contains(token),
            "the token {token} reached a log line"
        );
    }
    assert!(
        text.contains("event handled"),
        "LogEvent ran for the unrouted ones"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_discord_has_forgotten_ends_the_record_as_expired() {
    let (_log, _logging) = CapturedLog::install("info");
    let api = DiscordApi::start(0, Races::default()).await.unwrap();
    api.forget("token-gone");
    let pongs = Arc::new(AtomicUsize::new(0));
    let processor = processor(&api, &pongs);
    let body = queued(
        "APPLICATION_COMMAND",
        chrono::Duration::seconds(1),
        "token-gone",
        Some("ping"),
    );
    let response = processor
        .process(sqs_event(&[("gone", body.as_str())]), None)
        .await;
    assert!(
        failed_ids(&response).is_empty(),
        "10062 is final, not retried"
    );
    let calls = api.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].status, 404);
    assert_eq!(pongs.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limit_is_waited_out_and_an_unreachable_discord_fails_the_record() {
    let (_log, _logging) = CapturedLog::install("info");
    let api = DiscordApi::start(
        0,
        Races {
            unknown_webhook_first: false,
            rate_limit_first: Some(0.3),
        },
    )
    .await
    .unwrap();
    let pongs = Arc::new(AtomicUsize::new(0));
    let body = queued(
        "APPLICATION_COMMAND",
        chrono::Duration::seconds(1),
        "token-429",
        Some("ping"),
    );
    let response = processor(&api, &pongs)
        .process(sqs_event(&[("limited", body.as_str())]), None)
        .await;
    assert!(failed_ids(&response).is_empty());
    let calls = api.calls();
    assert_eq!((calls[0].status, calls[1].status), (429, 200));
    assert!(calls[1].at - calls[0].at >= Duration::from_millis(300));

    // Nothing listening: the record fails, to be retried by SQS.
    let port = switchboard_devkit::free_port().unwrap();
    let config = switchboard::ProcessorConfig::from_lookup(|name| {
        (name == "DISCORD_API_BASE_URL").then(|| format!("http://127.0.0.1:{port}/api/v10"))
    })
    .unwrap();
    let registry = Registry::new()
        .on(PING, Pong(Arc::clone(&pongs)))
        .fallback(LogEvent)
        .build()
        .unwrap();
    let unreachable =
        processor::build_with(&config, registry, &aws_config::SdkConfig::builder().build())
            .unwrap();
    let response = unreachable
        .process(sqs_event(&[("down", body.as_str())]), None)
        .await;
    assert_eq!(failed_ids(&response), ["down"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interaction_ingest_answered_inline_gets_no_fallback() {
    let (_log, _logging) = CapturedLog::install("info");
    let api = DiscordApi::start(0, Races::default()).await.unwrap();
    let pongs = Arc::new(AtomicUsize::new(0));
    // A command answered with a modal (type 9), an autocomplete with choices
    // (type 8), both queued too, neither routed: nothing to edit or follow.
    let modal = queued_answered("APPLICATION_COMMAND", "token-modal-opened", "nope", 9);
    let choices = queued_answered(
        "APPLICATION_COMMAND_AUTOCOMPLETE",
        "token-choices",
        "ping",
        8,
    );
    let response = processor(&api, &pongs)
        .process(
            sqs_event(&[("m", modal.as_str()), ("c", choices.as_str())]),
            None,
        )
        .await;
    assert!(failed_ids(&response).is_empty());
    assert!(api.calls().is_empty(), "{:?}", api.calls());
    assert_eq!(
        pongs.load(Ordering::SeqCst),
        0,
        "an autocomplete is not the command"
    );
}
