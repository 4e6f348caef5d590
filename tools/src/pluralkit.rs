//! `switchboard pluralkit set-token`: write the PluralKit signing token(s) to
//! the SSM SecureString ingest reads, so a token `pk;s webhook` just showed is
//! accepted seconds later, with no deploy.

use std::path::Path;

use aws_sdk_ssm::types::ParameterType;
use clap::{Args, Subcommand};
use switchboard::config::SECRET_REFRESH_INTERVAL_SECS;
use switchboard::pluralkit::config::DEFAULT_REFRESH_INTERVAL;
use switchboard_devkit::local_ssm_client;

use crate::dev_keys::write_private;
use crate::state::StackState;
use crate::CliResult;

/// The stack output that names the parameter.
const PARAMETER_OUTPUT: &str = "PluralKitSigningTokenParameter";

#[derive(Subcommand)]
pub(crate) enum PluralKitCommand {
    /// Write the signing token PluralKit showed (`pk;s webhook <url>`).
    SetToken(SetTokenArgs),
}

#[derive(Args)]
pub(crate) struct SetTokenArgs {
    /// The token, as PluralKit showed it.
    token: String,
    /// Keep the tokens already there and add this one (a rotation, or a
    /// second registration); without it, this token replaces them.
    #[arg(long)]
    add: bool,
    #[command(flatten)]
    target: ParameterArgs,
}

/// Where the parameter is: named, or the deployed stack's, or the local stack's.
#[derive(Args)]
pub(crate) struct ParameterArgs {
    /// The parameter's name (default: the stack's `PluralKitSigningTokenParameter`
    /// output, or the local stack's parameter).
    #[arg(long)]
    parameter: Option<String>,
    /// The deployed stack whose output names the parameter.
    #[arg(long, env = "SWITCHBOARD_STACK")]
    stack_name: Option<String>,
    /// A local SSM endpoint (moto); default: the local stack's, else AWS with
    /// your credentials, region and profile.
    #[arg(long, env = "AWS_ENDPOINT_URL_SSM")]
    ssm_endpoint: Option<String>,
}

/// An SSM client and the parameter's name.
pub(crate) struct Parameter {
    pub(crate) client: aws_sdk_ssm::Client,
    pub(crate) name: String,
    /// True for the local stack's parameter (its dev token file follows it).
    pub(crate) local: bool,
}

impl ParameterArgs {
    pub(crate) async fn resolve(&self, dev_dir: &Path) -> CliResult<Parameter> {
        let local = StackState::load(dev_dir)
            .ok()
            .filter(|_| self.stack_name.is_none());
        let endpoint = self.ssm_endpoint.clone().or_else(|| {
            local
                .as_ref()
                .filter(|_| self.parameter.is_none())
                .map(|state| state.sqs_endpoint.clone())
        });
        let aws = match &endpoint {
            Some(_) => None,
            None => Some(aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await),
        };
        let client = match (&endpoint, &aws) {
            (Some(endpoint), _) => local_ssm_client(endpoint),
            (None, Some(aws)) => aws_sdk_ssm::Client::new(aws),
            (None, None) => unreachable!("one of the two is always set"),
        };
        if let Some(name) = &self.parameter {
            return Ok(Parameter {
                client,
                name: name.clone(),
                local: false,
            });
        }
        if let (Some(stack), Some(aws)) = (&self.stack_name, &aws) {
            return Ok(Parameter {
                client,
                name: stack_output(aws, stack, PARAMETER_OUTPUT).await?,
                local: false,
            });
        }
        match local.and_then(|state| state.pluralkit_token_parameter) {
            Some(name) => Ok(Parameter {
                client,
                name,
                local: true,
            }),
            None => Err(
                "which parameter? Pass --stack-name (the deployed stack) or --parameter, \
                 or start the local stack with `make run`"
                    .into(),
            ),
        }
    }
}

/// A CloudFormation stack's output value.
async fn stack_output(aws: &aws_config::SdkConfig, stack: &str, key: &str) -> CliResult<String> {
    let output = aws_sdk_cloudformation::Client::new(aws)
        .describe_stacks()
        .stack_name(stack)
        .send()
        .await
        .map_err(|e| {
            format!(
                "describe stack {stack}: {}",
                aws_sdk_cloudformation::error::DisplayErrorContext(e)
            )
        })?;
    output
        .stacks()
        .iter()
        .flat_map(|stack| stack.outputs())
        .find(|output| output.output_key() == Some(key))
        .and_then(|output| output.output_value())
        .map(str::to_owned)
        .ok_or_else(|| format!("stack {stack} has no {key} output").into())
}

impl Parameter {
    /// The tokens there now; none when the parameter does not exist.
    pub(crate) async fn tokens(&self) -> CliResult<Vec<String>> {
        match self
            .client
            .get_parameter()
            .name(&self.name)
            .with_decryption(true)
            .send()
            .await
        {
            Ok(output) => Ok(output
                .parameter
                .and_then(|p| p.value)
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|token| !token.is_empty())
                .map(str::to_owned)
                .collect()),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_parameter_not_found()) =>
            {
                Ok(Vec::new())
            }
            Err(error) => Err(format!(
                "read {}: {}",
                self.name,
                aws_sdk_ssm::error::DisplayErrorContext(error)
            )
            .into()),
        }
    }
}

pub(crate) async fn run(dev_dir: &Path, command: PluralKitCommand) -> CliResult {
    match command {
        PluralKitCommand::SetToken(args) => set_token(dev_dir, args).await,
    }
}

async fn set_token(dev_dir: &Path, args: SetTokenArgs) -> CliResult {
    let token = args.token.trim();
    if token.is_empty() || token.contains(',') {
        return Err("a token is one non-empty value without commas".into());
    }
    let parameter = args.target.resolve(dev_dir).await?;
    let mut tokens = match args.add {
        true => parameter.tokens().await?,
        false => Vec::new(),
    };
    if !tokens.iter().any(|known| known == token) {
        tokens.push(token.to_owned());
    }
    parameter
        .client
        .put_parameter()
        .name(&parameter.name)
        .value(tokens.join(","))
        .r#type(ParameterType::SecureString)
        .overwrite(true)
        .send()
        .await
        .map_err(|e| {
            format!(
                "write {}: {}",
                parameter.name,
                aws_sdk_ssm::error::DisplayErrorContext(e)
            )
        })?;
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
