//! What ingest answers an interaction with: a 200 and one of these JSON
//! bodies. The table, by interaction type:
//!
//! | type | answer | queued |
//! |---|---|---|
//! | 1 PING | [`InteractionAnswer::PONG`] | no |
//! | 2 command | [`InteractionAnswer::DEFERRED_MESSAGE`], or [`InteractionAnswer::DEFERRED_EPHEMERAL`] for a command in `DISCORD_EPHEMERAL_COMMANDS` | yes, first |
//! | 3 component | [`InteractionAnswer::DEFERRED_UPDATE`] | yes, first |
//! | 4 autocomplete | the responder's choices, else [`InteractionAnswer::NO_CHOICES`] | no |
//! | 5 modal submit | as a command, by the modal's `custom_id` | yes, first |
//! | queue failed | [`InteractionAnswer::failure`]: an ephemeral message | no |

use std::borrow::Cow;

use twilight_model::http::interaction::InteractionResponse;

/// One answer's JSON body, exactly as sent, and its response type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionAnswer {
    body: Cow<'static, str>,
    kind: u8,
}

impl InteractionAnswer {
    const fn canned(body: &'static str, kind: u8) -> Self {
        Self {
            body: Cow::Borrowed(body),
            kind,
        }
    }

    /// Type 1, the answer to a PING.
    pub const PONG: Self = Self::canned(r#"{"type":1}"#, 1);
    /// Type 5: the user sees "thinking…" until the processor edits it.
    pub const DEFERRED_MESSAGE: Self = Self::canned(r#"{"type":5}"#, 5);
    /// Type 5 with the EPHEMERAL flag (64): only the user sees the reply.
    /// Ephemerality cannot change after the deferral.
    pub const DEFERRED_EPHEMERAL: Self = Self::canned(r#"{"type":5,"data":{"flags":64}}"#, 5);
    /// Type 6: a component's message will be updated (or left alone).
    pub const DEFERRED_UPDATE: Self = Self::canned(r#"{"type":6}"#, 6);
    /// Type 8 with no choices: autocomplete no responder answered.
    pub const NO_CHOICES: Self = Self::canned(r#"{"type":8,"data":{"choices":[]}}"#, 8);

    /// Type 4, an ephemeral message: what the user sees when the queue did
    /// not take the interaction in time.
    pub fn failure(message: &str) -> Self {
        let body = serde_json::json!({
            "type": 4,
            "data": { "content": message, "flags": 64 },
        });
        Self {
            body: Cow::Owned(body.to_string()),
            kind: 4,
        }
    }

    /// Any answer built with twilight's model, e.g. autocomplete choices
    /// (type 8) or a modal (type 9).
    pub fn from_response(response: &InteractionResponse) -> Self {
        // twilight's response types are plain data: serializing cannot fail,
        // and a failure would still be answered, as no choices.
        match serde_json::to_string(response) {
            Ok(body) => Self {
                body: Cow::Owned(body),
                kind: response.kind as u8,
            },
            Err(_) => Self::NO_CHOICES,
        }
    }

    /// The JSON body.
    pub fn as_str(&self) -> &str {
        &self.body
    }

    /// The response type (1 PONG, 4 message, 5 deferred message, 6 deferred
    /// update, 8 choices, 9 modal, …).
    pub fn kind(&self) -> u8 {
        self.kind
    }

    /// True for the deferrals (types 5 and 6), which the processor's reply
    /// then edits or follows up.
    pub fn is_deferral(&self) -> bool {
        matches!(self.kind, 5 | 6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use twilight_model::http::interaction::{InteractionResponseData, InteractionResponseType};

    #[test]
    fn the_canned_answers_are_discords_json() {
        for answer in [
            InteractionAnswer::PONG,
            InteractionAnswer::DEFERRED_MESSAGE,
            InteractionAnswer::DEFERRED_EPHEMERAL,
            InteractionAnswer::DEFERRED_UPDATE,
            InteractionAnswer::NO_CHOICES,
            InteractionAnswer::failure("try \"again\""),
        ] {
            let value: serde_json::Value = serde_json::from_str(answer.as_str()).unwrap();
            assert!(value["type"].is_u64(), "{}", answer.as_str());
        }
        let failure: serde_json::Value =
            serde_json::from_str(InteractionAnswer::failure("try \"again\"").as_str()).unwrap();
        assert_eq!(failure["data"]["content"], "try \"again\"");
        assert_eq!(failure["data"]["flags"], 64);
    }

    #[test]
    fn a_twilight_response_serializes_as_sent() {
        let response = InteractionResponse {
            kind: InteractionResponseType::Modal,
            data: Some(InteractionResponseData {
                custom_id: Some("feedback".into()),
                title: Some("Feedback".into()),
                ..Default::default()
            }),
        };
        let answer = InteractionAnswer::from_response(&response);
        let body: serde_json::Value = serde_json::from_str(answer.as_str()).unwrap();
        assert_eq!(body["type"], 9);
        assert_eq!(body["data"]["custom_id"], "feedback");
        assert_eq!(answer.kind(), 9);
        assert!(!answer.is_deferral());
        assert!(InteractionAnswer::DEFERRED_UPDATE.is_deferral());
    }
}
