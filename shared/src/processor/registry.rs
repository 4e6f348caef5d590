//! Which handlers run for which event: typed routes, then a fallback.

use std::collections::HashMap;
use std::sync::Arc;

use super::event::{Event, EventKind};
use super::handler::Handler;

/// Routes events to handlers by kind. Built with [`Registry::new`], then
/// `.on(..)` per route, `.fallback(..)`, and [`RegistryBuilder::build`].
#[derive(Clone)]
pub struct Registry {
    routes: HashMap<EventKind, Vec<Arc<dyn Handler>>>,
    fallback: Vec<Arc<dyn Handler>>,
}

/// A registry being put together.
#[derive(Clone, Default)]
#[must_use = "a registry does nothing until it is built"]
pub struct RegistryBuilder {
    routes: HashMap<EventKind, Vec<Arc<dyn Handler>>>,
    fallback: Vec<Arc<dyn Handler>>,
}

/// A registry that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// An event with no handler would be deleted from the queue unhandled.
    #[error("the registry has no fallback handler: add `.fallback(LogEvent)` at least")]
    NoFallback,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut routes: Vec<(&str, usize)> = self
            .routes
            .iter()
            .map(|(kind, handlers)| (kind.as_str(), handlers.len()))
            .collect();
        routes.sort_unstable();
        f.debug_struct("Registry")
            .field("routes", &routes)
            .field("fallbacks", &self.fallback.len())
            .finish()
    }
}

impl Registry {
    /// Starts a registry, e.g.
    /// `Registry::new().on(discord::EventType::EntitlementCreate, h).fallback(LogEvent).build()`.
    #[expect(
        clippy::new_ret_no_self,
        reason = "axum-style: `Registry::new().on(..).fallback(..)`"
    )]
    pub fn new() -> RegistryBuilder {
        RegistryBuilder::default()
    }

    /// The handlers for `event`: its own routes first (for unknown types too,
    /// so a handler can be registered before the models know the type), else
    /// the fallback.
    pub fn handlers_for(&self, event: &Event) -> &[Arc<dyn Handler>] {
        self.routes
            .get(&event.kind())
            .map(Vec::as_slice)
            .unwrap_or(&self.fallback)
    }
}

impl RegistryBuilder {
    /// Adds a handler for one event type, e.g.
    /// `.on(discord::EventType::EntitlementCreate, handler)`. A type the
    /// models do not know yet is `EventType::Unknown("NEW_TYPE".into())`.
    pub fn on(mut self, kind: impl Into<EventKind>, handler: impl Handler + 'static) -> Self {
        self.routes
            .entry(kind.into().normalized())
            .or_default()
            .push(Arc::new(handler));
        self
    }

    /// Adds a handler for every event with no route of its own.
    pub fn fallback(mut self, handler: impl Handler + 'static) -> Self {
        self.fallback.push(Arc::new(handler));
        self
    }

    /// Finishes the registry; refused without a fallback, since an event
    /// nothing handles must never be deleted silently.
    pub fn build(self) -> Result<Registry, RegistryError> {
        if self.fallback.is_empty() {
            return Err(RegistryError::NoFallback);
        }
        Ok(Registry {
            routes: self.routes,
            fallback: self.fallback,
        })
    }
}
