//! softlayer-ticket-server: a local SoftLayer_Ticket-compatible endpoint.

mod call;
mod protocol;
mod schema;
mod value;

fn main() {}
