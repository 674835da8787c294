//! The SOAP reader: a POST body to /soap/v3/SoftLayer_Ticket.
#![no_main]
use libfuzzer_sys::fuzz_target;
use softlayer_ticket_server::protocol::soap;

fuzz_target!(|data: &[u8]| {
    if let Ok(call) = soap::parse_call("SoftLayer_Ticket", data) {
        softlayer_ticket_server_fuzz::follow(&call);
    }
});
