//! Customize here: the interactions ingest answers itself, at once.
//!
//! Almost everything is better handled in the processor's `handlers.rs`:
//! ingest defers it, and the handler replies within 15 minutes. Only what
//! Discord will not wait for belongs here, because it must be the first
//! answer, within 3 seconds:
//! - autocomplete choices (type 8);
//! - opening a modal (type 9), which cannot follow a deferral.
//!
//! This code runs inside ingest's deadline: keep it synchronous and pure, no
//! I/O. [`InteractionRequest::decode`] gives the whole interaction when the
//! names are not enough. Return [`Inline::Defer`] for everything else.

#[allow(unused_imports)]
use switchboard::interactions::{
    EventType, Inline, InlineResponder, InteractionAnswer, InteractionRequest,
};

/// This deployment's inline answers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Responders;

impl InlineResponder for Responders {
    fn respond(&self, interaction: &InteractionRequest<'_>) -> Inline {
        // For example:
        // if interaction.kind() == &EventType::ApplicationCommandAutocomplete
        //     && interaction.command_name() == Some("color")
        // {
        //     return Inline::Answer(InteractionAnswer::from_response(&color_choices()));
        // }
        let _ = interaction;
        Inline::Defer
    }
}
