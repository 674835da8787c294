//! The XML-RPC reader: a POST body to /xmlrpc/v3/SoftLayer_Ticket.
#![no_main]
use libfuzzer_sys::fuzz_target;
use softlayer_ticket_server::protocol::xmlrpc;

fuzz_target!(|data: &[u8]| {
    if let Ok(call) = xmlrpc::parse_call("SoftLayer_Ticket", data) {
        softlayer_ticket_server_fuzz::follow(&call);
    }
});
