//! The inline extension point: what ingest may answer itself, at once, for
//! the interactions that cannot be deferred (autocomplete choices, opening a
//! modal). It runs inside ingest's 3 s, so it is synchronous and pure: no
//! I/O, no waiting. Everything else is deferred and handled from the queue.

use twilight_model::application::interaction::Interaction as TwilightInteraction;

use super::answer::InteractionAnswer;
use super::event_type::EventType;

/// What the responder makes of one interaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    /// The table's answer: queue it, then defer. Autocomplete cannot be
    /// deferred and gets no choices instead.
    Defer,
    /// Answer this, at once, and queue nothing.
    Answer(InteractionAnswer),
    /// Queue it, then answer this (a modal opened for a command that the
    /// processor should also see).
    AnswerAndQueue(InteractionAnswer),
}

/// A verified interaction as ingest sees it: its type and routing names,
/// read already; the whole model only on request ([`InteractionRequest::decode`]).
#[derive(Clone, Copy)]
pub struct InteractionRequest<'a> {
    pub(crate) kind: &'a EventType,
    pub(crate) command_name: Option<&'a str>,
    pub(crate) custom_id: Option<&'a str>,
    pub(crate) body: &'a [u8],
}

impl std::fmt::Debug for InteractionRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The body holds the interaction's token.
        f.debug_struct("InteractionRequest")
            .field("kind", self.kind)
            .field("command_name", &self.command_name)
            .field("custom_id", &self.custom_id)
            .finish_non_exhaustive()
    }
}

impl<'a> InteractionRequest<'a> {
    /// The interaction's type.
    pub fn kind(&self) -> &EventType {
        self.kind
    }

    /// A command's (or its autocomplete's) `data.name`.
    pub fn command_name(&self) -> Option<&'a str> {
        self.command_name
    }

    /// A component's or a modal's `data.custom_id`.
    pub fn custom_id(&self) -> Option<&'a str> {
        self.custom_id
    }

    /// The whole interaction in twilight's model, its `token` emptied; `None`
    /// when it does not fit the model. Decoding costs tens of microseconds:
    /// call it only for the interactions you answer.
    pub fn decode(&self) -> Option<TwilightInteraction> {
        let mut interaction: TwilightInteraction = serde_json::from_slice(self.body).ok()?;
        interaction.token.clear();
        Some(interaction)
    }
}

/// The user's inline answers, compiled into ingest
/// (`functions/ingest/src/responders.rs`).
pub trait InlineResponder: Send + Sync {
    /// The answer for `interaction`, or [`Inline::Defer`].
    fn respond(&self, interaction: &InteractionRequest<'_>) -> Inline;
}

/// The default: every command, component and modal deferred, every
/// autocomplete answered with no choices.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeferAll;

impl InlineResponder for DeferAll {
    fn respond(&self, _: &InteractionRequest<'_>) -> Inline {
        Inline::Defer
    }
}
