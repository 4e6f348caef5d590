//! One archive object's format: JSON Lines, gzip-compressed, one line per
//! record.
//!
//! In `events/`, a line is the queue message body itself, byte for byte: an
//! envelope, which serde writes on one line unless its payload spans lines.
//! In `other/`, a line is an [`OtherLine`] that quotes the body as a JSON
//! string, because such a body may be anything, line breaks included.

use std::io::{Read, Write};

use chrono::{DateTime, Utc};
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde::{Deserialize, Serialize};

use super::layout::Part;
use super::ArchiveError;

/// A line of an `other/` object: one record whose body is not a one-line
/// envelope.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherLine {
    /// The SQS message id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// When SQS took the message (its `SentTimestamp`), RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<DateTime<Utc>>,
    /// The body, exactly; absent when the record had none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

impl std::fmt::Debug for OtherLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The body is the sender's payload, or anything at all.
        f.debug_struct("OtherLine")
            .field("message_id", &self.message_id)
            .field("sent_at", &self.sent_at)
            .field("body_bytes", &self.body.as_ref().map(String::len))
            .finish()
    }
}

/// Gzip-compressed JSON Lines of `lines`, each ended by a line feed. No line
/// may contain a line break (the caller routes such bodies to `other/`).
pub fn encode<'a>(lines: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    for line in lines {
        // Writing into a Vec cannot fail.
        let _ = encoder.write_all(line.as_bytes());
        let _ = encoder.write_all(b"\n");
    }
    encoder.finish().unwrap_or_default()
}

/// The lines of an object, without their line feeds.
pub fn decode_lines(object: &[u8]) -> Result<Vec<String>, ArchiveError> {
    let mut text = String::new();
    GzDecoder::new(object)
        .read_to_string(&mut text)
        .map_err(|error| ArchiveError(format!("not gzip-compressed UTF-8 text: {error}")))?;
    Ok(text.lines().map(str::to_owned).collect())
}

/// The queue message bodies an object of `part` holds, in its order.
pub fn decode_bodies(part: Part, object: &[u8]) -> Result<Vec<String>, ArchiveError> {
    let lines = decode_lines(object)?;
    match part {
        Part::Events(_) => Ok(lines),
        Part::Other => lines
            .iter()
            .filter(|line| !line.is_empty())
            .map(|line| {
                serde_json::from_str::<OtherLine>(line)
                    .map(|line| line.body.unwrap_or_default())
                    .map_err(|error| {
                        ArchiveError(format!("an other/ line is not an OtherLine: {error}"))
                    })
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sender::Sender;

    #[test]
    fn lines_come_back_byte_for_byte() {
        let lines = [r#"{"a":"é \u2028"}"#, "{}", r#"{"b":1}"#];
        let object = encode(lines);
        assert_eq!(&object[..2], &[0x1f, 0x8b], "gzip");
        assert_eq!(decode_lines(&object).unwrap(), lines);
        assert_eq!(
            decode_bodies(Part::Events(Sender::Discord), &object).unwrap(),
            lines
        );
    }

    #[test]
    fn other_lines_quote_any_body_exactly() {
        let body = "not json\n{\"split\":\r\n true}\u{0}";
        let line = OtherLine {
            message_id: Some("m-1".into()),
            sent_at: None,
            body: Some(body.into()),
        };
        let text = serde_json::to_string(&line).unwrap();
        assert!(!text.contains('\n'));
        let object = encode([text.as_str()]);
        assert_eq!(decode_bodies(Part::Other, &object).unwrap(), [body]);
        assert!(!format!("{line:?}").contains("not json"));
    }

    #[test]
    fn an_object_that_is_not_gzip_is_an_error() {
        assert!(decode_lines(b"{\"plain\":true}\n").is_err());
    }
}
