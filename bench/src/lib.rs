//! The benchmark harness and what its diagnostic binaries share: a loopback
//! Lambda Runtime API that drives release binaries the way Lambda does, the
//! keep-alive proxy in front of moto, and the measurement and report.

pub mod batches;
mod callgrind;
pub mod direct_sqs;
pub mod harness;
mod instructions;
mod measure;
mod process;
mod proxy;
mod report;
mod syscalls;

use serde_json::value::RawValue;
use switchboard::envelope::{Arrival, Envelope};
use switchboard::{MessageAttribute, QueuedEvent, Sender};

/// Any failure of the harness.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// `ENDPOINT QUEUE_URL COUNT`, the arguments of both send diagnostics.
pub fn send_args(program: &str) -> Result<(String, String, usize), Error> {
    let mut args = std::env::args().skip(1);
    let (Some(endpoint), Some(queue_url), Some(count)) = (args.next(), args.next(), args.next())
    else {
        return Err(format!("usage: {program} ENDPOINT QUEUE_URL COUNT").into());
    };
    Ok((endpoint, queue_url, count.parse()?))
}

/// The event the send diagnostics enqueue: the Discord `ENTITLEMENT_CREATE`
/// fixture, with the attributes ingest gives it.
pub fn sample_event() -> Result<QueuedEvent, Error> {
    let text = switchboard_devkit::fixture(Sender::Discord, "ENTITLEMENT_CREATE")?;
    let payload = RawValue::from_string(text)?;
    let attribute = |name, value: &str| MessageAttribute {
        name,
        value: value.to_owned(),
    };
    Ok(QueuedEvent {
        envelope: Envelope::new(
            Sender::Discord,
            "ENTITLEMENT_CREATE".into(),
            Arrival::now(),
            payload,
        ),
        attributes: vec![
            attribute("source", "discord"),
            attribute("event_type", "ENTITLEMENT_CREATE"),
            attribute("application_id", "1234567890"),
        ],
    })
}
