//! Development-only code, kept out of the production crates: the CLI, the
//! tests and the benchmarks share it. Production crates may use it only as a
//! dev-dependency.

pub mod batches;
pub mod buses;
pub mod config;
pub mod destinations;
pub mod discord_api;
pub mod event_source;
pub mod fixtures;
pub mod local;
pub mod logs;
pub mod memory_archive;
pub mod memory_store;
pub mod moto;
pub mod ports;
pub mod queues;
pub mod receiver;
pub mod requests;
pub mod runtime_api;
pub mod sender_apis;
pub mod signing;
pub mod tables;
pub mod tools;

pub use batches::{failed_ids, sqs_event};
pub use buses::{create_bus_to_queue, BusToQueue};
pub use config::TestConfig;
pub use destinations::{Behaviour, RecordingDestination};
pub use discord_api::{ApiCall, DiscordApi, Races, Target};
pub use fixtures::{fixture, fixture_envelope, repo_root};
pub use local::{
    create_local_bucket, local_aws_settings, local_dynamodb_client, local_eventbridge_client,
    local_s3_client, local_sdk_config, local_sqs_client, local_ssm_client, LOCAL_REGION,
};
pub use logs::CapturedLog;
pub use memory_archive::MemoryArchive;
pub use memory_store::MemoryStore;
pub use moto::MotoServer;
pub use ports::{free_port, wait_for_port};
pub use queues::{create_queues, receive_up_to, Queues};
pub use receiver::{Received, Receiver, Reply};
pub use requests::{Answer, HttpRequest, RequestShape};
pub use sender_apis::{SenderApiCall, SenderApis};
pub use signing::{discord_signature_headers, sign_discord_request};
pub use tables::{create_idempotency_table, create_tenant_table};
