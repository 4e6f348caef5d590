//! `switchboard forward set-secret`: write the Standard Webhooks secret the
//! processor signs forwarded events with to its SSM SecureString (the stack
//! output `ForwardSecretParameter`), generating one when none is given.
//!
//! A rotation has no gap: `--rotate` keeps the current key beside the new
//! one, so every request carries a signature by each while the receivers
//! change over; `--finish-rotation` then drops the old one.

use std::path::Path;

use base64::Engine;
use clap::{Args, Subcommand};
use switchboard::builtin::config::SECRET_REFRESH_AFTER;
use switchboard::builtin::ForwardSecret;
use switchboard::config::{FORWARD_SECRET, FORWARD_SECRET_PARAMETER};

use crate::parameters::{ParameterArgs, SecretParameter};
use crate::CliResult;

#[derive(Subcommand)]
pub(crate) enum ForwardCommand {
    /// Write the forwarding secret (a new one when SECRET is not given).
    SetSecret(SetSecretArgs),
}

#[derive(Args)]
pub(crate) struct SetSecretArgs {
    /// A `whsec_` secret, `-` to read it from standard input; without it, a
    /// new one (32 random bytes) is made and printed once.
    secret: Option<String>,
    /// Keep the current key and add this one: both sign every request until
    /// `--finish-rotation`.
    #[arg(long, conflicts_with = "finish_rotation")]
    rotate: bool,
    /// End a rotation: keep only the newest key.
    #[arg(long, conflicts_with = "secret")]
    finish_rotation: bool,
    #[command(flatten)]
    target: ParameterArgs,
}

pub(crate) async fn run(dev_dir: &Path, command: ForwardCommand) -> CliResult {
    match command {
        ForwardCommand::SetSecret(args) => set_secret(dev_dir, args).await,
    }
}

async fn set_secret(dev_dir: &Path, args: SetSecretArgs) -> CliResult {
    let parameter = args
        .target
        .resolve(dev_dir, SecretParameter::ForwardSecret)
        .await?;
    let current = match args.rotate || args.finish_rotation {
        true => match parameter.value().await? {
            Some(text) => Some(ForwardSecret::parse(&text, FORWARD_SECRET_PARAMETER)?),
            None => return Err(format!("{} holds no secret to rotate", parameter.name).into()),
        },
        false => None,
    };
    // The newest key of the current secret: a rotation keeps only it.
    let newest = current.as_ref().and_then(|secret| secret.keys().last());
    let (text, generated) = if args.finish_rotation {
        (newest.unwrap_or_default().to_owned(), None)
    } else {
        let generated = args.secret.is_none();
        let key = match args.secret {
            None => generate()?,
            given => crate::secret_input::value_or_stdin(given, "secret")?,
        };
        let text = match newest {
            Some(old) if old != key => format!("{old} {key}"),
            _ => key.clone(),
        };
        (text, generated.then_some(key))
    };
    // The same check the processor makes, before anything is written.
    let secret = ForwardSecret::parse(&text, FORWARD_SECRET)?;
    parameter.write(secret.expose()).await?;
    let keys = secret.keys().count();
    println!(
        "wrote the forwarding secret ({keys} key{}) to the SecureString {}",
        if keys == 1 {
            ""
        } else {
            "s, each signing every request"
        },
        parameter.name
    );
    if let Some(key) = generated {
        println!("Give your receiver this secret (it is not shown again):");
        println!("{key}");
    }
    println!(
        "Running processor instances sign with it within {} s (they read it again \
         that often); new instances at once.",
        SECRET_REFRESH_AFTER.as_secs()
    );
    if keys > 1 {
        println!(
            "When every receiver verifies with the new key, end the rotation: \
             `switchboard forward set-secret --finish-rotation`, with the same target."
        );
    }
    Ok(())
}

/// A new secret: 32 random bytes.
fn generate() -> CliResult<String> {
    let mut key = [0u8; 32];
    getrandom::getrandom(&mut key).map_err(|e| format!("no randomness: {e}"))?;
    Ok(format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    ))
}
