//! The functions' log setup: Lambda's log controls (`AWS_LAMBDA_LOG_LEVEL`,
//! `AWS_LAMBDA_LOG_FORMAT`, else `RUST_LOG`), as `lambda_runtime`'s default
//! subscriber reads them, plus one rule no configuration can lift: the
//! libraries that log raw events or HTTP bodies at TRACE never do. At TRACE
//! `lambda_runtime` logs every raw event it receives, PluralKit's token
//! included.

use tracing::{Level, Metadata, Subscriber};
use tracing_subscriber::filter::{filter_fn, EnvFilter, LevelFilter};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Crates whose TRACE events can hold a raw event, a request or response
/// body, or a header value. Every `aws_*` crate (the SDKs, smithy, sigv4,
/// aws-config) counts too.
const SECRET_BEARING_TARGETS: &[&str] = &[
    "lambda_runtime",
    "lambda_runtime_api_client",
    "lambda_http",
    "hyper",
    "hyper_util",
    "h2",
    "reqwest",
    "rustls",
    "tower",
];

/// How to log, from the environment Lambda sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    /// `EnvFilter` directives (a level, or `target=level` pairs).
    pub directives: String,
    /// One JSON object per line, as `AWS_LAMBDA_LOG_FORMAT=JSON` asks.
    pub json: bool,
}

impl LogSettings {
    /// Reads `AWS_LAMBDA_LOG_LEVEL` (first), `RUST_LOG` and
    /// `AWS_LAMBDA_LOG_FORMAT`; `info` and text when unset.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Self {
            directives: var("AWS_LAMBDA_LOG_LEVEL")
                .or_else(|| var("RUST_LOG"))
                .unwrap_or_else(|| "info".to_owned()),
            json: var("AWS_LAMBDA_LOG_FORMAT").is_some_and(|f| f.eq_ignore_ascii_case("json")),
        }
    }
}

fn may_hold_secrets(metadata: &Metadata<'_>) -> bool {
    let krate = metadata.target().split("::").next().unwrap_or_default();
    *metadata.level() == Level::TRACE
        && (krate.starts_with("aws_") || SECRET_BEARING_TARGETS.contains(&krate))
}

/// The subscriber for `settings`, writing to `writer`.
pub fn subscriber<W>(settings: &LogSettings, writer: W) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    let filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::INFO.into())
        .parse_lossy(&settings.directives);
    let no_secrets = filter_fn(|metadata| !may_hold_secrets(metadata));
    let builder = tracing_subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_env_filter(filter)
        .with_writer(writer);
    if settings.json {
        Box::new(builder.json().finish().with(no_secrets))
    } else {
        Box::new(builder.finish().with(no_secrets))
    }
}

/// Installs the subscriber for the process environment, writing to stdout
/// (which Lambda sends to CloudWatch), or to the invocation's held output
/// while one is held ([`crate::held_output`]).
pub fn init() {
    subscriber(&LogSettings::from_env(), crate::held_output::Stdout).init();
}
