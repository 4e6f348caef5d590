//! Where the running local stack is, written by `stack` and read by the
//! other subcommands.

use std::path::Path;

use crate::CliResult;

const STATE_FILE: &str = "stack.json";

/// The local stack's endpoints and queues.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct StackState {
    pub(crate) sqs_endpoint: String,
    pub(crate) queue_url: String,
    pub(crate) dlq_url: String,
    pub(crate) ingest_url: String,
    pub(crate) invoke_url: String,
    /// The queue the local bus's rule copies every event to.
    #[serde(default)]
    pub(crate) bus_target_url: Option<String>,
    /// The SSM parameter ingest reads the PluralKit tokens from.
    #[serde(default)]
    pub(crate) pluralkit_token_parameter: Option<String>,
    /// The PluralKit tenant table ingest serves `/pluralkit/{tenant}` from.
    #[serde(default)]
    pub(crate) tenant_table: Option<String>,
    /// The bucket the processor archives every record in.
    #[serde(default)]
    pub(crate) archive_bucket: Option<String>,
}

impl StackState {
    pub(crate) const DEFAULT_INGEST_URL: &'static str = "http://127.0.0.1:9000/lambda-url/ingest";
    pub(crate) const DEFAULT_INVOKE_URL: &'static str =
        "http://127.0.0.1:9000/2015-03-31/functions/processor/invocations";

    /// The ingest base URL under `cargo lambda watch` on `port`.
    pub(crate) fn ingest_url(port: u16) -> String {
        format!("http://127.0.0.1:{port}/lambda-url/ingest")
    }

    /// The processor's invoke URL under `cargo lambda watch` on `port`.
    pub(crate) fn invoke_url(port: u16) -> String {
        Self::function_invoke_url(port, "processor")
    }

    /// A function's invoke URL under `cargo lambda watch` on `port`.
    pub(crate) fn function_invoke_url(port: u16, function: &str) -> String {
        format!("http://127.0.0.1:{port}/2015-03-31/functions/{function}/invocations")
    }

    pub(crate) fn load(dev_dir: &Path) -> CliResult<Self> {
        Ok(serde_json::from_str(&std::fs::read_to_string(
            dev_dir.join(STATE_FILE),
        )?)?)
    }

    pub(crate) fn save(&self, dev_dir: &Path) -> CliResult {
        std::fs::write(
            dev_dir.join(STATE_FILE),
            serde_json::to_string_pretty(self)?,
        )?;
        Ok(())
    }

    pub(crate) fn remove(dev_dir: &Path) {
        // Absent already is the state we want.
        let _ = std::fs::remove_file(dev_dir.join(STATE_FILE));
    }
}
