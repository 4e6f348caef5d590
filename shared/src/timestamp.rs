//! Timestamps as both senders write them. Discord's `event.timestamp` carries no
//! time zone (it is UTC); timestamps inside event data carry an offset. PluralKit
//! writes ISO 8601 with 0 to 9 fractional digits.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serializer};

/// Parses an ISO 8601 timestamp with or without an offset; without one it is UTC.
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(with_offset) = DateTime::parse_from_rfc3339(text) {
        return Some(with_offset.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|naive| naive.and_utc())
}

/// A timestamp as the sender wrote it: read as UTC when it is one, and kept as
/// text when it is not, so an odd timestamp never stops an event from decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SentAt {
    /// A timestamp that parsed.
    At(DateTime<Utc>),
    /// Anything else, as sent (JSON text for a value that is not a string).
    Text(String),
}

impl SentAt {
    /// The time, when the sender wrote one that parses.
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            SentAt::At(at) => Some(*at),
            SentAt::Text(_) => None,
        }
    }
}

impl<'de> Deserialize<'de> for SentAt {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(text) => match parse_timestamp(&text) {
                Some(at) => SentAt::At(at),
                None => SentAt::Text(text),
            },
            other => SentAt::Text(other.to_string()),
        })
    }
}

impl serde::Serialize for SentAt {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            SentAt::At(at) => serializer.serialize_str(&at.to_rfc3339()),
            SentAt::Text(text) => serializer.serialize_str(text),
        }
    }
}

/// serde adapter for `Option<DateTime<Utc>>` fields that use [`parse_timestamp`].
pub mod option {
    use super::*;

    /// Reads an optional timestamp.
    pub fn deserialize<'de, D>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error>
    where
        D: Deserializer<'de>,
    {
        let text: Option<String> = Option::deserialize(deserializer)?;
        match text {
            None => Ok(None),
            Some(text) => parse_timestamp(&text)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom("invalid ISO 8601 timestamp")),
        }
    }

    /// Writes an optional timestamp as RFC 3339.
    pub fn serialize<S>(value: &Option<DateTime<Utc>>, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
    {
        match value {
            Some(at) => serializer.serialize_str(&at.to_rfc3339()),
            None => serializer.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Timelike};

    #[test]
    fn reads_a_timestamp_without_zone_as_utc() {
        let at = parse_timestamp("2024-10-18T14:42:53.064834").unwrap();
        assert_eq!(
            (at.year(), at.hour(), at.nanosecond()),
            (2024, 14, 64_834_000)
        );
    }

    #[test]
    fn reads_offsets_and_any_fraction_length() {
        let at = parse_timestamp("2025-08-05T20:39:19.557970+02:00").unwrap();
        assert_eq!(at.hour(), 18);
        assert!(parse_timestamp("2025-08-05T20:39:19Z").is_some());
        assert!(parse_timestamp("2025-08-05T20:39:19.123456789Z").is_some());
        assert!(parse_timestamp("yesterday").is_none());
    }
}
