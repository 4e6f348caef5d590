//! An interaction's type: a number on the wire, a name in the envelope.

use crate::event_type::event_types;

event_types! {
    /// An interaction's `type`, by name: the envelope's `event_type` and
    /// what destinations' type filters name.
    pub enum EventType {
        /// 1: Discord checking the URL; answered with a PONG, never queued.
        Ping = "PING",
        /// 2: a slash, user or message command.
        ApplicationCommand = "APPLICATION_COMMAND",
        /// 3: a button or select menu on a message.
        MessageComponent = "MESSAGE_COMPONENT",
        /// 4: a command option being typed; answered inline with choices.
        ApplicationCommandAutocomplete = "APPLICATION_COMMAND_AUTOCOMPLETE",
        /// 5: a modal's fields, submitted.
        ModalSubmit = "MODAL_SUBMIT",
    }
}

impl EventType {
    /// The types that reach the queue: every one but PING (autocomplete only
    /// when the inline responder asks for it).
    pub const QUEUED: &'static [EventType] = &[
        EventType::ApplicationCommand,
        EventType::MessageComponent,
        EventType::ApplicationCommandAutocomplete,
        EventType::ModalSubmit,
    ];

    /// The type for the wire's number; one Discord added later is
    /// `Unknown("TYPE_<n>")`.
    pub fn from_code(code: u64) -> Self {
        match code {
            1 => EventType::Ping,
            2 => EventType::ApplicationCommand,
            3 => EventType::MessageComponent,
            4 => EventType::ApplicationCommandAutocomplete,
            5 => EventType::ModalSubmit,
            other => EventType::Unknown(format!("TYPE_{other}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_numbers_map_to_names_and_unknown_ones_are_kept() {
        assert_eq!(EventType::from_code(2).as_str(), "APPLICATION_COMMAND");
        assert_eq!(EventType::from_code(5), EventType::ModalSubmit);
        assert_eq!(EventType::from_code(12).as_str(), "TYPE_12");
        assert!(EventType::from_code(12).is_unknown());
    }
}
