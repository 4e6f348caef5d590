//! The SSM SecureStrings the CLI writes and reads: found by name
//! (`--parameter`), from a deployed stack's output (`--stack-name`), or as the
//! local stack's; written with your AWS credentials, region and profile.

use std::path::Path;

use aws_sdk_ssm::types::ParameterType;
use clap::Args;
use switchboard_devkit::local_ssm_client;

use crate::state::StackState;
use crate::CliResult;

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
    /// The KMS key to encrypt the parameter with (default: the stack's
    /// `SecretsKmsKeyId` output with --stack-name, else SSM's `aws/ssm`).
    #[arg(long)]
    kms_key_id: Option<String>,
}

/// An SSM client and the parameter's name.
pub(crate) struct Parameter {
    pub(crate) client: aws_sdk_ssm::Client,
    pub(crate) name: String,
    /// True for the local stack's parameter (its dev token file follows it).
    pub(crate) local: bool,
    /// The KMS key it is encrypted with; `None` for SSM's default key.
    pub(crate) kms_key_id: Option<String>,
}

/// The secrets the CLI writes, each in its own SecureString.
#[derive(Clone, Copy)]
pub(crate) enum SecretParameter {
    /// The PluralKit signing token(s), which ingest reads.
    PluralKitToken,
    /// The forwarding secret, which the processor reads.
    ForwardSecret,
}

impl SecretParameter {
    /// The stack output that names the parameter.
    fn output(self) -> &'static str {
        match self {
            SecretParameter::PluralKitToken => "PluralKitSigningTokenParameter",
            SecretParameter::ForwardSecret => "ForwardSecretParameter",
        }
    }

    /// The local stack's parameter, if it keeps this secret in SSM.
    fn local(self, state: StackState) -> Option<String> {
        match self {
            SecretParameter::PluralKitToken => state.pluralkit_token_parameter,
            // The local stack passes the dev secret as a plain variable.
            SecretParameter::ForwardSecret => None,
        }
    }
}

impl ParameterArgs {
    pub(crate) async fn resolve(
        &self,
        dev_dir: &Path,
        secret: SecretParameter,
    ) -> CliResult<Parameter> {
        let local = StackState::load(dev_dir)
            .ok()
            .filter(|_| self.stack_name.is_none());
        let endpoint = self.ssm_endpoint.clone().or_else(|| {
            local
                .as_ref()
                .filter(|_| self.parameter.is_none())
                .map(|state| state.sqs_endpoint.clone())
        });
        // A local endpoint, or your AWS settings (needed for the stack's outputs too).
        let (client, aws) = match &endpoint {
            Some(endpoint) => (local_ssm_client(endpoint), None),
            None => {
                let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
                (aws_sdk_ssm::Client::new(&aws), Some(aws))
            }
        };
        let kms_key_id = self.kms_key_id.clone();
        if let Some(name) = &self.parameter {
            return Ok(Parameter {
                client,
                name: name.clone(),
                local: false,
                kms_key_id,
            });
        }
        if let (Some(stack), Some(aws)) = (&self.stack_name, &aws) {
            // The key the functions' policy lets them decrypt with: a
            // parameter under another key could not be read.
            let kms_key_id = match kms_key_id {
                Some(key) => Some(key),
                None => find_output(aws, stack, KMS_KEY_OUTPUT)
                    .await?
                    .filter(|key| key != SSM_DEFAULT_KEY),
            };
            return Ok(Parameter {
                client,
                name: stack_output(aws, stack, secret.output()).await?,
                local: false,
                kms_key_id,
            });
        }
        match local.and_then(|state| secret.local(state)) {
            Some(name) => Ok(Parameter {
                client,
                name,
                local: true,
                kms_key_id,
            }),
            None => Err(
                "which parameter? Pass --stack-name (the deployed stack) or --parameter, \
                 or start the local stack with `make run`"
                    .into(),
            ),
        }
    }
}

/// The stack output naming the key the secret parameters are encrypted with.
const KMS_KEY_OUTPUT: &str = "SecretsKmsKeyId";

/// SSM's own key, which the stack output names when `SecretsKmsKeyArn` is empty.
const SSM_DEFAULT_KEY: &str = "alias/aws/ssm";

/// A CloudFormation stack's output value.
pub(crate) async fn stack_output(
    aws: &aws_config::SdkConfig,
    stack: &str,
    key: &str,
) -> CliResult<String> {
    find_output(aws, stack, key)
        .await?
        .ok_or_else(|| format!("stack {stack} has no {key} output").into())
}

/// A CloudFormation stack's output value, `None` when it has no such output
/// (a stack deployed from an older template).
pub(crate) async fn find_output(
    aws: &aws_config::SdkConfig,
    stack: &str,
    key: &str,
) -> CliResult<Option<String>> {
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
    Ok(output
        .stacks()
        .iter()
        .flat_map(|stack| stack.outputs())
        .find(|output| output.output_key() == Some(key))
        .and_then(|output| output.output_value())
        .map(str::to_owned))
}

impl Parameter {
    /// Writes `value` as the SecureString, under the stack's key, replacing
    /// what was there.
    pub(crate) async fn write(&self, value: &str) -> CliResult {
        self.client
            .put_parameter()
            .name(&self.name)
            .value(value)
            .r#type(ParameterType::SecureString)
            .set_key_id(self.kms_key_id.clone())
            .overwrite(true)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "write {}: {}",
                    self.name,
                    aws_sdk_ssm::error::DisplayErrorContext(e)
                )
            })?;
        Ok(())
    }

    /// The tokens there now; none when the parameter does not exist.
    pub(crate) async fn tokens(&self) -> CliResult<Vec<String>> {
        Ok(self
            .value()
            .await?
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .map(str::to_owned)
            .collect())
    }

    /// The value there now; `None` when the parameter does not exist.
    pub(crate) async fn value(&self) -> CliResult<Option<String>> {
        match self
            .client
            .get_parameter()
            .name(&self.name)
            .with_decryption(true)
            .send()
            .await
        {
            Ok(output) => Ok(output.parameter.and_then(|p| p.value)),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_parameter_not_found()) =>
            {
                Ok(None)
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
