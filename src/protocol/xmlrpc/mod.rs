//! The XML-RPC transport: softlayer-python's default, so most traffic, and the
//! benchmark, goes through this module.
//!
//! The grammar is small, so it is written out by hand over a pull reader and not left
//! to a DOM or serde. The reader is a small lexer for the XML clients send
//! ([`super::xml::PlainLexer`]); whatever it does not take is read again by quick-xml,
//! which decides every malformed request. That keeps whitespace inside strings as sent
//! (but for line ends, normalised to LF as XML 1.0 requires: [`decode_body`]), turns
//! every departure from the grammar into the `-32700` fault clients expect, and keeps
//! the checks a server needs against hostile XML in one place. DTDs are refused
//! outright, because entity expansion is the classic XML attack and no client sends a
//! DTD. Nesting is capped, so the parser's recursion is bounded too.
//!
//! Bytes are decoded as UTF-8 whenever they are valid UTF-8, whatever the prolog says:
//! softlayer-python declares `iso-8859-1` but sends UTF-8. Trusting the declaration
//! would garble every accented ticket it sends. Latin-1 is only for bodies that cannot be
//! UTF-8 and declare another encoding; without one, they are refused ([`decode_body`]).
//!
//! PHP's XML-RPC extension (`xmlrpc_encode_request`) goes the other way: under an
//! `iso-8859-1` prolog it sends each byte of UTF-8 text as a character reference, so
//! "grüße" arrives as `gr&#195;&#188;&#195;&#159;e`. The real endpoint (PHP's xmlrpc-epi)
//! turns those back into the intended text, and so does [`repair_php_utf8`].
//!
//! Replies are written straight into a byte buffer as the value is walked. Text is
//! escaped so that any client parser reads back what the handler produced: `\r` goes
//! out as a character reference because XML parsers normalise a literal one away, and
//! characters XML 1.0 forbids become U+FFFD. Otherwise one stray control character in
//! ticket text would make the whole response unreadable.

use super::HttpAnswer;
use super::codec::{Codec, ListWriter};
use crate::call::{Call, Credentials, Fault, Reply};
use crate::value::Value;

mod read;
#[cfg(test)]
mod tests;
mod write;

pub use read::{parse_call, reply_value};
pub use write::{write_fault, write_reply};
use write::{write_list_end, write_list_item, write_list_start};

/// XML-RPC at `/xmlrpc/v3[.1]/{service}`.
pub struct XmlRpcCodec {
    pub service: String,
    pub basic: Option<Credentials>,
}

const CONTENT_TYPE: &str = "text/xml; charset=utf-8";

impl Codec for XmlRpcCodec {
    fn transport(&self) -> &'static str {
        "xmlrpc"
    }

    fn parse(&mut self, body: &[u8]) -> Result<Call, Fault> {
        parse_call(&self.service, body)
    }

    fn fallback_credentials(&self) -> Option<&Credentials> {
        self.basic.as_ref()
    }

    fn write_reply(&self, _call: &Call, reply: &Reply) -> HttpAnswer {
        HttpAnswer {
            status: 200,
            content_type: CONTENT_TYPE,
            headers: Vec::new(),
            body: write_reply(reply),
        }
    }

    fn write_fault(&self, fault: &Fault) -> HttpAnswer {
        HttpAnswer {
            status: self.status_of(fault),
            content_type: CONTENT_TYPE,
            headers: Vec::new(),
            body: write_fault(fault),
        }
    }

    /// The real API's faultString for a body it cannot read is fixed; what was wrong goes
    /// beside it, where people and the journal see it (what it quotes of the body with a
    /// key's shape left out: the body's credentials were never read).
    fn fault_warning(&self, fault: &Fault) -> Option<String> {
        match fault {
            Fault::Malformed { detail } => Some(format!(
                "parse error: {}",
                crate::secrets::without_key_shapes(detail)
            )),
            _ => None,
        }
    }

    /// XML-RPC reports every fault in a 200 response: clients raise HTTP errors before
    /// they read a body, and would lose the fault.
    fn status_of(&self, fault: &Fault) -> u16 {
        fault.status_override().unwrap_or(200)
    }

    fn reply_content_type(&self) -> &'static str {
        CONTENT_TYPE
    }

    fn reply_body(&self) -> Option<crate::call::ReplyBody> {
        Some(crate::call::ReplyBody::XmlRpc)
    }

    fn list_writer(&self, _call: &Call) -> Option<Box<dyn ListWriter>> {
        Some(Box::new(XmlRpcList))
    }
}

/// An XML-RPC list reply, item by item.
struct XmlRpcList;

impl ListWriter for XmlRpcList {
    fn start(&mut self, out: &mut Vec<u8>, _total: u64, _items: u64) {
        write_list_start(out);
    }

    fn item(&mut self, out: &mut Vec<u8>, item: &Value) {
        write_list_item(out, item);
    }

    fn end(&mut self, out: &mut Vec<u8>) {
        write_list_end(out);
    }
}
