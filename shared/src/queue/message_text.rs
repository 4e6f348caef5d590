//! What SQS accepts in a message: only `#x9 | #xA | #xD | #x20-#xD7FF |
//! #xE000-#xFFFD | #x10000-#x10FFFF`, in bodies and attribute values alike.
//! Anything else makes `SendMessage` fail (so every retry would 503) or is
//! silently rewritten.

/// True for a character SQS accepts.
pub(crate) fn sqs_accepts(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// True when `text` holds a character SQS refuses. A byte scan, since this
/// runs on every envelope: in UTF-8 the refused characters are the control
/// bytes other than tab, newline and carriage return, and U+FFFE / U+FFFF
/// (`EF BF BE` / `EF BF BF`); no surrogate can occur in a `str`.
fn has_refused(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(at, &byte)| match byte {
        b'\t' | b'\n' | b'\r' => false,
        0..=0x1F => true,
        0xEF => bytes.get(at + 1) == Some(&0xBF) && matches!(bytes.get(at + 2), Some(0xBE | 0xBF)),
        _ => false,
    })
}

/// JSON text with every character SQS refuses written as a `\uXXXX` escape.
///
/// In valid JSON such a character can only stand inside a string (control
/// characters are already escaped there, and no surrogate exists in UTF-8),
/// so the escaped text means exactly the same JSON, and the original text is
/// recovered by reading the escapes back. Text with nothing to escape is
/// returned as is.
pub(crate) fn escape_for_sqs(json: String) -> String {
    if !has_refused(&json) {
        return json;
    }
    let mut escaped = String::with_capacity(json.len() + 12);
    for c in json.chars() {
        if sqs_accepts(c) {
            escaped.push(c);
        } else {
            // Everything refused is in the Basic Multilingual Plane.
            escaped.push_str(&format!("\\u{:04x}", u32::from(c)));
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_characters_are_escaped_and_the_json_means_the_same() {
        let original = "{\"content\":\"a\u{FFFF}b\u{FFFE}c\",\"n\":\"\u{1F600}\u{E000}\"}";
        let escaped = escape_for_sqs(original.to_owned());
        assert_eq!(
            escaped,
            "{\"content\":\"a\\uffffb\\ufffec\",\"n\":\"\u{1F600}\u{E000}\"}"
        );
        assert!(escaped.chars().all(sqs_accepts));
        let (a, b): (serde_json::Value, serde_json::Value) = (
            serde_json::from_str(original).unwrap(),
            serde_json::from_str(&escaped).unwrap(),
        );
        assert_eq!(a, b);
    }

    #[test]
    fn the_byte_scan_agrees_with_the_character_rule() {
        let samples = [
            "plain",
            "tab\tnew\nline\r",
            "\u{0}",
            "\u{1F}",
            "\u{7F}",
            "\u{D7FF}",
            "\u{E000}",
            "\u{FFFD}",
            "\u{FFFE}",
            "\u{FFFF}",
            "\u{EFBF}",
            "\u{FEFF}",
            "\u{10000}",
            "\u{10FFFF}",
            "\u{F0000}\u{FFFF}",
            "é\u{FFFE}x",
        ];
        for sample in samples {
            assert_eq!(
                has_refused(sample),
                !sample.chars().all(sqs_accepts),
                "{sample:?}"
            );
        }
    }

    #[test]
    fn text_sqs_accepts_is_left_alone() {
        let text = "{\"a\":\"tab\\t \u{D7FF} \u{FFFD} \u{10FFFF}\"}".to_owned();
        assert_eq!(escape_for_sqs(text.clone()), text);
        for refused in ['\0', '\u{1}', '\u{1F}', '\u{FFFE}', '\u{FFFF}'] {
            assert!(!sqs_accepts(refused), "{refused:?}");
        }
    }
}
