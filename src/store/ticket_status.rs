//! The SoftLayer_Ticket_Status ids the server acts on, named once for Rust and for the SQL
//! of relations (`openTickets` is `statusId <> CLOSED`). The rows themselves come from
//! `fixtures/seed/catalog.json`; a test checks that they agree.

/// "Closed", as a literal for the `concat!`ed SQL of [`super::relations`].
macro_rules! ticket_status_closed {
    () => {
        1002
    };
}
pub(crate) use ticket_status_closed;

/// "Open": a new ticket, or one the customer updated last.
pub const OPEN: i64 = 1001;
/// "Closed".
pub const CLOSED: i64 = ticket_status_closed!();
/// "Assigned": a support employee holds the ticket.
pub const ASSIGNED: i64 = 1004;

/// The ticket state type (SoftLayer_Ticket_State_Type) of a ticket waiting on the
/// customer.
pub const STATE_AWAITING_CUSTOMER: i64 = 1;

#[cfg(test)]
mod tests {
    #[test]
    fn the_ids_are_those_of_the_seeded_catalog() {
        let catalog: serde_json::Value =
            serde_json::from_str(include_str!("../../fixtures/seed/catalog.json")).unwrap();
        let name_of = |id: i64| {
            catalog["SoftLayer_Ticket_Status"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["id"] == id)
                .map(|s| s["name"].as_str().unwrap().to_string())
        };
        assert_eq!(name_of(super::OPEN).as_deref(), Some("Open"));
        assert_eq!(name_of(super::CLOSED).as_deref(), Some("Closed"));
        assert_eq!(name_of(super::ASSIGNED).as_deref(), Some("Assigned"));
    }
}
