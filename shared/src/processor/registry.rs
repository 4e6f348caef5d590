//! Which handlers run for which event: typed routes, then a fallback.
//! Interactions are routed by name first (a command's name, a component's or
//! a modal's `custom_id`, exact or the longest prefix), then by type.

use std::collections::HashMap;
use std::sync::Arc;

use super::event::{Event, EventKind};
use super::handler::Handler;
use crate::interactions::{self, CommandName, ComponentId, InteractionRoute, ModalId};
use crate::{discord, pluralkit};

type Handlers = Vec<Arc<dyn Handler>>;

/// What `.on(..)` registers a handler for: an event kind, or one
/// interaction route.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RouteKey {
    /// Every event of a sender's type.
    Kind(EventKind),
    /// Interactions by command name or `custom_id`.
    Interaction(InteractionRoute),
}

macro_rules! route_keys {
    ($($kind:ty => $variant:ident),+ $(,)?) => {
        $(impl From<$kind> for RouteKey {
            fn from(key: $kind) -> Self {
                RouteKey::$variant(key.into())
            }
        })+
    };
}

route_keys! {
    EventKind => Kind,
    discord::EventType => Kind,
    interactions::EventType => Kind,
    pluralkit::EventType => Kind,
    InteractionRoute => Interaction,
    CommandName => Interaction,
    ComponentId => Interaction,
    ModalId => Interaction,
}

/// Routes events to handlers by kind. Built with [`Registry::new`], then
/// `.on(..)` per route, `.fallback(..)`, and [`RegistryBuilder::build`].
#[derive(Clone)]
pub struct Registry {
    routes: HashMap<EventKind, Handlers>,
    interactions: HashMap<InteractionRoute, Handlers>,
    /// Prefix routes, longest first.
    prefixes: Vec<(InteractionRoute, Handlers)>,
    fallback: Handlers,
}

/// A registry being put together.
#[derive(Clone, Default)]
#[must_use = "a registry does nothing until it is built"]
pub struct RegistryBuilder {
    routes: HashMap<EventKind, Handlers>,
    interactions: HashMap<InteractionRoute, Handlers>,
    fallback: Handlers,
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
        routes.extend(
            self.interactions
                .iter()
                .chain(
                    self.prefixes
                        .iter()
                        .map(|(route, handlers)| (route, handlers)),
                )
                .map(|(route, handlers)| (route.as_str(), handlers.len())),
        );
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
        self.route_for(event).unwrap_or(&self.fallback)
    }

    /// The handlers of the event's own route; `None` when only the fallback
    /// takes it.
    pub fn route_for(&self, event: &Event) -> Option<&[Arc<dyn Handler>]> {
        if let Event::Interaction(interaction) = event {
            if let Some(handlers) = self.interaction_route(interaction) {
                return Some(handlers);
            }
        }
        self.routes.get(&event.kind()).map(Vec::as_slice)
    }

    fn interaction_route(
        &self,
        interaction: &interactions::Interaction,
    ) -> Option<&[Arc<dyn Handler>]> {
        use interactions::EventType as Type;
        let exact = match (
            &interaction.kind,
            &interaction.command_name,
            &interaction.custom_id,
        ) {
            // An autocomplete the responder queued goes by its type only: a
            // command's handler would reply to what has no message.
            (Type::ApplicationCommand, Some(name), _) => {
                InteractionRoute::Command(CommandName::owned(name.clone()))
            }
            (Type::MessageComponent, _, Some(id)) => {
                InteractionRoute::Component(ComponentId::exact_owned(id.clone()))
            }
            (Type::ModalSubmit, _, Some(id)) => {
                InteractionRoute::Modal(ModalId::exact_owned(id.clone()))
            }
            _ => return None,
        };
        if let Some(handlers) = self.interactions.get(&exact) {
            return Some(handlers);
        }
        self.prefixes
            .iter()
            .find(|(route, _)| match (route, &exact) {
                (InteractionRoute::Component(prefix), InteractionRoute::Component(id)) => {
                    id.as_str().starts_with(prefix.as_str())
                }
                (InteractionRoute::Modal(prefix), InteractionRoute::Modal(id)) => {
                    id.as_str().starts_with(prefix.as_str())
                }
                _ => false,
            })
            .map(|(_, handlers)| handlers.as_slice())
    }
}

impl RegistryBuilder {
    /// Adds a handler for one event type, e.g.
    /// `.on(discord::EventType::EntitlementCreate, handler)`, or for one
    /// interaction route: `.on(PING_COMMAND, handler)` with
    /// `const PING_COMMAND: CommandName = CommandName::new("ping");` (or a
    /// [`ComponentId`], a [`ModalId`]). A type the models do not know yet is
    /// `EventType::Unknown("NEW_TYPE".into())`.
    pub fn on(mut self, key: impl Into<RouteKey>, handler: impl Handler + 'static) -> Self {
        let handler: Arc<dyn Handler> = Arc::new(handler);
        match key.into() {
            RouteKey::Kind(kind) => self
                .routes
                .entry(kind.normalized())
                .or_default()
                .push(handler),
            RouteKey::Interaction(route) => {
                self.interactions.entry(route).or_default().push(handler)
            }
        }
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
        let is_prefix = |route: &InteractionRoute| match route {
            InteractionRoute::Component(id) => id.is_prefix(),
            InteractionRoute::Modal(id) => id.is_prefix(),
            InteractionRoute::Command(_) => false,
        };
        let (mut prefixes, exact): (Vec<_>, Vec<_>) = self
            .interactions
            .into_iter()
            .partition(|(route, _)| is_prefix(route));
        prefixes.sort_by(|(a, _), (b, _)| b.as_str().len().cmp(&a.as_str().len()).then(a.cmp(b)));
        Ok(Registry {
            routes: self.routes,
            interactions: exact.into_iter().collect(),
            prefixes,
            fallback: self.fallback,
        })
    }
}
