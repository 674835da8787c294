//! softlayer-ticket-server: a local SoftLayer_Ticket-compatible endpoint that speaks the
//! SoftLayer API's transports (XML-RPC, SOAP, REST) and keeps its state in SQLite.
//!
//! Every call takes the same road, whatever its transport (see [`server::pipeline`]):
//!
//! ```text
//! HTTP request → server: route by path prefix
//!   → read the body (one place, with its limits)
//!   → Codec::parse → Call → credentials (call headers, else HTTP Basic)
//!   → a reply-cache hit is answered at once; otherwise services::dispatch_observed
//!     (schema lookup, authentication, handler, store, projection by the object mask)
//!     on the async thread, moved to the blocking pool if it runs long; writes go to
//!     the writer thread (store::group_commit)
//!   → Codec::write_reply | Codec::write_fault, streamed for long lists
//! ```
//!
//! The layers: [`protocol`] (codecs: bytes ↔ [`call::Call`] / [`call::Reply`] /
//! [`call::Fault`]), [`services`] (typed handlers that never see the wire) and [`store`]
//! (the only place with SQL). [`schema`] (generated from SLDN) drives masks, filters,
//! the WSDL and the coverage table.

/// `eprintln!` for messages to a person, without its panic when standard error is a pipe
/// whose reader has gone (`serve 2>&1 | head`): the message is lost, the work goes on.
#[macro_export]
macro_rules! tell {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod allocator;
pub mod auth;
pub mod body;
pub mod call;
pub mod chart;
pub mod clock;
pub mod coverage;
pub mod emulator;
pub mod fault;
pub mod limits;
pub mod protocol;
pub mod reply_cache;
pub mod scan;
pub mod schema;
pub mod secrets;
pub mod server;
pub mod services;
pub mod shutdown;
pub mod store;
pub mod time;
pub mod value;
