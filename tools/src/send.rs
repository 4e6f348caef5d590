//! `switchboard send`: build a sample event, sign it as its sender would, POST
//! it to ingest and print the status and round-trip time.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::Value;
use switchboard::discord::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use switchboard::pluralkit::SIGNING_TOKEN_FIELD;
use switchboard::Sender;
use switchboard_devkit::fixtures::fixture_path;
use switchboard_devkit::sign_discord_request;

use crate::dev_keys::DevKeys;
use crate::state::StackState;
use crate::CliResult;

#[derive(Args)]
pub(crate) struct SendArgs {
    /// The event type, e.g. ENTITLEMENT_CREATE or CREATE_SWITCH; its sender is
    /// found from it.
    event_type: Option<String>,
    /// The sender, for a type both or neither know (Discord's `PING`), for
    /// `--all` of one sender, or for `--file`.
    #[arg(long, value_parser = parse_sender)]
    sender: Option<Sender>,
    /// Send every event type (of `--sender`, or of both senders).
    #[arg(long, conflicts_with_all = ["event_type", "file"])]
    all: bool,
    /// Send this JSON file instead of a fixture (needs `--sender`).
    #[arg(long, conflicts_with = "event_type", requires = "sender")]
    file: Option<PathBuf>,
    /// Sign with the wrong key (Discord) or send a wrong token (PluralKit); expects 401.
    #[arg(long)]
    bad_signature: bool,
    /// The PluralKit token to send (default: the dev token), e.g. one just
    /// written with `switchboard pluralkit set-token`.
    #[arg(long, conflicts_with = "bad_signature")]
    token: Option<String>,
    /// Send PluralKit events to this tenant's route, `/pluralkit/<TENANT>`,
    /// signed with its token (default: the local stack's dev token for it).
    #[arg(long)]
    tenant: Option<String>,
    /// For an interaction: the command name (a command, its autocomplete) or
    /// the `custom_id` (a component, a modal) to send instead of the sample's.
    #[arg(long)]
    name: Option<String>,
    /// The ingest base URL; the route (/discord, /discord/interactions or
    /// /pluralkit) is appended.
    #[arg(long, env = "SWITCHBOARD_INGEST_URL")]
    url: Option<String>,
}

fn parse_sender(text: &str) -> Result<Sender, String> {
    Sender::ALL
        .into_iter()
        .find(|sender| sender.as_str() == text)
        .ok_or_else(|| {
            format!("expected one of: discord, discord_interaction, pluralkit (got {text:?})")
        })
}

/// What to send: `(sender, file)` pairs.
fn targets(args: &SendArgs) -> CliResult<Vec<(Sender, PathBuf)>> {
    if let Some(file) = &args.file {
        let sender = args.sender.ok_or("--file needs --sender")?;
        return Ok(vec![(sender, file.clone())]);
    }
    if args.all {
        let senders = match args.sender {
            Some(sender) => vec![sender],
            None => Sender::ALL.to_vec(),
        };
        return Ok(senders
            .into_iter()
            .flat_map(|sender| {
                sender
                    .event_type_names()
                    .into_iter()
                    .map(move |name| (sender, fixture_path(sender, name)))
            })
            .collect());
    }
    let event_type = args
        .event_type
        .as_deref()
        .ok_or("give an EVENT_TYPE, --all or --file")?;
    let sender = args
        .sender
        .or_else(|| Sender::of_event_type(event_type))
        .ok_or_else(|| {
            format!(
                "{event_type} is not a type either sender sends; pass --sender to send it anyway"
            )
        })?;
    Ok(vec![(sender, fixture_path(sender, event_type))])
}

pub(crate) async fn run(dev_dir: &Path, args: SendArgs) -> CliResult {
    let keys = DevKeys::load_or_create(dev_dir)?;
    let base = match &args.url {
        Some(url) => url.clone(),
        None => StackState::load(dev_dir)
            .map(|s| s.ingest_url)
            .unwrap_or_else(|_| StackState::DEFAULT_INGEST_URL.into()),
    };
    let targets = targets(&args)?;

    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build();
    let mut unexpected = 0;
    for (sender, file) in targets {
        let route = match (sender, &args.tenant) {
            (Sender::Pluralkit, Some(tenant)) => format!("pluralkit/{tenant}"),
            _ => sender.path().trim_start_matches('/').to_owned(),
        };
        let url = format!("{}/{route}", base.trim_end_matches('/'));
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let value: Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        let name = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let expected = if args.bad_signature {
            401
        } else {
            sender.success_status()
        };

        let request = agent.post(&url).set("content-type", "application/json");
        let (request, body) = match sender {
            Sender::Discord | Sender::DiscordInteraction => {
                let value = match sender {
                    Sender::DiscordInteraction => fresh_interaction(value, args.name.as_deref()),
                    _ => value,
                };
                let body = serde_json::to_vec(&value)?;
                let timestamp = chrono_now().to_string();
                let key = if args.bad_signature {
                    ed25519_dalek::SigningKey::from_bytes(&[0x5a; 32])
                } else {
                    keys.signing_key.clone()
                };
                let signature = sign_discord_request(&key, &timestamp, &body);
                let request = request
                    .set(SIGNATURE_HEADER, &signature)
                    .set(TIMESTAMP_HEADER, &timestamp)
                    .set(
                        "user-agent",
                        "Discord-Interactions/1.0 (+https://discord.com)",
                    );
                (request, body)
            }
            Sender::Pluralkit => {
                let mut value = value;
                let token = match (&args.token, args.bad_signature) {
                    (_, true) => "not-the-token".to_owned(),
                    (Some(token), false) => token.clone(),
                    (None, false) => match &args.tenant {
                        Some(tenant) => keys.tenant_token(tenant),
                        None => keys.pluralkit_token.clone(),
                    },
                };
                if let Value::Object(fields) = &mut value {
                    fields.insert(SIGNING_TOKEN_FIELD.into(), Value::String(token));
                }
                let request = request.set(
                    "user-agent",
                    "PluralKit Dispatch (https://pluralkit.me/api/dispatch/)",
                );
                (request, serde_json::to_vec(&value)?)
            }
        };

        let started = Instant::now();
        let (status, answer) = match request.send_bytes(&body) {
            Ok(response) => (
                response.status(),
                response.into_string().unwrap_or_default(),
            ),
            Err(ureq::Error::Status(status, _)) => (status, String::new()),
            Err(error) => return Err(format!("POST {url}: {error} (is `make run` up?)").into()),
        };
        let elapsed = started.elapsed();
        let mark = if status == expected {
            "ok"
        } else {
            "UNEXPECTED"
        };
        // An interaction's answer is Discord's protocol (a deferral), not data.
        let answer = match sender {
            Sender::DiscordInteraction => format!("  {answer}"),
            _ => String::new(),
        };
        println!(
            "{route:<9} {name:<28} -> {status} in {:>7.1} ms  {mark}{answer}",
            elapsed.as_secs_f64() * 1000.0
        );
        if status != expected {
            unexpected += 1;
        }
    }
    if unexpected > 0 {
        return Err(format!("{unexpected} request(s) got an unexpected status").into());
    }
    Ok(())
}

/// A sample interaction made now: a fresh id (its snowflake time is its
/// token's age) and token, and the name asked for.
fn fresh_interaction(mut value: Value, name: Option<&str>) -> Value {
    let id = switchboard::interactions::snowflake::snowflake_at(chrono::Utc::now());
    let kind = value["type"].as_u64().unwrap_or(0);
    if let Value::Object(fields) = &mut value {
        fields.insert("token".into(), Value::String(format!("dev-token-{id}")));
        fields.insert("id".into(), Value::String(id));
    }
    if let (Some(name), Some(Value::Object(data))) = (name, value.get_mut("data")) {
        let field = match kind {
            3 | 5 => "custom_id",
            _ => "name",
        };
        data.insert(field.into(), Value::String(name.to_owned()));
    }
    value
}

fn chrono_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}
