//! `switchboard pluralkit set-token`: write the PluralKit signing token(s) to
//! the SSM SecureString ingest reads, so a token `pk;s webhook` just showed is
//! accepted seconds later, with no deploy.

use std::path::Path;

use clap::{Args, Subcommand};
use switchboard::config::SECRET_REFRESH_INTERVAL_SECS;
use switchboard::pluralkit::config::DEFAULT_REFRESH_INTERVAL;

use crate::dev_keys::write_private;
use crate::parameters::{ParameterArgs, SecretParameter};
use crate::CliResult;

#[derive(Subcommand)]
pub(crate) enum PluralKitCommand {
    /// Write the signing token PluralKit showed (`pk;s webhook <url>`).
    SetToken(SetTokenArgs),
    /// PluralKit for many systems: the tenants of `/pluralkit/{tenant}`.
    Tenant {
        #[command(subcommand)]
        command: crate::tenants::TenantCommand,
    },
}

#[derive(Args)]
pub(crate) struct SetTokenArgs {
    /// The token, as PluralKit showed it; `-` or nothing reads it from
    /// standard input, which keeps it out of `ps` and the shell's history.
    token: Option<String>,
    /// Keep the tokens already there and add this one (a rotation, or a
    /// second registration); without it, this token replaces them.
    #[arg(long)]
    add: bool,
    #[command(flatten)]
    target: ParameterArgs,
}

pub(crate) async fn run(dev_dir: &Path, command: PluralKitCommand) -> CliResult {
    match command {
        PluralKitCommand::SetToken(args) => set_token(dev_dir, args).await,
        PluralKitCommand::Tenant { command } => crate::tenants::run(dev_dir, command).await,
    }
}

async fn set_token(dev_dir: &Path, args: SetTokenArgs) -> CliResult {
    let token = crate::secret_input::value_or_stdin(args.token, "token")?;
    let token = token.trim();
    if token.is_empty() || token.contains(',') {
        return Err("a token is one non-empty value without commas".into());
    }
    let parameter = args
        .target
        .resolve(dev_dir, SecretParameter::PluralKitToken)
        .await?;
    let mut tokens = match args.add {
        true => parameter.tokens().await?,
        false => Vec::new(),
    };
    if !tokens.iter().any(|known| known == token) {
        tokens.push(token.to_owned());
    }
    parameter.write(&tokens.join(",")).await?;
    if parameter.local && !args.add {
        // `switchboard send` signs with the dev token: keep it the one in use.
        write_private(&dev_dir.join(crate::dev_keys::TOKEN_FILE), token)?;
    }
    println!(
        "wrote {} token(s) to the SecureString {}",
        tokens.len(),
        parameter.name
    );
    println!(
        "Running ingest instances take it on the first request that carries it: a token \
         that matches none they hold makes them read the parameter again at once, unless \
         they read it less than {SECRET_REFRESH_INTERVAL_SECS} ({} s by default) ago. \
         New instances read it when they start.",
        DEFAULT_REFRESH_INTERVAL.as_secs()
    );
    println!("You can now answer yes to PluralKit's prompt.");
    Ok(())
}
