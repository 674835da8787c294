//! Wire codecs: each turns its transport's request into a [`crate::call::Call`] and a
//! reply or fault back into bytes, behind the one [`codec::Codec`] trait. Nothing here
//! knows what a ticket is.

pub mod codec;
pub mod rest;
pub mod soap;
pub mod wsdl;
pub mod xml;
pub mod xmlrpc;

/// Most values one request may carry, on every transport: a value costs the parsers
/// 50-100 bytes of memory, so a 16 MiB body of `1,1,1,…` or `<value/>`s took 200-800 MB
/// (issue 10 bounds the server at 400 MB). No real call comes near.
pub const MAX_VALUES: usize = 250_000;

/// A buffer for a whole reply body, started at 8 KiB: a getObject reply of a ticket with
/// its updates is 2-7 KiB, and growing it from a few hundred bytes copied it three or
/// four times over.
pub fn reply_buffer() -> Vec<u8> {
    Vec::with_capacity(8 * 1024)
}

/// The two API versions every transport serves; they differ only in SOAP namespaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersion {
    V3,
    V3_1,
}

impl ApiVersion {
    /// `v3` or `v3.1`, as in the URL.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V3 => "v3",
            ApiVersion::V3_1 => "v3.1",
        }
    }

    pub fn from_segment(segment: &str) -> Option<ApiVersion> {
        match segment {
            "v3" => Some(ApiVersion::V3),
            "v3.1" => Some(ApiVersion::V3_1),
            _ => None,
        }
    }
}

/// An HTTP response as a codec shapes it; the server only copies it onto the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpAnswer {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}
