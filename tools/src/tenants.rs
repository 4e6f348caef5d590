//! `switchboard pluralkit tenant …`: the integrator's side of PluralKit for
//! many systems. Each command writes or reads the tenant table: the deployed
//! stack's (`--stack-name`, from its outputs), a named one (`--table`, with
//! your AWS settings), or the local stack's. Tokens are read from standard
//! input, never from the command line, and only their digests are written.

use std::path::Path;

use clap::{Args, Subcommand};
use switchboard::pluralkit::tenant_table::TenantTable;
use switchboard::pluralkit::TenantId;
use switchboard_devkit::local_dynamodb_client;

use crate::parameters::find_output;
use crate::state::StackState;
use crate::CliResult;

/// The stack output naming the tenant table.
const TABLE_OUTPUT: &str = "PluralKitTenantTableName";
/// The stack output a tenant's URL starts with.
const URL_OUTPUT: &str = "PluralKitTenantUrlPrefix";

#[derive(Subcommand)]
pub(crate) enum TenantCommand {
    /// Create a tenant and print the URL its user registers with PluralKit.
    Add(TenantIdArgs),
    /// Write the token PluralKit showed the tenant's user (read from stdin).
    SetToken(SetTenantTokenArgs),
    /// Turn a tenant off (its URL answers 401), keeping its item.
    Disable(TenantIdArgs),
    /// Turn a disabled tenant on again.
    Enable(TenantIdArgs),
    /// Remove a tenant's item.
    Remove(TenantIdArgs),
    /// Every tenant: id, pinned system, state, how many tokens (never a digest).
    List(TableArgs),
}

#[derive(Args)]
pub(crate) struct TenantIdArgs {
    /// The tenant id: 1 to 64 of A-Z, a-z, 0-9, `-` and `_`.
    id: String,
    #[command(flatten)]
    table: TableArgs,
}

#[derive(Args)]
pub(crate) struct SetTenantTokenArgs {
    /// The tenant id.
    id: String,
    /// Keep the tokens already there and add this one (a rotation).
    #[arg(long)]
    add: bool,
    #[command(flatten)]
    table: TableArgs,
}

/// Which tenant table.
#[derive(Args)]
pub(crate) struct TableArgs {
    /// The table's name (default: the stack's `PluralKitTenantTableName`
    /// output, or the local stack's table).
    #[arg(long)]
    table: Option<String>,
    /// The deployed stack whose outputs name the table and the URL prefix.
    #[arg(long, env = "SWITCHBOARD_STACK")]
    stack_name: Option<String>,
    /// A local DynamoDB endpoint (moto); default: the local stack's, else
    /// AWS with your credentials, region and profile.
    #[arg(long, env = "AWS_ENDPOINT_URL_DYNAMODB")]
    dynamodb_endpoint: Option<String>,
}

/// The table, and where a tenant's URL starts, when known.
struct Target {
    table: TenantTable,
    url_prefix: Option<String>,
}

impl TableArgs {
    async fn resolve(&self, dev_dir: &Path) -> CliResult<Target> {
        let local = StackState::load(dev_dir)
            .ok()
            .filter(|_| self.stack_name.is_none());
        let endpoint = self.dynamodb_endpoint.clone().or_else(|| {
            local
                .as_ref()
                .filter(|_| self.table.is_none())
                .map(|state| state.sqs_endpoint.clone())
        });
        let (client, aws) = match &endpoint {
            Some(endpoint) => (local_dynamodb_client(endpoint), None),
            None => {
                let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
                (aws_sdk_dynamodb::Client::new(&aws), Some(aws))
            }
        };
        if let Some(table) = &self.table {
            return Ok(Target {
                table: TenantTable::new(client, table.clone()),
                url_prefix: None,
            });
        }
        if let (Some(stack), Some(aws)) = (&self.stack_name, &aws) {
            let table = find_output(aws, stack, TABLE_OUTPUT)
                .await?
                .filter(|name| !name.starts_with('('))
                .ok_or_else(|| {
                    format!(
                        "stack {stack} serves no tenants: deploy it with PluralKitTenants=Enabled"
                    )
                })?;
            return Ok(Target {
                table: TenantTable::new(client, table),
                url_prefix: find_output(aws, stack, URL_OUTPUT).await?,
            });
        }
        match local.and_then(|state| state.tenant_table.clone().map(|table| (table, state))) {
            Some((table, state)) => Ok(Target {
                table: TenantTable::new(client, table),
                url_prefix: Some(format!("{}/pluralkit/", state.ingest_url)),
            }),
            None => Err(
                "which table? Pass --stack-name (the deployed stack) or --table, \
                 or start the local stack with `make run`"
                    .into(),
            ),
        }
    }
}

fn tenant_id(text: &str) -> CliResult<TenantId> {
    TenantId::parse(text).ok_or_else(|| {
        format!("{text:?} is not a tenant id: 1 to 64 of A-Z, a-z, 0-9, - and _").into()
    })
}

pub(crate) async fn run(dev_dir: &Path, command: TenantCommand) -> CliResult {
    match command {
        TenantCommand::Add(args) => {
            let id = tenant_id(&args.id)?;
            let target = args.table.resolve(dev_dir).await?;
            let created = target.table.create(&id).await.map_err(|e| e.to_string())?;
            println!(
                "{} tenant {id}",
                if created {
                    "created"
                } else {
                    "kept the existing"
                }
            );
            match &target.url_prefix {
                Some(prefix) => {
                    println!("Its URL: {prefix}{id}");
                    println!("Have its user run, in Discord:  pk;s webhook {prefix}{id}");
                }
                None => println!("Its URL: <PluralKitTenantUrlPrefix>{id}"),
            }
            println!(
                "Then have them paste the token PluralKit shows into your form, write it with \
                 `switchboard pluralkit tenant set-token {id}` (or your backend), and only then \
                 answer yes to PluralKit."
            );
        }
        TenantCommand::SetToken(args) => {
            let id = tenant_id(&args.id)?;
            // Never from the command line: it would show in `ps` and the history.
            let token = crate::secret_input::read_stdin("token")?;
            let target = args.table.resolve(dev_dir).await?;
            target
                .table
                .set_token(&id, &token, args.add)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "wrote the token's digest for tenant {id}{}",
                if args.add {
                    " beside the ones there"
                } else {
                    ""
                }
            );
            println!(
                "Running ingest instances take it on the first request that carries it (at \
                 most one read per tenant per SECRET_REFRESH_INTERVAL_SECS); you can now \
                 answer yes to PluralKit's prompt."
            );
        }
        TenantCommand::Disable(args) => set_disabled(dev_dir, args, true).await?,
        TenantCommand::Enable(args) => set_disabled(dev_dir, args, false).await?,
        TenantCommand::Remove(args) => {
            let id = tenant_id(&args.id)?;
            let target = args.table.resolve(dev_dir).await?;
            target.table.remove(&id).await.map_err(|e| e.to_string())?;
            println!(
                "removed tenant {id}; its URL answers 401 once ingest's cache time \
                 (PLURALKIT_TENANT_CACHE_SECS, 60 s by default) has passed"
            );
        }
        TenantCommand::List(args) => {
            let target = args.resolve(dev_dir).await?;
            let tenants = target.table.list().await.map_err(|e| e.to_string())?;
            println!("{} tenant(s)", tenants.len());
            for tenant in tenants {
                println!(
                    "{:<24} system={:<38} {:<8} tokens={}",
                    tenant.tenant,
                    tenant.system_id.as_deref().unwrap_or("(not pinned yet)"),
                    if tenant.disabled {
                        "disabled"
                    } else {
                        "enabled"
                    },
                    tenant.tokens
                );
            }
        }
    }
    Ok(())
}

async fn set_disabled(dev_dir: &Path, args: TenantIdArgs, disabled: bool) -> CliResult {
    let id = tenant_id(&args.id)?;
    let target = args.table.resolve(dev_dir).await?;
    target
        .table
        .set_disabled(&id, disabled)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "tenant {id} {} (within ingest's cache time, PLURALKIT_TENANT_CACHE_SECS)",
        if disabled {
            "disabled: its URL answers 401"
        } else {
            "enabled again"
        }
    );
    Ok(())
}
