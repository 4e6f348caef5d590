//! The sample payloads in `fixtures/`, one per event type of each sender.

use std::path::PathBuf;

use switchboard::Sender;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The fixture file for one event type of a sender.
pub fn fixture_path(sender: Sender, event_type: &str) -> PathBuf {
    repo_root()
        .join("fixtures")
        .join(sender.as_str())
        .join(format!("{event_type}.json"))
}

/// The fixture's text; an error names the missing file.
pub fn fixture(sender: Sender, event_type: &str) -> Result<String, String> {
    let path = fixture_path(sender, event_type);
    std::fs::read_to_string(&path).map_err(|error| format!("{}: {error}", path.display()))
}

/// The queue message ingest would make of the fixture for `event_type`
/// (payload as in the fixture), for driving the processor directly.
pub fn fixture_envelope(sender: Sender, event_type: &str) -> Result<String, String> {
    let payload = serde_json::value::RawValue::from_string(fixture(sender, event_type)?)
        .map_err(|error| format!("{event_type}: not JSON: {error}"))?;
    let envelope = switchboard::Envelope::new(
        sender,
        event_type.to_owned(),
        switchboard::envelope::Arrival::now(),
        payload,
    );
    Ok(envelope.to_json())
}
