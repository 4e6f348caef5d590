//! An in-memory [`Destination`] for unit tests of the processor: records what
//! each call was offered, and fails, hangs or panics on chosen events.

use std::sync::Mutex;
use std::time::Duration;

use switchboard::builtin::TypeFilter;
use switchboard::{Delivery, Destination, HandlerError, Sending};

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
    /// Its name, the effect's name in the store (`recording` when empty).
    pub name: &'static str,
    /// Message ids whose delivery takes this long before it answers.
    pub slow: Vec<(&'static str, Duration)>,
    calls: Mutex<Vec<Vec<String>>>,
    delivered: Mutex<Vec<String>>,
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

    /// The same destination under another name (two in one processor need two).
    pub fn named(mut self, name: &'static str) -> Self {
        self.name = name;
        self
    }

    /// The same destination answering for `id` only after `delay`.
    pub fn slow_on(mut self, id: &'static str, delay: Duration) -> Self {
        self.slow.push((id, delay));
        self
    }

    /// The message ids it took, in the order their deliveries succeeded.
    pub fn delivered(&self) -> Vec<String> {
        self.delivered
            .lock()
            .map(|ids| ids.clone())
            .unwrap_or_default()
    }

    /// The message ids each call was offered, call by call.
    pub fn calls(&self) -> Vec<Vec<String>> {
        self.calls
            .lock()
            .map(|calls| calls.clone())
            .unwrap_or_default()
    }
}

impl Destination for RecordingDestination {
    fn name(&self) -> &'static str {
        match self.name {
            "" => "recording",
            name => name,
        }
    }

    fn accepts(&self, event_type: &str) -> bool {
        self.types.accepts(event_type)
    }

    fn deliver<'a>(&'a self, deliveries: &'a [Delivery<'a>]) -> Vec<Sending<'a>> {
        let ids: Vec<String> = deliveries
            .iter()
            .map(|delivery| delivery.context.message_id.clone())
            .collect();
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(ids.clone());
        }
        ids.into_iter()
            .enumerate()
            .map(|(position, id)| {
                Sending::one(position, async move {
                    match self.behaviour {
                        Behaviour::Accept => {}
                        Behaviour::Hang => std::future::pending::<()>().await,
                        Behaviour::Panic => panic!("destination bug"),
                    }
                    if let Some((_, delay)) = self.slow.iter().find(|(slow, _)| *slow == id) {
                        tokio::time::sleep(*delay).await;
                    }
                    if self.fail.contains(&id.as_str()) {
                        return Err(HandlerError::from(format!("chosen failure for {id}")));
                    }
                    if let Ok(mut delivered) = self.delivered.lock() {
                        delivered.push(id);
                    }
                    Ok(())
                })
            })
            .collect()
    }
}
