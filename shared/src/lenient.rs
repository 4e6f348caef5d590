//! serde adapters that read what a sender may have written loosely, and never
//! fail: a field the processor does not need exactly must not stop an event
//! that ingest accepted from decoding.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A whole number, written as a number or as a string of digits; anything
/// else reads as `None`.
pub(crate) fn number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    })
}

/// An id, written as a string (or as a bare number); anything else reads as `None`.
pub(crate) fn id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::String(text) => Some(text),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    })
}
