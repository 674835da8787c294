//! The kinds of device a ticket can have attached: hardware, virtual guests and
//! dedicated hosts. Each is a SoftLayer type linked to tickets through a link type of
//! its own, and reached from tickets, links, accounts and users by properties of their
//! own; this one table names them all, so the relations, the account documents, the
//! import checks, the console and the ticket service read them from here.

/// A kind of device a ticket can have attached, and the names it goes by.
#[derive(Debug)]
pub struct DeviceKind {
    /// The `attachmentType` argument naming this kind (`createStandardTicket`).
    pub attachment_type: &'static str,
    pub device_type: &'static str,
    /// The type of a ticket's link to one device (a `SoftLayer_Ticket_Attachment`).
    pub link_type: &'static str,
    /// The link's column holding the device's id.
    pub link_column: &'static str,
    /// The link's relational property for its device (beside `resource`).
    pub link_property: &'static str,
    /// The ticket's relational property listing its attached devices of this kind.
    pub ticket_property: &'static str,
    /// The account's (and a user's) relational property listing its devices of this kind.
    pub account_property: &'static str,
    /// The type with `activeTickets` and `openCancellationTicket`, if any: a virtual
    /// guest's own; hardware is kept as `SoftLayer_Hardware`, every piece of it a server,
    /// and its subtype `SoftLayer_Hardware_Server` has them (a cast to it names them; the
    /// store keeps them for hardware rows, as `projection::kept_for_cast` reads them).
    pub open_tickets_type: Option<&'static str>,
}

pub static HARDWARE: DeviceKind = DeviceKind {
    attachment_type: "HARDWARE",
    device_type: "SoftLayer_Hardware",
    link_type: "SoftLayer_Ticket_Attachment_Hardware",
    link_column: "hardwareId",
    link_property: "hardware",
    ticket_property: "attachedHardware",
    account_property: "hardware",
    open_tickets_type: Some("SoftLayer_Hardware_Server"),
};

pub static VIRTUAL_GUEST: DeviceKind = DeviceKind {
    attachment_type: "VIRTUAL_GUEST",
    device_type: "SoftLayer_Virtual_Guest",
    link_type: "SoftLayer_Ticket_Attachment_Virtual_Guest",
    link_column: "virtualGuestId",
    link_property: "virtualGuest",
    ticket_property: "attachedVirtualGuests",
    account_property: "virtualGuests",
    open_tickets_type: Some("SoftLayer_Virtual_Guest"),
};

pub static DEDICATED_HOST: DeviceKind = DeviceKind {
    attachment_type: "DEDICATED_HOST",
    device_type: "SoftLayer_Virtual_DedicatedHost",
    link_type: "SoftLayer_Ticket_Attachment_Dedicated_Host",
    link_column: "dedicatedHostId",
    link_property: "dedicatedHost",
    ticket_property: "attachedDedicatedHosts",
    account_property: "dedicatedHosts",
    open_tickets_type: None,
};

/// Every kind, in the order replies and documents list them.
pub static DEVICE_KINDS: [&DeviceKind; 3] = [&HARDWARE, &VIRTUAL_GUEST, &DEDICATED_HOST];

/// The link types, which share one id space.
pub fn link_types() -> [&'static str; 3] {
    DEVICE_KINDS.map(|k| k.link_type)
}

impl DeviceKind {
    /// Whether the device type has the local property `name` (a dedicated host has a
    /// `name` where the others have a `hostname`; hardware has no `createDate`).
    pub fn has_property(&self, name: &str) -> bool {
        super::schema()
            .type_def(self.device_type)
            .is_some_and(|t| t.property(name).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::schema;

    /// Every name in the table is one the schema has.
    #[test]
    fn every_name_is_in_the_schema() {
        let property = |owner: &str, name: &str| {
            schema()
                .type_def(owner)
                .and_then(|t| t.property(name))
                .map(|p| p.type_name.clone())
        };
        for kind in DEVICE_KINDS {
            assert!(schema().type_def(kind.device_type).is_some(), "{kind:?}");
            assert!(property(kind.link_type, kind.link_column).is_some());
            let device = Some(kind.device_type.to_string());
            assert_eq!(property(kind.link_type, kind.link_property), device);
            assert_eq!(property("SoftLayer_Ticket", kind.ticket_property), device);
            assert_eq!(property("SoftLayer_Account", kind.account_property), device);
            let tickets = Some("SoftLayer_Ticket".to_string());
            match kind.open_tickets_type {
                Some(t) => {
                    assert!(schema().is_a(t, kind.device_type), "{kind:?}");
                    assert_eq!(property(t, "openCancellationTicket"), tickets, "{kind:?}");
                    assert!(property(t, "activeTickets").is_some(), "{kind:?}");
                }
                None => assert_eq!(property(kind.device_type, "activeTickets"), None),
            }
        }
    }
}
