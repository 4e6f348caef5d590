//! `switchboard`: the developer's companion for the local stack.

mod archive;
mod dev_keys;
mod doctor;
mod events;
mod forward;
mod listen;
mod parameters;
mod pluralkit;
mod poller;
mod queues;
mod secret_input;
mod send;
mod stack;
mod state;
mod summary;
mod tenants;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "switchboard",
    version,
    about = "Send, inspect and process switchboard events locally"
)]
struct Cli {
    /// Where the dev keys and the local stack's state live (git-ignored).
    #[arg(
        long,
        global = true,
        env = "SWITCHBOARD_DEV_DIR",
        default_value = ".dev"
    )]
    dev_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign and POST a sample event to the ingest URL.
    Send(send::SendArgs),
    /// Create (on first use) and show the local Discord key pair and PluralKit token.
    Keys,
    /// Long-poll the queue and hand batches to the processor, as Lambda's SQS trigger does.
    Poll(poller::PollArgs),
    /// Show the messages on the queue (or the DLQ) without deleting them.
    Peek(queues::PeekArgs),
    /// Move dead-letter messages back to the main queue.
    Redrive(queues::QueueArgs),
    /// Run the whole local stack: moto, `cargo lambda watch` and the poller.
    Stack(stack::StackArgs),
    /// Check a deployed (or local) endpoint the way the senders will, before registering it.
    Doctor(doctor::DoctorArgs),
    /// PluralKit registration: write the signing token ingest reads from SSM.
    Pluralkit {
        #[command(subcommand)]
        command: pluralkit::PluralKitCommand,
    },
    /// Forwarding: write the Standard Webhooks secret the processor signs with.
    Forward {
        #[command(subcommand)]
        command: forward::ForwardCommand,
    },
    /// The archive: list, show and replay the events the processor kept.
    Events {
        #[command(subcommand)]
        command: events::EventsCommand,
    },
    /// Receive forwarded events: verify their signatures, print them, answer 200.
    Listen(listen::ListenArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Send(args) => send::run(&cli.dev_dir, args).await,
        Command::Keys => dev_keys::DevKeys::load_or_create(&cli.dev_dir).map(|keys| keys.print()),
        Command::Poll(args) => poller::poll(&cli.dev_dir, args).await,
        Command::Peek(args) => queues::peek(&cli.dev_dir, args).await,
        Command::Redrive(args) => queues::redrive(&cli.dev_dir, args).await,
        Command::Stack(args) => stack::run(&cli.dev_dir, args).await,
        Command::Listen(args) => listen::run(&cli.dev_dir, args).await,
        Command::Doctor(args) => doctor::run(&cli.dev_dir, args).await,
        Command::Pluralkit { command } => pluralkit::run(&cli.dev_dir, command).await,
        Command::Forward { command } => forward::run(&cli.dev_dir, command).await,
        Command::Events { command } => events::run(&cli.dev_dir, command).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("switchboard: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Any failure of a command, printed once by `main`.
type CliResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;
