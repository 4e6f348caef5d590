//! An in-memory [`Destination`] for unit tests of the processor: records what
//! each call was offered, and fails, hangs or panics on chosen events.

use std::sync::Mutex;

use async_trait::async_trait;
use switchboard::builtin::TypeFilter;
use switchboard::{Delivery, Destination, HandlerError};

/// What a [`RecordingDestination`] does with events.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Takes every event.
    #[default]
    Accept,
    /// Never answers (until the deadline cuts it off).
    Hang,
    /// Panics on every call.
    Panic,
}

/// Records each call's message ids; fails the events whose message id is in
/// `fail`.
#[derive(Debug, Default)]
pub struct RecordingDestination {
    /// Which types it takes.
    pub types: TypeFilter,
    /// Message ids whose delivery fails.
    pub fail: Vec<&'static str>,
    /// What it does on each call.
    pub behaviour: Behaviour,
    calls: Mutex<Vec<Vec<String>>>,
}

impl RecordingDestination {
    /// A destination taking `types`, failing the message ids in `fail`.
    pub fn new(types: TypeFilter, fail: Vec<&'static str>) -> Self {
        Self {
            types,
            fail,
            ..Self::default()
        }
    }

    /// The same destination doing `behaviour` on every call.
    pub fn behaving(mut self, behaviour: Behaviour) -> Self {
        self.behaviour = behaviour;
        self
    }

    /// The message ids each call was offered, call by call.
    pub fn calls(&self) -> Vec<Vec<String>> {
        self.calls
            .lock()
            .map(|calls| calls.clone())
            .unwrap_or_default()
    }
}

#[async_trait]
impl Destination for RecordingDestination {
    fn name(&self) -> &'static str {
        "recording"
    }

    fn accepts(&self, event_type: &str) -> bool {
        self.types.accepts(event_type)
    }

    async fn deliver(&self, deliveries: &[Delivery<'_>]) -> Vec<Result<(), HandlerError>> {
        let ids: Vec<String> = deliveries
            .iter()
            .map(|delivery| delivery.context.message_id.clone())
            .collect();
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(ids.clone());
        }
        match self.behaviour {
            Behaviour::Accept => {}
            Behaviour::Hang => std::future::pending::<()>().await,
            Behaviour::Panic => panic!("destination bug"),
        }
        ids.iter()
            .map(|id| match self.fail.contains(&id.as_str()) {
                true => Err(format!("chosen failure for {id}").into()),
                false => Ok(()),
            })
            .collect()
    }
}
