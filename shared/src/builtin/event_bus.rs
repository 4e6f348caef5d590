//! The EventBridge destination: each event on a bus (`EVENT_BUS_NAME`), as
//! source `switchboard.<sender>`, detail-type the event type, and detail the
//! envelope as a JSON object. A batch goes out in as few `PutEvents` calls as
//! the API's limits allow, and a failed entry fails only its own record.

use std::time::Duration;

use aws_sdk_eventbridge::config::retry::RetryConfig;
use aws_sdk_eventbridge::config::timeout::TimeoutConfig;
use aws_sdk_eventbridge::error::DisplayErrorContext;
use aws_sdk_eventbridge::primitives::DateTime;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;

use crate::sender::Sender;

use super::config::{EventBusConfig, TypeFilter};
use crate::processor::{Delivery, Destination, HandlerError, Sending};

/// Most entries one `PutEvents` call takes.
pub const MAX_ENTRIES_PER_CALL: usize = 10;

/// Most bytes of entries one `PutEvents` call takes, as EventBridge counts
/// them (see [`entry_size`]).
pub const MAX_BYTES_PER_CALL: usize = 256 * 1024;

/// Puts events on one EventBridge bus.
#[derive(Debug, Clone)]
pub struct EventBus {
    client: aws_sdk_eventbridge::Client,
    bus: String,
    types: TypeFilter,
    interaction_token: bool,
}

/// One event ready to put, or why it cannot be.
type Entry = Result<(PutEventsRequestEntry, usize), HandlerError>;

impl EventBus {
    /// The destination `config` describes, through `client`.
    pub fn new(client: aws_sdk_eventbridge::Client, config: &EventBusConfig) -> Self {
        Self {
            client,
            bus: config.bus.clone(),
            types: config.types.clone(),
            interaction_token: config.interaction_token,
        }
    }

    /// A client for the processor: few, short attempts, since the batch
    /// waits on the call.
    pub fn client(config: &aws_config::SdkConfig) -> aws_sdk_eventbridge::Client {
        let config = aws_sdk_eventbridge::config::Builder::from(config)
            .retry_config(RetryConfig::standard().with_max_attempts(3))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(1))
                    .operation_attempt_timeout(Duration::from_secs(3))
                    .build(),
            )
            .build();
        aws_sdk_eventbridge::Client::from_conf(config)
    }

    fn entry(&self, delivery: &Delivery<'_>) -> Entry {
        let envelope = delivery.envelope;
        let source = format!("switchboard.{}", envelope.source.as_str());
        // The envelope's JSON has `payload` as an object already: it is the
        // sender's JSON, embedded raw.
        let detail = match envelope.source {
            Sender::DiscordInteraction if !self.interaction_token => without_token(envelope)?,
            _ => serde_json::to_string(envelope)?,
        };
        let time = DateTime::from_millis(envelope.received_at.timestamp_millis());
        let size = entry_size(&source, &envelope.event_type, &detail, true);
        if size > MAX_BYTES_PER_CALL {
            return Err(format!(
                "the event is {size} bytes as an EventBridge entry, over PutEvents' {MAX_BYTES_PER_CALL}"
            )
            .into());
        }
        let entry = PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(source)
            .detail_type(&envelope.event_type)
            .detail(detail)
            .time(time)
            .build();
        Ok((entry, size))
    }

    /// One `PutEvents` call; one result per entry, in order.
    async fn put(&self, entries: Vec<PutEventsRequestEntry>) -> Vec<Result<(), HandlerError>> {
        let count = entries.len();
        let output = match self
            .client
            .put_events()
            .set_entries(Some(entries))
            .send()
            .await
        {
            Ok(output) => output,
            Err(error) => {
                let message = format!("PutEvents failed: {}", DisplayErrorContext(&error));
                return (0..count).map(|_| Err(message.clone().into())).collect();
            }
        };
        let mut answers = output.entries().iter();
        (0..count)
            .map(|_| match answers.next() {
                Some(answer) => match answer.error_code() {
                    None => Ok(()),
                    Some(code) => Err(format!(
                        "EventBridge refused the entry: {code}: {}",
                        answer.error_message().unwrap_or("")
                    )
                    .into()),
                },
                None => Err("PutEvents returned fewer entries than it was sent".into()),
            })
            .collect()
    }
}

/// The envelope's JSON with the interaction's `token` taken out of its
/// payload: a bus rule's targets must not be able to reply as the app.
fn without_token(envelope: &crate::envelope::Envelope) -> Result<String, serde_json::Error> {
    let mut detail = serde_json::to_value(envelope)?;
    if let Some(payload) = detail.get_mut("payload").and_then(|p| p.as_object_mut()) {
        payload.remove("token");
    }
    serde_json::to_string(&detail)
}

impl Destination for EventBus {
    fn name(&self) -> &'static str {
        "event_bus"
    }

    fn accepts(&self, event_type: &str) -> bool {
        self.types.accepts(event_type)
    }

    fn deliver<'a>(&'a self, deliveries: &'a [Delivery<'a>]) -> Vec<Sending<'a>> {
        let mut sendings = Vec::new();
        let mut ready = Vec::new();
        for (position, delivery) in deliveries.iter().enumerate() {
            match self.entry(delivery) {
                Ok((entry, size)) => ready.push((position, entry, size)),
                Err(error) => sendings.push(Sending::one(position, std::future::ready(Err(error)))),
            }
        }
        let sizes: Vec<usize> = ready.iter().map(|(_, _, size)| *size).collect();
        let mut ready = ready.into_iter();
        for length in call_lengths(&sizes) {
            // One `PutEvents` per part: its records settle when it answers.
            let (positions, entries): (Vec<usize>, Vec<PutEventsRequestEntry>) =
                ready.by_ref().take(length).map(|(p, e, _)| (p, e)).unzip();
            sendings.push(Sending::many(positions, self.put(entries)));
        }
        sendings
    }
}

/// An entry's size as EventBridge counts it against a call's 256 KiB: the
/// UTF-8 bytes of source, detail-type and detail, plus 14 for a time.
pub fn entry_size(source: &str, detail_type: &str, detail: &str, has_time: bool) -> usize {
    source.len() + detail_type.len() + detail.len() + if has_time { 14 } else { 0 }
}

/// Splits entries of `sizes` (each at most [`MAX_BYTES_PER_CALL`]) into
/// consecutive calls of at most [`MAX_ENTRIES_PER_CALL`] entries and
/// [`MAX_BYTES_PER_CALL`] bytes; returns each call's length.
pub fn call_lengths(sizes: &[usize]) -> Vec<usize> {
    let mut lengths = Vec::new();
    let (mut length, mut bytes) = (0, 0);
    for &size in sizes {
        if length == MAX_ENTRIES_PER_CALL || (length > 0 && bytes + size > MAX_BYTES_PER_CALL) {
            lengths.push(length);
            (length, bytes) = (0, 0);
        }
        length += 1;
        bytes += size;
    }
    if length > 0 {
        lengths.push(length);
    }
    lengths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_of_ten_small_events_is_one_call() {
        assert_eq!(call_lengths(&[500; 10]), vec![10]);
        assert_eq!(call_lengths(&[500; 11]), vec![10, 1]);
        assert_eq!(call_lengths(&[]), Vec::<usize>::new());
    }

    #[test]
    fn calls_stay_under_the_byte_limit() {
        let big = 100 * 1024;
        assert_eq!(call_lengths(&[big, big, big, 10]), vec![2, 2]);
        assert_eq!(call_lengths(&[MAX_BYTES_PER_CALL, 1]), vec![1, 1]);
        for sizes in [vec![big; 7], vec![60_000, 200_000, 3, 70_000, 190_000]] {
            let mut rest = sizes.as_slice();
            for length in call_lengths(&sizes) {
                let (call, tail) = rest.split_at(length);
                assert!(call.iter().sum::<usize>() <= MAX_BYTES_PER_CALL, "{call:?}");
                assert!(call.len() <= MAX_ENTRIES_PER_CALL);
                rest = tail;
            }
            assert!(rest.is_empty());
        }
    }

    #[test]
    fn the_size_counts_what_eventbridge_counts() {
        assert_eq!(
            entry_size("switchboard.discord", "PING", "{}", true),
            19 + 4 + 2 + 14
        );
        assert_eq!(entry_size("s", "é", "{}", false), 1 + 2 + 2);
    }
}
