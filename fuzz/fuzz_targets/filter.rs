//! The object filter parser, given the filter as REST's `objectFilter` carries it: JSON
//! text, read by `call::filter_from_json` as the REST codec reads it, then parsed for a
//! few types.
#![no_main]
use libfuzzer_sys::fuzz_target;
use softlayer_ticket_server::call::filter_from_json;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(Some(value)) = filter_from_json(text)
    {
        softlayer_ticket_server_fuzz::filter_value(&value);
    }
});
