//! Model parsing: any text, as either sender's payload or as an envelope,
//! parses or errors, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard::{discord, pluralkit, Envelope, Event};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = discord::WebhookEvent::from_json(text);
    let _ = pluralkit::DispatchEvent::from_json(text);
    if let Ok(envelope) = Envelope::from_json(text) {
        let _ = Event::from_envelope(&envelope);
        let again = Envelope::from_json(&envelope.to_json()).expect("an envelope round-trips");
        assert_eq!(again.to_json(), envelope.to_json());
    }
});
