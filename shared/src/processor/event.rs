//! A typed event from either sender, its kind, and what a handler knows
//! about the record that carried it.

use chrono::{DateTime, Utc};

use crate::envelope::Envelope;
use crate::interactions::{Interaction, InteractionBody, Reply};
use crate::sender::Sender;
use crate::{discord, interactions, pluralkit};

/// A typed event from any sender.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A Discord webhook event.
    Discord(discord::WebhookEvent),
    /// A Discord interaction: a command, a component, a modal submit.
    Interaction(Interaction),
    /// A PluralKit dispatch.
    Pluralkit(pluralkit::DispatchEvent),
}

/// An event's sender and type together: what handlers are registered for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// A Discord event type.
    Discord(discord::EventType),
    /// An interaction type (every command, every component…). Routes by
    /// command name or `custom_id` are [`interactions::InteractionRoute`]s.
    Interaction(interactions::EventType),
    /// A PluralKit event type.
    Pluralkit(pluralkit::EventType),
}

impl EventKind {
    /// The sender of this kind of event.
    pub fn sender(&self) -> Sender {
        match self {
            EventKind::Discord(_) => Sender::Discord,
            EventKind::Interaction(_) => Sender::DiscordInteraction,
            EventKind::Pluralkit(_) => Sender::Pluralkit,
        }
    }

    /// The type's name on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            EventKind::Discord(kind) => kind.as_str(),
            EventKind::Interaction(kind) => kind.as_str(),
            EventKind::Pluralkit(kind) => kind.as_str(),
        }
    }

    /// The same kind with a known type name read as that type, so
    /// `Unknown("ENTITLEMENT_CREATE")` and `EntitlementCreate` are one route.
    pub(crate) fn normalized(self) -> Self {
        match self {
            EventKind::Discord(kind) => EventKind::Discord(kind.as_str().into()),
            EventKind::Interaction(kind) => EventKind::Interaction(kind.as_str().into()),
            EventKind::Pluralkit(kind) => EventKind::Pluralkit(kind.as_str().into()),
        }
    }
}

impl From<discord::EventType> for EventKind {
    fn from(kind: discord::EventType) -> Self {
        EventKind::Discord(kind)
    }
}

impl From<interactions::EventType> for EventKind {
    fn from(kind: interactions::EventType) -> Self {
        EventKind::Interaction(kind)
    }
}

impl From<pluralkit::EventType> for EventKind {
    fn from(kind: pluralkit::EventType) -> Self {
        EventKind::Pluralkit(kind)
    }
}

impl Event {
    /// Decodes an envelope's payload into the typed event for its sender.
    pub fn from_envelope(envelope: &Envelope) -> Result<Self, serde_json::Error> {
        match envelope.source {
            Sender::Discord => {
                discord::WebhookEvent::from_json(envelope.payload.get()).map(Event::Discord)
            }
            Sender::DiscordInteraction => {
                Interaction::from_json(envelope.payload.get()).map(Event::Interaction)
            }
            Sender::Pluralkit => {
                pluralkit::DispatchEvent::from_json(envelope.payload.get()).map(Event::Pluralkit)
            }
        }
    }

    /// The event's sender and type.
    pub fn kind(&self) -> EventKind {
        match self {
            Event::Discord(event) => EventKind::Discord(event.event.kind()),
            Event::Interaction(interaction) => EventKind::Interaction(interaction.kind.clone()),
            Event::Pluralkit(event) => EventKind::Pluralkit(event.event.kind()),
        }
    }

    /// True for a type this version does not know, or whose data did not fit
    /// its model (see [`Event::is_misfit`]).
    pub fn is_unknown(&self) -> bool {
        match self {
            Event::Discord(event) => event.event.is_unknown(),
            Event::Interaction(interaction) => interaction.kind.is_unknown(),
            Event::Pluralkit(event) => event.event.is_unknown(),
        }
    }

    /// True when the type is one the models know but its data did not fit
    /// them, so it was decoded as unknown, raw data kept, and goes to the
    /// fallback.
    pub fn is_misfit(&self) -> bool {
        if let Event::Interaction(interaction) = self {
            // Still routed by its name; its handlers get the raw JSON.
            return matches!(interaction.body, InteractionBody::Raw(_));
        }
        match self.kind() {
            EventKind::Discord(kind) => {
                kind.is_unknown() && !discord::EventType::from(kind.as_str()).is_unknown()
            }
            EventKind::Pluralkit(kind) => {
                kind.is_unknown() && !pluralkit::EventType::from(kind.as_str()).is_unknown()
            }
            EventKind::Interaction(_) => false,
        }
    }
}

/// What a handler knows about the record besides the event itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventContext {
    /// The SQS message id.
    pub message_id: String,
    /// SQS's `ApproximateReceiveCount`: 1 on the first delivery.
    pub receive_count: u32,
    /// The envelope's `source`.
    pub source: Sender,
    /// The envelope's `event_type`, as the sender wrote it.
    pub event_type: String,
    /// When ingest accepted the event.
    pub received_at: DateTime<Utc>,
    /// The envelope's `dedupe_key`.
    pub dedupe_key: String,
    /// The envelope's `id`; `None` on envelopes queued before ids existed.
    pub event_id: Option<uuid::Uuid>,
    /// The envelope's `tenant`: the tenant whose route
    /// (`/pluralkit/{tenant}`) the event came in on; `None` on other routes.
    pub tenant: Option<String>,
    /// Set when `switchboard events replay` put this event back on the
    /// queue: when, in which run, and whether forced.
    pub replay: Option<crate::envelope::Replay>,
    /// True when the idempotency store guards this record: the handlers run
    /// once per `dedupe_key`, and a handler need not deduplicate itself.
    pub guarded: bool,
    /// For an interaction, the client that edits its deferred answer and
    /// sends followups, within the record's deadline; `None` for other
    /// events, or when the processor has no reply client.
    pub reply: Option<Reply>,
}
