//! The ingest decision: given one HTTP request, what to answer and what, if
//! anything, to queue first. Pure: no I/O; the time and the id the request
//! gets are passed in ([`Arrival`]).
//!
//! Only what every sender shares lives here: routing, the method check, the
//! size check, and building the queued event. Each sender's own checks live in
//! its module (`discord::ingest`, `pluralkit::ingest`).

use std::time::Duration;

use serde_json::value::RawValue;

use crate::config::IngestConfig;
use crate::envelope::{Arrival, Envelope};
use crate::interactions::InteractionAnswer;
use crate::pluralkit::{TenantId, TenantRecord};
use crate::queue::{MessageAttribute, QueuedEvent};
use crate::rejection::Rejection;
use crate::route::Route;
use crate::sender::Sender;
use crate::{discord, interactions, pluralkit};

/// One request as the HTTP adapter saw it, body already base64-decoded.
/// `Debug` shows header names and the body's size only: values and body may
/// carry a signature or a token.
#[derive(Clone, Copy)]
pub struct IngestRequest<'a> {
    /// The HTTP method, exactly as sent.
    pub method: &'a str,
    /// The request path, possibly behind a stage prefix.
    pub path: &'a str,
    /// Every header value as received, one pair per value: a header sent twice
    /// appears twice, so the senders' checks can refuse it.
    pub headers: &'a [(&'a str, &'a [u8])],
    /// The raw body bytes.
    pub body: &'a [u8],
}

impl std::fmt::Debug for IngestRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        f.debug_struct("IngestRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("header_names", &names)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// What to do with a request.
#[derive(Debug)]
pub enum Decision {
    /// Refuse with the rejection's status; queue nothing.
    Reject {
        /// The sender the path names, when it names one.
        sender: Option<Sender>,
        /// Why, and with which status.
        rejection: Rejection,
    },
    /// A valid PING: answer the sender's success status; queue nothing.
    AcknowledgePing {
        /// Who pinged.
        sender: Sender,
    },
    /// A verified interaction answered at once with a JSON body (a PONG,
    /// autocomplete choices, an inline answer); queue nothing.
    Answer {
        /// Who sent it.
        sender: Sender,
        /// The 200's body.
        answer: InteractionAnswer,
    },
    /// A valid event: answer the sender's success status only once the queue holds it.
    Enqueue {
        /// Who sent it.
        sender: Sender,
        /// The envelope and its message attributes.
        event: Box<QueuedEvent>,
        /// The latest the queue may take to accept it, retries included.
        deadline: Duration,
        /// The success answer's JSON body (an interaction's deferral);
        /// `None`: the sender's empty success status.
        answer: Option<InteractionAnswer>,
    },
}

impl Decision {
    /// The sender the request was for, when its path named one.
    pub fn sender(&self) -> Option<Sender> {
        match self {
            Decision::Reject { sender, .. } => *sender,
            Decision::AcknowledgePing { sender }
            | Decision::Answer { sender, .. }
            | Decision::Enqueue { sender, .. } => Some(*sender),
        }
    }
}

/// What a sender's module made of an authenticated request.
#[derive(Debug)]
pub(crate) enum Accepted {
    /// A liveness check: answer, queue nothing.
    Ping,
    /// An answer with a body, nothing queued (interactions).
    Answer(InteractionAnswer),
    /// An event to queue before answering.
    Event {
        event: QueuedEvent,
        deadline: Duration,
        answer: Option<InteractionAnswer>,
    },
}

/// Decides one request. A `/pluralkit/{tenant}` request is decided as for a
/// tenant that does not exist: see [`decide_with`].
pub fn decide(config: &IngestConfig, request: &IngestRequest<'_>, arrival: Arrival) -> Decision {
    decide_with(config, request, arrival, None)
}

/// Decides one request, with what the tenant table says of the tenant a
/// `/pluralkit/{tenant}` route names (`None`: no such tenant; ignored on
/// every other route).
pub fn decide_with(
    config: &IngestConfig,
    request: &IngestRequest<'_>,
    arrival: Arrival,
    tenant: Option<&TenantRecord>,
) -> Decision {
    let Some(route) = Route::from_path(request.path) else {
        return Decision::Reject {
            sender: None,
            rejection: Rejection::NotFound,
        };
    };
    let sender = route.sender();
    let reject = |rejection| Decision::Reject {
        sender: Some(sender),
        rejection,
    };
    // Methods are case-sensitive (RFC 9110): `post` is not `POST`.
    if request.method != "POST" {
        return reject(Rejection::MethodNotAllowed);
    }
    // Before any crypto or parsing, so a large body costs nothing.
    if request.body.len() > config.max_body_bytes {
        return reject(Rejection::BodyTooLarge);
    }
    let accepted = match &route {
        Route::Discord => config
            .discord
            .as_ref()
            .ok_or(Rejection::SenderNotConfigured)
            .and_then(|discord| discord::ingest::accept(discord, request, arrival)),
        Route::DiscordInteractions => config
            .discord
            .as_ref()
            .zip(config.interactions.as_ref())
            .ok_or(Rejection::SenderNotConfigured)
            .and_then(|(discord, interactions)| {
                interactions::ingest::accept(discord, interactions, request, arrival)
            }),
        Route::Pluralkit => config
            .pluralkit
            .as_ref()
            .ok_or(Rejection::SenderNotConfigured)
            .and_then(|pluralkit| pluralkit::ingest::accept(pluralkit, request, arrival)),
        Route::PluralkitTenant(id) => config
            .pluralkit_tenants
            .as_ref()
            .ok_or(Rejection::SenderNotConfigured)
            .and_then(|tenants| {
                pluralkit::ingest::accept_for_tenant(tenants, id, tenant, request, arrival)
            }),
    };
    match accepted {
        Ok(Accepted::Ping) => Decision::AcknowledgePing { sender },
        Ok(Accepted::Answer(answer)) => Decision::Answer { sender, answer },
        Ok(Accepted::Event {
            event,
            deadline,
            answer,
        }) => Decision::Enqueue {
            sender,
            event: Box::new(event),
            deadline,
            answer,
        },
        Err(rejection) => reject(rejection),
    }
}

/// Builds the envelope and its message attributes (see
/// [`QueuedEvent::attributes_of`]).
pub(crate) fn queued_event(
    sender: Sender,
    event_type: String,
    arrival: Arrival,
    payload: Box<RawValue>,
    owner: Option<MessageAttribute>,
    tenant: Option<&TenantId>,
) -> QueuedEvent {
    let envelope = Envelope::new(sender, event_type, arrival, payload);
    let envelope = match tenant {
        Some(tenant) => envelope.with_tenant(tenant.as_str()),
        None => envelope,
    };
    let attributes = QueuedEvent::attributes_of(&envelope, owner);
    QueuedEvent {
        envelope,
        attributes,
    }
}
