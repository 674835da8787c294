//! The one interface between a transport's bytes and the request pipeline
//! ([`crate::server::pipeline`]).
//!
//! A codec is made per request by the router, from what the URL says (the service, the
//! API version, REST's output format), so that it can write a fault in the right shape
//! even before the body is read. It knows bytes and its wire types; it knows nothing
//! about tickets. Everything between [`Codec::parse`] and the writers (credentials,
//! dispatch, masks, filters, the blocking pool, the reply cache, streaming) is the
//! pipeline's and is the same for every transport.

use super::HttpAnswer;
use crate::call::{Call, Credentials, Fault, NestedPath, Reply};
use crate::value::Value;

/// A transport's reading and writing of calls.
pub trait Codec: Send + 'static {
    /// The transport's name, for logs and the call journal.
    fn transport(&self) -> &'static str;

    /// Reads the call from the request body. A codec may keep what it needs to write
    /// the answer (REST keeps how to walk a nested path's result).
    fn parse(&mut self, body: &[u8]) -> Result<Call, Fault>;

    /// Credentials the transport carries outside the call (HTTP Basic), for a call whose
    /// headers carry none.
    fn fallback_credentials(&self) -> Option<&Credentials>;

    /// Answers the parsed call through `dispatch`. One call is one dispatch; a REST
    /// nested path overrides this while it still needs more than one.
    fn run(
        &self,
        call: &Call,
        dispatch: &mut dyn FnMut(&Call) -> Result<Reply, Fault>,
    ) -> Result<Reply, Fault> {
        dispatch(call)
    }

    /// The reply (status 200). `SoftLayer-Total-Items` is the pipeline's to add.
    fn write_reply(&self, call: &Call, reply: &Reply) -> HttpAnswer;

    /// The fault, with the status [`Codec::status_of`] gives it.
    fn write_fault(&self, fault: &Fault) -> HttpAnswer;

    /// The HTTP status of a fault, from its kind alone.
    fn status_of(&self, fault: &Fault) -> u16;

    /// What the warning header (and the journal) say beside a fault the transport gives
    /// in fixed words: XML-RPC's "parse error. not well formed" says nothing of what was.
    fn fault_warning(&self, _fault: &Fault) -> Option<String> {
        None
    }

    /// The fault's message as [`Codec::write_fault`] writes it (for the call journal).
    fn fault_message<'f>(&self, fault: &'f Fault) -> std::borrow::Cow<'f, str> {
        fault.message()
    }

    /// The content type of a reply (for replies served from the cache).
    fn reply_content_type(&self) -> &'static str;

    /// What [`Codec::write_reply`]'s body is, when the journal can read the reply's
    /// value back from it (see [`crate::call::ReplyBody`]).
    fn reply_body(&self) -> Option<crate::call::ReplyBody> {
        None
    }

    /// The request as it was sent, when the parsed call alone does not say it (REST's
    /// nested resource paths), for the call journal.
    fn nested_path(&self) -> Option<&NestedPath> {
        None
    }

    /// The id of the object the call ran on when the call names none, known once it has
    /// run (REST's method after a single relation, `…/AssignedUser/getObject`), for the
    /// call journal: `replay` sent such a call to the caller's own object.
    fn ran_on(&self) -> Option<i64> {
        None
    }

    /// How to write `call`'s list reply item by item, when this transport can stream
    /// it; `None` writes it whole.
    fn list_writer(&self, _call: &Call) -> Option<Box<dyn ListWriter>> {
        None
    }
}

/// Writes a list reply in pieces: the pipeline calls `start` once (with the total
/// before the result limit and the number of items that follow), `item` per item, then
/// `end`, flushing `out` to the socket between calls as it fills.
pub trait ListWriter: Send {
    fn start(&mut self, out: &mut Vec<u8>, total: u64, items: u64);
    fn item(&mut self, out: &mut Vec<u8>, item: &Value);
    fn end(&mut self, out: &mut Vec<u8>);
}
