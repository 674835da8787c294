//! Assertions on XML-RPC faults and void answers shared by the test files.

use std::fmt::Display;

use super::{XVal, XmlRpcReply, xstr};

/// A `SoftLayer_Exception…` fault: the class as a `<string>` faultCode and the
/// exact faultString.
pub fn assert_fault(reply: &XmlRpcReply, class: &str, message: &str) {
    let f = reply.fault();
    assert_eq!(
        f.code,
        xstr(class),
        "fault code (the exception class, as a string)\n{}",
        reply.exchange()
    );
    assert_eq!(f.string, message, "fault string\n{}", reply.exchange());
}

/// `SoftLayer_Exception_ObjectNotFound`: "Unable to find object with id of 'ID'."
pub fn assert_not_found(reply: &XmlRpcReply, id: impl Display) {
    assert_fault(
        reply,
        "SoftLayer_Exception_ObjectNotFound",
        &format!("Unable to find object with id of '{id}'."),
    );
}

/// A void method answers `<nil/>` (SLDN's return type `void`), and no fault.
pub fn assert_void(reply: &XmlRpcReply) {
    assert_eq!(
        reply.ok(),
        &XVal::Nil,
        "a void method answers nil\n{}",
        reply.exchange()
    );
}

/// SLDN addUpdate's refusal: `SoftLayer_Exception_Public` beginning with its documented
/// "Unable to add ticket update.." (two periods, verbatim), the reason after it.
pub fn assert_update_refused(reply: &XmlRpcReply) {
    let f = reply.fault();
    assert_eq!(
        f.code,
        xstr("SoftLayer_Exception_Public"),
        "{}",
        reply.exchange()
    );
    assert!(
        f.string.starts_with("Unable to add ticket update.. "),
        "{}",
        reply.exchange()
    );
}
