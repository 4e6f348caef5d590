//! Diagnostics shared by the harness's binaries.
#![forbid(unsafe_code)]

pub mod direct_sqs;

use chrono::Utc;
use serde_json::value::RawValue;
use switchboard::envelope::{Envelope, Source};
use switchboard::{MessageAttribute, QueuedEvent};

/// `ENDPOINT QUEUE_URL COUNT`, the arguments of both send diagnostics.
pub fn send_args(
    program: &str,
) -> Result<(String, String, usize), Box<dyn std::error::Error + Send + Sync>> {
    let mut args = std::env::args().skip(1);
    let (Some(endpoint), Some(queue_url), Some(count)) = (args.next(), args.next(), args.next())
    else {
        return Err(format!("usage: {program} ENDPOINT QUEUE_URL COUNT").into());
    };
    Ok((endpoint, queue_url, count.parse()?))
}

/// The event the send diagnostics enqueue: the Discord `ENTITLEMENT_CREATE`
/// fixture, with the attributes ingest gives it.
pub fn sample_event() -> Result<QueuedEvent, Box<dyn std::error::Error + Send + Sync>> {
    let path = switchboard_tests::repo_root().join("fixtures/discord/ENTITLEMENT_CREATE.json");
    let payload = RawValue::from_string(std::fs::read_to_string(path)?)?;
    let attribute = |name, value: &str| MessageAttribute {
        name,
        value: value.to_owned(),
    };
    Ok(QueuedEvent {
        envelope: Envelope::new(
            Source::Discord,
            "ENTITLEMENT_CREATE".into(),
            Utc::now(),
            payload,
        ),
        attributes: vec![
            attribute("source", "discord"),
            attribute("event_type", "ENTITLEMENT_CREATE"),
            attribute("application_id", "1234567890"),
        ],
    })
}
