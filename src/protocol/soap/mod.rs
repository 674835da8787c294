//! The SOAP 1.1 transport: rpc/encoded envelopes, as the real API and its WSDL
//! ([`super::wsdl`]) describe them.
//!
//! A request is read into a small element tree first (SOAP encoding lets one part of a
//! message refer to another with `href`, so a single pass cannot type it), with the same
//! defences as the XML-RPC reader: DTDs are refused, nesting and element count are capped,
//! and a multi-reference graph may not expand past a fixed number of values, nor copy more
//! than [`MAX_COPIED_BYTES`] (an element read again through another `href`). The tree is
//! then read *per the WSDL*: every header and argument has a declared type, taken from the
//! same schema that generates the WSDL, so a value means the same whether the client
//! annotated it with `xsi:type` (PHP, suds) or not (zeep, node-soap), whether its elements
//! are namespaced or not, and whether an array arrives as a SOAP-ENC array
//! (`SOAP-ENC:arrayType`, `<item>` or type-named children) or as repeated elements, and
//! whether a struct arrives as members or as PHP's Apache `Map`. An `xsi:type` naming
//! a schema type or an array overrides a declared complex type (a subtype, or an untyped
//! header); one naming a simple type or an array overrides a declared scalar, as PHP's
//! SoapServer reads it, so a typed value means what it means over XML-RPC. A simple type
//! counts only where the `xsi:type` prefix is bound to XML Schema
//! or the SOAP encoding (`SCHEMA_NAMESPACES`). A value that does not convert to its
//! declared scalar type is passed on as text for the handler to reject with its own
//! message.
//!
//! Arguments are matched to the method's parameters by name (the part names of the WSDL,
//! which are the SLDN parameter names); elements with other names fill the remaining
//! parameters in order, as positional SOAP stacks send them.
//!
//! Replies are written straight into a buffer, shaped like the captured production
//! responses: `ns1:{method}Response` holding `{method}Return`, `xsi:type` on every value,
//! SOAP-ENC arrays typed `ns1:{Type}Array`, a `totalItems` header on list results, and
//! struct members in the order of the WSDL's `xsd:sequence` (zeep drops members that come
//! out of order). A struct whose members only a subtype of the declared type has is
//! written as that subtype. Faults carry the SoftLayer exception class as `faultcode`
//! (`SOAP-ENV:Client` for a request that is not a well-formed SOAP envelope,
//! `SOAP-ENV:MustUnderstand` for a header marked so that no call reads).

use std::borrow::Cow;

use super::ApiVersion;
use super::HttpAnswer;
use super::codec::{Codec, ListWriter};
use crate::call::{Call, CallHeader, Credentials, Fault, Reply};
use crate::schema::schema;

mod read;
#[cfg(test)]
mod tests;
mod write;

pub use read::{MAX_COPIED_BYTES, parse_call};
use write::{SoapList, fault_parts};
pub use write::{reply_value, write_fault, write_reply};

/// The refusals of an envelope in another namespace: SOAP 1.1's `VersionMismatch`
/// (section 4.4.1), not a client's malformed request.
const SOAP_12_ENVELOPE: &str = "a SOAP 1.2 envelope; this endpoint speaks SOAP 1.1";
const NOT_A_SOAP_11_ENVELOPE: &str =
    "the Envelope is not in the SOAP 1.1 namespace http://schemas.xmlsoap.org/soap/envelope/";

/// The start of the refusal of a header marked `mustUnderstand` that this server does not
/// process: SOAP 1.1's `MustUnderstand` fault (section 4.2.3), in PHP's SoapServer's words.
const NOT_UNDERSTOOD: &str = "Header not understood";

/// The refusal of a Body that names no operation, in PHP's SoapServer's words (a Client
/// fault of its own, not a parse error).
const NO_FUNCTION_CALL: &str = "looks like we got \"Body\" without function call";

/// The refusal of an envelope without a Body, in PHP's SoapServer's words (a Client fault
/// of its own, not a parse error).
const NO_BODY: &str = "Body must be present in a SOAP envelope";

/// SOAP's message for [`Fault::MalformedInitParameter`] on `service` (replay tells such a
/// recorded call by it).
pub fn malformed_init_message(service: &str) -> String {
    format!(
        "The {} header names no object: send its id as <id>.",
        CallHeader::InitParameters.name(service)
    )
}

/// SOAP 1.1 at `/soap/v3[.1]/{service}`.
pub struct SoapCodec {
    pub version: ApiVersion,
    pub service: String,
    pub basic: Option<Credentials>,
}

const CONTENT_TYPE: &str = "text/xml; charset=utf-8";

impl Codec for SoapCodec {
    fn transport(&self) -> &'static str {
        "soap"
    }

    fn parse(&mut self, body: &[u8]) -> Result<Call, Fault> {
        parse_call(&self.service, body)
    }

    fn fallback_credentials(&self) -> Option<&Credentials> {
        self.basic.as_ref()
    }

    fn write_reply(&self, call: &Call, reply: &Reply) -> HttpAnswer {
        HttpAnswer {
            status: 200,
            content_type: CONTENT_TYPE,
            headers: Vec::new(),
            body: write_reply(&call.service, &call.method, self.version, reply),
        }
    }

    fn write_fault(&self, fault: &Fault) -> HttpAnswer {
        HttpAnswer {
            status: self.status_of(fault),
            content_type: CONTENT_TYPE,
            headers: Vec::new(),
            body: write_fault(self.version, &self.service, fault),
        }
    }

    /// SOAP 1.1 sends every fault with HTTP 500.
    fn status_of(&self, fault: &Fault) -> u16 {
        fault.status_override().unwrap_or(500)
    }

    fn fault_message<'f>(&self, fault: &'f Fault) -> Cow<'f, str> {
        fault_parts(&self.service, fault).1
    }

    fn reply_content_type(&self) -> &'static str {
        CONTENT_TYPE
    }

    fn reply_body(&self) -> Option<crate::call::ReplyBody> {
        Some(crate::call::ReplyBody::Soap)
    }

    fn list_writer(&self, call: &Call) -> Option<Box<dyn ListWriter>> {
        let returns = &schema().method(&call.service, &call.method)?.returns;
        let (item_type, true) = split_many(returns) else {
            return None;
        };
        Some(Box::new(SoapList {
            version: self.version,
            method: call.method.clone(),
            item_type: item_type.to_string(),
        }))
    }
}

fn split_many(type_name: &str) -> (&str, bool) {
    match type_name.strip_suffix("[]") {
        Some(base) => (base, true),
        None => (type_name, false),
    }
}
