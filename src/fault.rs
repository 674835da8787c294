//! What can go wrong with a call, said by its kind.
//!
//! A [`Fault`] says *what kind* of failure it is; each codec maps the kind to its own
//! wire form (XML-RPC fault code, SOAP `faultcode`, REST status) without reading the
//! message. The message is only ever shown to the client.

/// The SoftLayer exception classes this server raises (the `faultCode` of XML-RPC,
/// the `faultcode` of SOAP, the `code` of REST).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExceptionClass {
    Exception,
    Public,
    ObjectNotFound,
    InvalidValue,
    InvalidLegacyToken,
    WebServiceBadRequest,
    /// A mask naming what its type does not have (softlayer-python issues 568 and 1088).
    WebServiceObjectMask,
    /// A mask that does not parse (softlayer-python pull request 345).
    CommonParser,
    /// `getPortalLoginToken` with a wrong username or password (softlayer-python
    /// issue 783).
    UserCustomerLoginFailed,
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
            ExceptionClass::WebServiceObjectMask => "SoftLayer_Exception_WebService_ObjectMask",
            ExceptionClass::CommonParser => "SoftLayer_Exception_Common_Parser",
            ExceptionClass::UserCustomerLoginFailed => {
                "SoftLayer_Exception_User_Customer_LoginFailed"
            }
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
            WebServiceObjectMask,
            CommonParser,
            UserCustomerLoginFailed,
        ]
        .into_iter()
        .find(|c| c.name() == name.trim())
    }
}

/// The client-facing text of every internal failure: what went wrong inside is logged,
/// never sent.
pub const INTERNAL_ERROR: &str = "An internal error occurred.";

/// Everything that can go wrong with a call, by kind.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Fault {
    /// The request is not a well-formed request of its transport, or is refused as
    /// unsafe or too large (XML-RPC -32700, SOAP `Client`, REST 400).
    #[error("parse error. not well formed")]
    Malformed { detail: String },
    /// An HTTP method the transport does not use (REST 405).
    #[error("Unsupported HTTP method {verb}: use GET, POST, PUT or DELETE.")]
    UnsupportedVerb { verb: String },
    /// No such service (XML-RPC `'-32601'` "Service does not exist", as softlayer-python's
    /// functional test against the live API asserts; REST 404).
    #[error("Service does not exist")]
    ServiceNotFound {
        service: String,
        /// The method it was called by, which the journal and metrics name.
        method: String,
    },
    /// No such method on the service (XML-RPC `'-32601'` with the SLDN XML-RPC article's
    /// text, REST 404).
    #[error("server error. requested method not found")]
    MethodNotFound { service: String, method: String },
    /// The `{Service}InitParameters` header is there but names no object: not a struct,
    /// no `id`, a nil `id` (XML-RPC `'-32602'`, the SLDN XML-RPC article's "missing
    /// headers" row). A header that is simply absent is [`Fault::no_init_object`].
    #[error("server error. invalid method init parameters")]
    MalformedInitParameter,
    /// A value the client sent that the method cannot take: an argument of the wrong
    /// type, a bad object mask or filter (REST 400).
    #[error("{message}")]
    BadArgument {
        class: ExceptionClass,
        message: String,
    },
    /// No valid credentials (REST 401).
    #[error("{message}")]
    Unauthenticated {
        class: ExceptionClass,
        message: String,
    },
    /// The service or object named does not exist, or not for this caller (REST 404).
    #[error("{message}")]
    NotFound {
        class: ExceptionClass,
        message: String,
    },
    /// A rule of the API, raised with the exception class its SLDN page documents
    /// (REST 500, as the real API answers its exceptions other than "not found" and
    /// authentication: see [`crate::protocol::rest::status_of`]).
    #[error("{message}")]
    Documented {
        class: ExceptionClass,
        message: String,
    },
    /// The server's own failure (REST 500). `detail` is for the log only; clients see
    /// [`INTERNAL_ERROR`].
    #[error("An internal error occurred.")]
    Internal { detail: String },
    /// A fault the test harness's rule `rule` injected (README "Fault injection"): any
    /// exception class, written like every other fault; `status` overrides the
    /// transport's HTTP status for faults.
    #[error("{message}")]
    Injected {
        class: String,
        message: String,
        status: Option<u16>,
        rule: u64,
    },
    /// The server is at one of its limits of concurrent work (request bodies in flight,
    /// streams, large replies being built): `SoftLayer_Exception_Public`, answered with
    /// 503 and `Retry-After` on every transport.
    #[error("{message}")]
    Busy { message: String },
    /// The reply stopped for its client's sake, not the server's: the client closed the
    /// connection, or read too slowly (see [`Cut`]). Journaled and counted by its own
    /// outcome (`client closed`, `cut short`), not as an internal error.
    #[error("{cut}")]
    Cut { cut: Cut },
    /// The harness's rule `rule` cut the exchange short: a bare HTTP error from the front
    /// end (`Some(status)`), not an API reply, or a connection closed unanswered (`None`).
    #[error("the exchange was interrupted on purpose")]
    Interrupted { status: Option<u16>, rule: u64 },
}

/// Why a reply was stopped by its client: what [`Fault::Cut`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Cut {
    /// The client closed its connection before the reply was all sent.
    #[error("the client closed the connection before the reply was complete")]
    ClientClosed,
    /// The client read nothing of a streamed reply for the stall timeout.
    #[error("the client read nothing for {secs} seconds (the stall timeout)")]
    ClientStalled { secs: u64 },
    /// A streamed list was still being sent four stall timeouts after it began (`secs`):
    /// its read snapshot is let go so that the write-ahead log can checkpoint.
    #[error(
        "the reply was still streaming after {secs} seconds (four times the stall \
         timeout); page the list with resultLimit or narrow its mask"
    )]
    PastDeadline { secs: u64 },
}

/// The classes the journal and `/metrics` give outcomes that are no exception: a call
/// cut short ([`Cut::outcome`]), or an injected dropped connection; an injected HTTP
/// error is `HTTP {status}`.
pub const OUTCOME_CLIENT_CLOSED: &str = "client closed";
pub const OUTCOME_CUT_SHORT: &str = "cut short";
pub const OUTCOME_CONNECTION_CLOSED: &str = "connection closed";

impl Cut {
    /// The outcome the journal and `/metrics` give a call cut so.
    pub fn outcome(self) -> &'static str {
        match self {
            Cut::ClientClosed => OUTCOME_CLIENT_CLOSED,
            Cut::ClientStalled { .. } | Cut::PastDeadline { .. } => OUTCOME_CUT_SHORT,
        }
    }
}

impl Fault {
    pub fn malformed(detail: impl Into<String>) -> Fault {
        Fault::Malformed {
            detail: detail.into(),
        }
    }

    /// A request that cannot be taken as sent, in a transport's own words, as
    /// `SoftLayer_Exception_WebService_BadRequest` (the class of [`Fault::Malformed`]).
    pub fn bad_request(message: impl Into<String>) -> Fault {
        Fault::BadArgument {
            class: ExceptionClass::WebServiceBadRequest,
            message: message.into(),
        }
    }

    /// A bad argument, mask or filter, as `SoftLayer_Exception_Public`.
    pub fn bad_argument(message: impl Into<String>) -> Fault {
        Fault::BadArgument {
            class: ExceptionClass::Public,
            message: message.into(),
        }
    }

    /// A mask that asks for what its type does not have, as
    /// `SoftLayer_Exception_WebService_ObjectMask`.
    pub fn bad_mask(message: impl Into<String>) -> Fault {
        Fault::BadArgument {
            class: ExceptionClass::WebServiceObjectMask,
            message: message.into(),
        }
    }

    /// A value of the wrong type or range, as `SoftLayer_Exception_InvalidValue`.
    pub fn invalid_value(message: impl Into<String>) -> Fault {
        Fault::BadArgument {
            class: ExceptionClass::InvalidValue,
            message: message.into(),
        }
    }

    pub fn unauthenticated(class: ExceptionClass, message: impl Into<String>) -> Fault {
        Fault::Unauthenticated {
            class,
            message: message.into(),
        }
    }

    /// "Unable to find object with id of '…'." (`SoftLayer_Exception_ObjectNotFound`).
    /// An id of a key's shape (an API key sent where the init id goes) is not echoed: the
    /// message reaches the journal and the log.
    pub fn not_found(id: impl std::fmt::Display) -> Fault {
        let id = crate::secrets::id_without_credential_shapes(&id.to_string());
        Fault::NotFound {
            class: ExceptionClass::ObjectNotFound,
            message: format!(
                "Unable to find object with id of '{}'.",
                crate::call::quoted_name(&id)
            ),
        }
    }

    /// A value a method refuses by its own rule (an e-mail address, a priority, a
    /// date), as `SoftLayer_Exception_InvalidValue`: raised by the method, so REST answers
    /// it with 500 like the API's other method exceptions (SLDN's exception-handling
    /// article shows the e-mail one), where [`Fault::invalid_value`] is an argument the
    /// call could not be read with (400).
    pub fn rule(message: impl Into<String>) -> Fault {
        Fault::documented(ExceptionClass::InvalidValue, message)
    }

    /// A rule of the API with the class its SLDN page documents for it.
    pub fn documented(class: ExceptionClass, message: impl Into<String>) -> Fault {
        Fault::Documented {
            class,
            message: message.into(),
        }
    }

    /// A method that acts on one object, called without naming one: `SoftLayer_Exception`
    /// "Object does not exist to execute method on. (SoftLayer_Ticket::getObject)", the
    /// real API's answer quoted in softlayer-python issue 564.
    pub fn no_init_object(service: &str, method: &str) -> Fault {
        Fault::documented(
            ExceptionClass::Exception,
            format!("Object does not exist to execute method on. ({service}::{method})"),
        )
    }

    pub fn busy(message: impl Into<String>) -> Fault {
        Fault::Busy {
            message: message.into(),
        }
    }

    pub fn internal(detail: impl std::fmt::Display) -> Fault {
        Fault::Internal {
            detail: detail.to_string(),
        }
    }

    /// The SoftLayer exception class as the transports report it.
    pub fn class(&self) -> ExceptionClass {
        match self {
            Fault::BadArgument { class, .. }
            | Fault::Unauthenticated { class, .. }
            | Fault::NotFound { class, .. }
            | Fault::Documented { class, .. } => *class,
            Fault::ServiceNotFound { .. } | Fault::MethodNotFound { .. } | Fault::Busy { .. } => {
                ExceptionClass::Public
            }
            Fault::Malformed { .. }
            | Fault::UnsupportedVerb { .. }
            | Fault::MalformedInitParameter => ExceptionClass::WebServiceBadRequest,
            Fault::Internal { .. }
            | Fault::Cut { .. }
            | Fault::Injected { .. }
            | Fault::Interrupted { .. } => ExceptionClass::Exception,
        }
    }

    /// The text a client sees for the faults that carry their own message (the
    /// others' wire text is the codec's to write); the internal error never shows its
    /// detail.
    pub fn message(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Fault::BadArgument { message, .. }
            | Fault::Unauthenticated { message, .. }
            | Fault::NotFound { message, .. }
            | Fault::Documented { message, .. }
            | Fault::Busy { message }
            | Fault::Injected { message, .. } => std::borrow::Cow::Borrowed(message),
            _ => std::borrow::Cow::Owned(self.to_string()),
        }
    }

    pub fn class_name(&self) -> &str {
        match self {
            Fault::Injected { class, .. } => class,
            _ => self.class().name(),
        }
    }

    /// The status an injected fault asks for, or a busy server's 503, over the
    /// transport's own.
    pub fn status_override(&self) -> Option<u16> {
        match self {
            Fault::Injected { status, .. } => *status,
            Fault::Busy { .. } => Some(503),
            _ => None,
        }
    }

    /// Seconds a client is told to wait before it retries (`Retry-After`).
    pub fn retry_after(&self) -> Option<u32> {
        matches!(self, Fault::Busy { .. }).then_some(1)
    }
}
