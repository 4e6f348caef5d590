//! Model parsing: any text, as any sender's payload or as an envelope,
//! parses or errors, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard::{discord, pluralkit, Envelope, Event};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = discord::WebhookEvent::from_json(text);
    let _ = pluralkit::DispatchEvent::from_json(text);
    let _ = switchboard::interactions::Interaction::from_json(text);
    // Every known type's model, from the senders' own lists, on any JSON.
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        for kind in discord::EventType::ALL {
            let _ = discord::Event::from_parts(kind.as_str(), Some(&value));
            let _ = discord::Event::from_parts_or_unknown(kind.as_str(), Some(value.clone()));
        }
        for kind in pluralkit::EventType::ALL {
            let _ = pluralkit::Event::from_parts(kind.as_str(), Some(&value));
            let _ = pluralkit::Event::from_parts_or_unknown(kind.as_str(), Some(value.clone()));
        }
    }
    if let Ok(envelope) = Envelope::from_json(text) {
        let _ = Event::from_envelope(&envelope);
        let again = Envelope::from_json(&envelope.to_json()).expect("an envelope round-trips");
        assert_eq!(again.to_json(), envelope.to_json());
    }
});
