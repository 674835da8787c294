//! One API call, independent of the transport that carried it, and its two outcomes.
//!
//! Codecs build a [`Call`] from the wire; the dispatcher answers with a [`Reply`] or a
//! [`Fault`]; codecs turn either back into bytes.

use crate::value::{Struct, Value};

/// Who the caller says it is.
#[derive(Debug, Clone, PartialEq)]
pub enum Credentials {
    /// `authenticate {username, apiKey}`, or HTTP Basic `username:apiKey`.
    ApiKey { username: String, api_key: String },
    /// `authenticate {userId, authToken, complexType: "PortalLoginToken"}`.
    PortalToken { user_id: i64, token: String },
}

/// `resultLimit {limit, offset}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResultLimit {
    pub offset: u64,
    pub limit: Option<u64>,
}

/// Where an object mask came from: the string language or the legacy nested struct.
#[derive(Debug, Clone, PartialEq)]
pub enum MaskSource {
    Text(String),
    Legacy(Struct),
}

/// The call headers every transport carries (section 2 of PROTOCOL.md).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallHeaders {
    pub credentials: Option<Credentials>,
    /// The raw `{Service}InitParameters.id`: an int, a numeric string, or whatever a
    /// client sent (slcli 6.2.9 sends `false`); the dispatcher decides what it means.
    pub init_id: Option<Value>,
    pub mask: Option<MaskSource>,
    pub filter: Option<Value>,
    pub limit: Option<ResultLimit>,
}

impl CallHeaders {
    /// Reads the header struct that XML-RPC and SOAP both carry. Unknown headers are
    /// ignored, as the real API does (softlayer-go sends `User-Agent` among them).
    pub fn from_struct(service: &str, headers: &Struct) -> Result<CallHeaders, Fault> {
        let mut out = CallHeaders::default();
        for (name, value) in headers {
            if name == "authenticate" {
                out.credentials = credentials_from(value);
            } else if name == "resultLimit" {
                out.limit = Some(ResultLimit {
                    offset: value
                        .get("offset")
                        .and_then(Value::as_i64)
                        .unwrap_or(0)
                        .max(0) as u64,
                    limit: value
                        .get("limit")
                        .and_then(Value::as_i64)
                        .map(|l| l.max(0) as u64),
                });
            } else if name == "SoftLayer_ObjectMask" {
                match value.get("mask") {
                    Some(Value::String(s)) => out.mask = Some(MaskSource::Text(s.clone())),
                    Some(Value::Struct(s)) => out.mask = Some(MaskSource::Legacy(s.clone())),
                    _ => {}
                }
            } else if let Some(rest) = name.strip_prefix(service) {
                match rest {
                    "InitParameters" => out.init_id = value.get("id").cloned(),
                    "ObjectMask" => match value.get("mask") {
                        Some(Value::Struct(s)) => out.mask = Some(MaskSource::Legacy(s.clone())),
                        Some(Value::String(s)) => out.mask = Some(MaskSource::Text(s.clone())),
                        _ => {}
                    },
                    "ObjectFilter" if !value.is_null() => out.filter = Some(value.clone()),
                    _ => {}
                }
            }
        }
        Ok(out)
    }
}

fn credentials_from(value: &Value) -> Option<Credentials> {
    let text = |k: &str| value.get(k).and_then(|v| v.as_str().map(str::to_string));
    if let (Some(username), Some(api_key)) = (text("username"), text("apiKey")) {
        return Some(Credentials::ApiKey { username, api_key });
    }
    let user_id = value.get("userId").and_then(Value::as_i64)?;
    let token = text("authToken")?;
    Some(Credentials::PortalToken { user_id, token })
}

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub service: String,
    pub method: String,
    pub headers: CallHeaders,
    /// The method's own arguments, in the order its SLDN page lists them.
    pub args: Vec<Value>,
}

/// A successful result; `total` is set for list results (before the result limit) and
/// becomes `SoftLayer-Total-Items` / the SOAP `totalItems` header.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub value: Value,
    /// The SoftLayer type of the result (`SoftLayer_Ticket`, `SoftLayer_Ticket[]`,
    /// `boolean`, `void`…), for codecs that annotate types (SOAP).
    pub type_name: String,
    pub total: Option<u64>,
}

/// The SoftLayer exception classes this server raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExceptionClass {
    Exception,
    Public,
    ObjectNotFound,
    InvalidValue,
    InvalidLegacyToken,
    WebServiceBadRequest,
}

impl ExceptionClass {
    pub fn name(self) -> &'static str {
        match self {
            ExceptionClass::Exception => "SoftLayer_Exception",
            ExceptionClass::Public => "SoftLayer_Exception_Public",
            ExceptionClass::ObjectNotFound => "SoftLayer_Exception_ObjectNotFound",
            ExceptionClass::InvalidValue => "SoftLayer_Exception_InvalidValue",
            ExceptionClass::InvalidLegacyToken => "SoftLayer_Exception_InvalidLegacyToken",
            ExceptionClass::WebServiceBadRequest => "SoftLayer_Exception_WebService_BadRequest",
        }
    }

    /// The class named in an SLDN page (`SoftLayer_Exception_Public`, …).
    pub fn from_name(name: &str) -> Option<ExceptionClass> {
        use ExceptionClass::*;
        [
            Exception,
            Public,
            ObjectNotFound,
            InvalidValue,
            InvalidLegacyToken,
            WebServiceBadRequest,
        ]
        .into_iter()
        .find(|c| c.name() == name.trim())
    }
}

/// Everything that can go wrong with a call, in the terms the transports report.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Fault {
    /// XML-RPC -32700: the request body is not well-formed (or is refused as unsafe).
    #[error("parse error. not well formed")]
    NotWellFormed { detail: String },
    /// XML-RPC -32601.
    #[error("server error. requested method not found")]
    MethodNotFound { service: String, method: String },
    /// XML-RPC -32602: a required init parameter is missing.
    #[error("server error. invalid method init parameters")]
    InvalidInitParameters,
    /// A SoftLayer exception: its class is the fault code.
    #[error("{message}")]
    Exception {
        class: ExceptionClass,
        message: String,
    },
}

impl Fault {
    pub fn new(class: ExceptionClass, message: impl Into<String>) -> Fault {
        Fault::Exception {
            class,
            message: message.into(),
        }
    }

    pub fn public(message: impl Into<String>) -> Fault {
        Fault::new(ExceptionClass::Public, message)
    }

    pub fn not_found(id: impl std::fmt::Display) -> Fault {
        Fault::new(
            ExceptionClass::ObjectNotFound,
            format!("Unable to find object with id of '{id}'."),
        )
    }

    pub fn not_well_formed(detail: impl Into<String>) -> Fault {
        Fault::NotWellFormed {
            detail: detail.into(),
        }
    }

    /// The SoftLayer exception class as REST and SOAP report it.
    pub fn class_name(&self) -> &'static str {
        match self {
            Fault::Exception { class, .. } => class.name(),
            Fault::MethodNotFound { .. } => ExceptionClass::Public.name(),
            Fault::NotWellFormed { .. } | Fault::InvalidInitParameters => {
                ExceptionClass::WebServiceBadRequest.name()
            }
        }
    }
}

/// Takes a list reply item by item, so that a long list is written out as it is read
/// and never sits in memory whole.
pub trait ItemSink {
    /// Before the first item: the total before the result limit.
    fn start(&mut self, total: u64) -> Result<(), Fault>;
    fn item(&mut self, item: Value) -> Result<(), Fault>;
}

/// A sink that keeps the items: the reply of transports that write whole documents.
#[derive(Default)]
pub struct Collect {
    pub total: u64,
    pub items: Vec<Value>,
}

impl ItemSink for Collect {
    fn start(&mut self, total: u64) -> Result<(), Fault> {
        self.total = total;
        Ok(())
    }

    fn item(&mut self, item: Value) -> Result<(), Fault> {
        self.items.push(item);
        Ok(())
    }
}
