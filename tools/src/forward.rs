//! `switchboard forward set-secret`: write the Standard Webhooks secret the
//! processor signs forwarded events with to its SSM SecureString (the stack
//! output `ForwardSecretParameter`), generating one when none is given.

use std::path::Path;

use base64::Engine;
use clap::{Args, Subcommand};
use switchboard::builtin::ForwardSecret;
use switchboard::config::FORWARD_SECRET;

use crate::parameters::{ParameterArgs, SecretParameter};
use crate::CliResult;

#[derive(Subcommand)]
pub(crate) enum ForwardCommand {
    /// Write the forwarding secret (a new one when SECRET is not given).
    SetSecret(SetSecretArgs),
}

#[derive(Args)]
pub(crate) struct SetSecretArgs {
    /// A `whsec_` secret; without it, a new one (32 random bytes) is made and printed.
    secret: Option<String>,
    #[command(flatten)]
    target: ParameterArgs,
}

pub(crate) async fn run(dev_dir: &Path, command: ForwardCommand) -> CliResult {
    match command {
        ForwardCommand::SetSecret(args) => set_secret(dev_dir, args).await,
    }
}

async fn set_secret(dev_dir: &Path, args: SetSecretArgs) -> CliResult {
    let generated = args.secret.is_none();
    let text = match args.secret {
        Some(secret) => secret,
        None => {
            let mut key = [0u8; 32];
            getrandom::getrandom(&mut key).map_err(|e| format!("no randomness: {e}"))?;
            format!(
                "whsec_{}",
                base64::engine::general_purpose::STANDARD.encode(key)
            )
        }
    };
    // The same check the processor makes at cold start, before anything is written.
    let secret = ForwardSecret::parse(&text, FORWARD_SECRET)?;
    let parameter = args
        .target
        .resolve(dev_dir, SecretParameter::ForwardSecret)
        .await?;
    parameter.write(secret.expose()).await?;
    println!(
        "wrote the forwarding secret to the SecureString {}",
        parameter.name
    );
    if generated {
        println!("Give your receiver this secret (it is not shown again):");
        println!("{}", secret.expose());
    }
    println!(
        "The processor reads it when an instance starts: instances running now keep \
         signing with the old one until they are replaced (any configuration change, \
         or `make deploy-code`, replaces them at once)."
    );
    Ok(())
}
