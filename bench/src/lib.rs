//! Diagnostics shared by the harness's binaries.
#![forbid(unsafe_code)]

pub mod direct_sqs;

use chrono::Utc;
use serde_json::value::RawValue;
use switchboard::envelope::{Envelope, Source};
use switchboard::{MessageAttribute, QueuedEvent};

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
