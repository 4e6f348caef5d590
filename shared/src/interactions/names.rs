//! The names handlers are registered for: a command's name, a component's or
//! a modal's `custom_id` (or its prefix). Declare each once as a constant,
//! `const BUY: ComponentId = ComponentId::prefix("buy:");`, and use the
//! constant where the name is needed: a typo is then a compile error.

use std::borrow::Cow;

/// A command's `data.name`: a slash command, a user or a message command.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommandName(Cow<'static, str>);

impl CommandName {
    /// The command named `name`, as registered with Discord.
    pub const fn new(name: &'static str) -> Self {
        Self(Cow::Borrowed(name))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn owned(name: String) -> Self {
        Self(Cow::Owned(name))
    }
}

/// What a `custom_id` must be for a route to take it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Match {
    Exact(Cow<'static, str>),
    Prefix(Cow<'static, str>),
}

impl Match {
    fn text(&self) -> &str {
        match self {
            Match::Exact(text) | Match::Prefix(text) => text,
        }
    }
}

macro_rules! custom_id_name {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Match);

        impl $name {
            /// Exactly this `custom_id`.
            pub const fn exact(custom_id: &'static str) -> Self {
                Self(Match::Exact(Cow::Borrowed(custom_id)))
            }

            /// Every `custom_id` that starts with `prefix`, for ids that carry
            /// state (`buy:sku-42`). The longest matching prefix wins.
            pub const fn prefix(prefix: &'static str) -> Self {
                Self(Match::Prefix(Cow::Borrowed(prefix)))
            }

            /// The id or prefix.
            pub fn as_str(&self) -> &str {
                self.0.text()
            }

            pub(crate) fn exact_owned(custom_id: String) -> Self {
                Self(Match::Exact(Cow::Owned(custom_id)))
            }

            /// True for a prefix.
            pub fn is_prefix(&self) -> bool {
                matches!(self.0, Match::Prefix(_))
            }
        }
    };
}

custom_id_name!(
    /// A message component's `custom_id`: a button or a select menu.
    ComponentId
);
custom_id_name!(
    /// A modal's `custom_id`, as its submit carries it.
    ModalId
);

/// One interaction route of the registry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InteractionRoute {
    /// A command. Its autocomplete, when the responder queues one, goes by
    /// its type (`EventType::ApplicationCommandAutocomplete`) instead.
    Command(CommandName),
    /// A component.
    Component(ComponentId),
    /// A modal submit.
    Modal(ModalId),
}

impl InteractionRoute {
    /// The name, id or prefix.
    pub fn as_str(&self) -> &str {
        match self {
            InteractionRoute::Command(name) => name.as_str(),
            InteractionRoute::Component(id) => id.as_str(),
            InteractionRoute::Modal(id) => id.as_str(),
        }
    }
}

impl From<CommandName> for InteractionRoute {
    fn from(name: CommandName) -> Self {
        InteractionRoute::Command(name)
    }
}

impl From<ComponentId> for InteractionRoute {
    fn from(id: ComponentId) -> Self {
        InteractionRoute::Component(id)
    }
}

impl From<ModalId> for InteractionRoute {
    fn from(id: ModalId) -> Self {
        InteractionRoute::Modal(id)
    }
}
