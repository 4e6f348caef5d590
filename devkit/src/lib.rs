//! Development-only code, kept out of the production crates: the CLI, the
//! tests and the benchmarks share it. Production crates may use it only as a
//! dev-dependency.

pub mod batches;
pub mod config;
pub mod destinations;
pub mod event_source;
pub mod fixtures;
pub mod local;
pub mod logs;
pub mod moto;
pub mod ports;
pub mod queues;
pub mod requests;
pub mod signing;
pub mod tables;

pub use batches::{failed_ids, sqs_event};
pub use config::TestConfig;
pub use destinations::{Behaviour, RecordingDestination};
pub use fixtures::{fixture, repo_root};
pub use local::{local_dynamodb_client, local_sqs_client, local_sqs_settings, LOCAL_REGION};
pub use logs::CapturedLog;
pub use moto::MotoServer;
pub use ports::{free_port, wait_for_port};
pub use queues::{create_queues, receive_up_to, Queues};
pub use requests::{Answer, HttpRequest, RequestShape};
pub use signing::{discord_signature_headers, sign_discord_request};
pub use tables::create_idempotency_table;
