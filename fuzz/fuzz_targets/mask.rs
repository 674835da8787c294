//! The object mask parser (the string language), then validation against a few types
//! and the printed mask read back.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        softlayer_ticket_server_fuzz::mask_text(text);
    }
});
