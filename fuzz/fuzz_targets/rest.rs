//! The REST request parser. The input is the request as the router hands it over:
//!
//! ```text
//! VERB path-after-/rest/v3/[?query]\n
//! body…
//! ```
//!
//! e.g. `GET SoftLayer_Ticket/5/getUpdates.json?objectMask=mask[id]\n`. The path and
//! query are what hyper accepts in a URI (read here as UTF-8, lossily); the body is bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use softlayer_ticket_server::protocol::rest;

fuzz_target!(|data: &[u8]| {
    let (head, body) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let (verb, target) = head.split_once(' ').unwrap_or((&head, ""));
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    if let Ok(request) = rest::parse(verb, path, query, None, body) {
        softlayer_ticket_server_fuzz::follow(&request.call);
    }
});
