//! How each relational property is found in SQLite.
//!
//! A relation is a FROM clause and a join condition written against an alias `{r}` for the
//! related rows and `{parent}` for the parent's key column. The same text serves loading
//! (`{parent}` bound to a value) and filtering (`{parent}` the outer row's column inside
//! an `EXISTS`), so a relation defined here is at once maskable, countable and filterable.

use super::ticket_status::ticket_status_closed;
use crate::schema::devices::{DEVICE_KINDS, DeviceKind};
use std::sync::LazyLock;

/// One way to reach the rows behind a relational property.
#[derive(Debug, Clone, Copy)]
pub struct Relation {
    pub owner: &'static str,
    pub property: &'static str,
    /// The SoftLayer type of the related rows (concrete, also where the schema names an
    /// abstract one such as `SoftLayer_User_Interface`).
    pub target: &'static str,
    pub from: &'static str,
    pub on: &'static str,
    /// The parent's column bound to `{parent}`.
    pub key: &'static str,
    /// Only when the parent's column has this value (polymorphic relations).
    pub guard: Option<(&'static str, &'static str)>,
    pub order: &'static str,
    /// At most this many rows (the "last five" lists).
    pub cap: Option<u64>,
}

/// The join of a relation to the one object the parent's `key` column names.
const BY_PARENT_KEY: &str = "{r}.id = {parent}";

impl Relation {
    /// Whether the relation is the one object whose id the parent's `key` column holds,
    /// for every parent (a `one!` relation without a guard): then `key = id` says the
    /// same as the join.
    pub fn is_by_parent_key(&self) -> bool {
        self.on == BY_PARENT_KEY && self.guard.is_none()
    }
}

const fn rel(
    owner: &'static str,
    property: &'static str,
    target: &'static str,
    from: &'static str,
    on: &'static str,
    key: &'static str,
) -> Relation {
    Relation {
        owner,
        property,
        target,
        from,
        on,
        key,
        guard: None,
        order: "{r}.id",
        cap: None,
    }
}

const fn ordered(mut r: Relation, order: &'static str) -> Relation {
    r.order = order;
    r
}

const fn capped(mut r: Relation, cap: u64) -> Relation {
    r.cap = Some(cap);
    r
}

const fn guarded(mut r: Relation, column: &'static str, value: &'static str) -> Relation {
    r.guard = Some((column, value));
    r
}

/// A relation to one object by the parent's foreign key: `one!(owner, prop, "Target", "targetId")`.
macro_rules! one {
    ($owner:expr, $prop:literal, $target:literal, $key:literal) => {
        rel(
            $owner,
            $prop,
            $target,
            concat!($target, " {r}"),
            BY_PARENT_KEY,
            $key,
        )
    };
}

/// A relation to the objects whose foreign key names the parent: `many!(owner, prop, "Target", "parentId")`.
macro_rules! many {
    ($owner:expr, $prop:literal, $target:literal, $fk:literal) => {
        rel(
            $owner,
            $prop,
            $target,
            concat!($target, " {r}"),
            concat!("{r}.", $fk, " = {parent}"),
            "id",
        )
    };
}

const ACCOUNT: &str = "SoftLayer_Account";
const TICKET: &str = "SoftLayer_Ticket";
const UPDATE: &str = "SoftLayer_Ticket_Update";
const SUBJECT: &str = "SoftLayer_Ticket_Subject";
const USER: &str = "SoftLayer_User_Customer";

/// Account ticket lists: the account's tickets narrowed by a condition on `{r}` (the
/// ticket) and `{g}`-free SQL only, so each stays filterable.
macro_rules! account_tickets {
    ($prop:literal, $($cond:expr),+) => {
        rel(
            ACCOUNT,
            $prop,
            TICKET,
            "SoftLayer_Ticket {r}",
            concat!("{r}.accountId = {parent} AND ", $($cond),+),
            "id",
        )
    };
}

macro_rules! in_group_category {
    ($category:literal) => {
        concat!(
            "{r}.groupId IN (SELECT g.id FROM SoftLayer_Ticket_Group g ",
            "JOIN SoftLayer_Ticket_Group_Category c ON c.id = g.ticketGroupCategoryId ",
            "WHERE c.name = '",
            $category,
            "')"
        )
    };
}

macro_rules! not_in_main_categories {
    () => {
        concat!(
            "coalesce({r}.groupId, 0) NOT IN (SELECT g.id FROM SoftLayer_Ticket_Group g ",
            "JOIN SoftLayer_Ticket_Group_Category c ON c.id = g.ticketGroupCategoryId ",
            "WHERE c.name IN ('Abuse', 'Accounting', 'Sales', 'Support'))"
        )
    };
}

// By the instant (migrations/0018): the stored text misorders the repeated hour of a
// fall-back to standard time.
const CLOSED_NEWEST_FIRST: &str = "julianday({r}.closeDate) DESC, {r}.id DESC";

const FIXED_RELATIONS: &[Relation] = &[
    // SoftLayer_Ticket
    one!(TICKET, "account", "SoftLayer_Account", "accountId"),
    one!(
        TICKET,
        "assignedUser",
        "SoftLayer_User_Customer",
        "assignedUserId"
    ),
    one!(TICKET, "status", "SoftLayer_Ticket_Status", "statusId"),
    one!(TICKET, "subject", "SoftLayer_Ticket_Subject", "subjectId"),
    one!(TICKET, "group", "SoftLayer_Ticket_Group", "groupId"),
    many!(TICKET, "updates", "SoftLayer_Ticket_Update", "ticketId"),
    capped(
        many!(TICKET, "firstUpdate", "SoftLayer_Ticket_Update", "ticketId"),
        1,
    ),
    capped(
        ordered(
            many!(TICKET, "lastUpdate", "SoftLayer_Ticket_Update", "ticketId"),
            "{r}.id DESC",
        ),
        1,
    ),
    many!(
        TICKET,
        "attachedFiles",
        "SoftLayer_Ticket_Attachment_File",
        "ticketId"
    ),
    ordered(
        rel(
            TICKET,
            "assignedAgents",
            "SoftLayer_User_Customer",
            "SoftLayer_User_Customer {r} JOIN SoftLayer_Ticket_Attachment_Assigned_Agent {r}_a ON {r}_a.assignedAgentId = {r}.id",
            "{r}_a.ticketId = {parent}",
            "id",
        ),
        "{r}_a.id",
    ),
    ordered(
        rel(
            TICKET,
            "attachedAdditionalEmails",
            "SoftLayer_User_Customer_AdditionalEmail",
            "SoftLayer_User_Customer_AdditionalEmail {r} JOIN emulator_ticket_additional_email {r}_a ON {r}_a.additionalEmailId = {r}.id",
            "{r}_a.ticketId = {parent}",
            "id",
        ),
        "{r}.email",
    ),
    ordered(
        many!(
            TICKET,
            "attachedResources",
            "SoftLayer_Ticket_Attachment",
            "ticketId"
        ),
        "{r}.createDate, {r}.id",
    ),
    // SLDN: "the first physical or virtual server attached": a dedicated host is neither.
    capped(
        ordered(
            rel(
                TICKET,
                "firstAttachedResource",
                "SoftLayer_Ticket_Attachment",
                "(SELECT id, ticketId, attachmentId, createDate FROM SoftLayer_Ticket_Attachment_Hardware \
                  UNION ALL SELECT id, ticketId, attachmentId, createDate FROM SoftLayer_Ticket_Attachment_Virtual_Guest) {r}",
                "{r}.ticketId = {parent}",
                "id",
            ),
            "{r}.createDate, {r}.id",
        ),
        1,
    ),
    rel(
        TICKET,
        "employeeAttachments",
        "SoftLayer_User_Employee",
        "SoftLayer_User_Employee {r}",
        "({r}.id IN (SELECT editorId FROM SoftLayer_Ticket_Update WHERE ticketId = {parent} AND editorType = 'EMPLOYEE') \
          OR {r}.id = (SELECT assignedEmployeeId FROM SoftLayer_Ticket WHERE id = {parent}))",
        "id",
    ),
    capped(
        ordered(
            many!(
                TICKET,
                "lastActivity",
                "SoftLayer_Ticket_Activity",
                "ticketId"
            ),
            "{r}.id DESC",
        ),
        1,
    ),
    guarded(
        rel(
            TICKET,
            "lastEditor",
            "SoftLayer_User_Customer",
            "SoftLayer_User_Customer {r}",
            "{r}.id = coalesce((SELECT lastEditorId FROM SoftLayer_Ticket WHERE id = {parent}), \
               (SELECT editorId FROM SoftLayer_Ticket_Update WHERE ticketId = {parent} AND editorType = 'USER' ORDER BY id DESC LIMIT 1)) \
             AND {r}.accountId = (SELECT accountId FROM SoftLayer_Ticket WHERE id = {parent})",
            "id",
        ),
        "lastEditType",
        "USER",
    ),
    guarded(
        rel(
            TICKET,
            "lastEditor",
            "SoftLayer_User_Employee",
            "SoftLayer_User_Employee {r}",
            "{r}.id = coalesce((SELECT lastEditorId FROM SoftLayer_Ticket WHERE id = {parent}), \
               (SELECT editorId FROM SoftLayer_Ticket_Update WHERE ticketId = {parent} AND editorType = 'EMPLOYEE' ORDER BY id DESC LIMIT 1))",
            "id",
        ),
        "lastEditType",
        "EMPLOYEE",
    ),
    one!(TICKET, "location", "SoftLayer_Location", "locationId"),
    one!(
        TICKET,
        "serviceProvider",
        "SoftLayer_Service_Provider",
        "serviceProviderId"
    ),
    many!(TICKET, "state", "SoftLayer_Ticket_State", "ticketId"),
    rel(
        TICKET,
        "tagReferences",
        "SoftLayer_Tag_Reference",
        "SoftLayer_Tag_Reference {r}",
        "{r}.tagTypeId = 9 AND {r}.resourceTableId = {parent}",
        "id",
    ),
    many!(
        TICKET,
        "invoiceItems",
        "SoftLayer_Billing_Invoice_Item",
        "ticketId"
    ),
    one!(
        TICKET,
        "serverAdministrationBillingInvoice",
        "SoftLayer_Billing_Invoice",
        "serverAdministrationBillingInvoiceId"
    ),
    one!(
        TICKET,
        "serverAdministrationRefundInvoice",
        "SoftLayer_Billing_Invoice",
        "serverAdministrationRefundInvoiceId"
    ),
    capped(
        many!(
            TICKET,
            "cancellationRequest",
            "SoftLayer_Billing_Item_Cancellation_Request",
            "ticketId"
        ),
        1,
    ),
    ordered(
        rel(
            TICKET,
            "scheduledActions",
            "SoftLayer_Provisioning_Version1_Transaction",
            "SoftLayer_Provisioning_Version1_Transaction {r} JOIN SoftLayer_Ticket_Attachment_Scheduled_Action {r}_a ON {r}_a.transactionId = {r}.id",
            "{r}_a.ticketId = {parent}",
            "id",
        ),
        "{r}_a.id",
    ),
    // The scheduled action a transaction runs: when, on which ticket.
    rel(
        "SoftLayer_Provisioning_Version1_Transaction",
        "ticketScheduledActionReference",
        "SoftLayer_Ticket_Attachment_Scheduled_Action",
        "SoftLayer_Ticket_Attachment_Scheduled_Action {r}",
        "{r}.transactionId = {parent}",
        "id",
    ),
    rel(
        ACCOUNT,
        "supportRepresentatives",
        "SoftLayer_User_Employee",
        "SoftLayer_User_Employee {r} JOIN emulator_support_representative {r}_a ON {r}_a.employeeId = {r}.id",
        "{r}_a.accountId = {parent}",
        "id",
    ),
    // SoftLayer_Ticket_Update: the editor is a customer user or an employee.
    guarded(
        one!(UPDATE, "editor", "SoftLayer_User_Customer", "editorId"),
        "editorType",
        "USER",
    ),
    guarded(
        one!(UPDATE, "editor", "SoftLayer_User_Employee", "editorId"),
        "editorType",
        "EMPLOYEE",
    ),
    one!(UPDATE, "ticket", "SoftLayer_Ticket", "ticketId"),
    many!(
        UPDATE,
        "fileAttachment",
        "SoftLayer_Ticket_Attachment_File",
        "updateId"
    ),
    // Attachments
    one!(
        "SoftLayer_Ticket_Attachment",
        "ticket",
        "SoftLayer_Ticket",
        "ticketId"
    ),
    one!(
        "SoftLayer_Ticket_Attachment_File",
        "ticket",
        "SoftLayer_Ticket",
        "ticketId"
    ),
    one!(
        "SoftLayer_Ticket_Attachment_File",
        "update",
        "SoftLayer_Ticket_Update",
        "updateId"
    ),
    one!(
        "SoftLayer_Ticket_Activity",
        "ticket",
        "SoftLayer_Ticket",
        "ticketId"
    ),
    one!(
        "SoftLayer_Ticket_Activity",
        "ticketUpdate",
        "SoftLayer_Ticket_Update",
        "ticketUpdateId"
    ),
    guarded(
        one!(
            "SoftLayer_Ticket_Activity",
            "editor",
            "SoftLayer_User_Customer",
            "editorId"
        ),
        "editorType",
        "USER",
    ),
    guarded(
        one!(
            "SoftLayer_Ticket_Activity",
            "editor",
            "SoftLayer_User_Employee",
            "editorId"
        ),
        "editorType",
        "EMPLOYEE",
    ),
    one!(
        "SoftLayer_Ticket_State",
        "stateType",
        "SoftLayer_Ticket_State_Type",
        "stateTypeId"
    ),
    one!(
        "SoftLayer_Ticket_State",
        "ticket",
        "SoftLayer_Ticket",
        "ticketId"
    ),
    one!("SoftLayer_Tag_Reference", "tag", "SoftLayer_Tag", "tagId"),
    one!(
        "SoftLayer_Tag_Reference",
        "customer",
        "SoftLayer_User_Customer",
        "usrRecordId"
    ),
    one!(
        "SoftLayer_Tag_Reference",
        "employee",
        "SoftLayer_User_Employee",
        "empRecordId"
    ),
    many!(
        "SoftLayer_Tag",
        "references",
        "SoftLayer_Tag_Reference",
        "tagId"
    ),
    one!("SoftLayer_Tag", "account", "SoftLayer_Account", "accountId"),
    one!(
        "SoftLayer_User_Customer_AdditionalEmail",
        "user",
        "SoftLayer_User_Customer",
        "userId"
    ),
    many!(
        "SoftLayer_Billing_Invoice",
        "items",
        "SoftLayer_Billing_Invoice_Item",
        "invoiceId"
    ),
    many!(
        "SoftLayer_Billing_Invoice",
        "invoiceTopLevelItems",
        "SoftLayer_Billing_Invoice_Item",
        "invoiceId"
    ),
    one!(
        "SoftLayer_Billing_Invoice",
        "account",
        "SoftLayer_Account",
        "accountId"
    ),
    one!(
        "SoftLayer_Billing_Invoice_Item",
        "invoice",
        "SoftLayer_Billing_Invoice",
        "invoiceId"
    ),
    one!(
        "SoftLayer_Billing_Item_Cancellation_Request",
        "ticket",
        "SoftLayer_Ticket",
        "ticketId"
    ),
    one!(
        "SoftLayer_Billing_Item_Cancellation_Request",
        "account",
        "SoftLayer_Account",
        "accountId"
    ),
    // Subjects, groups
    one!(
        SUBJECT,
        "category",
        "SoftLayer_Ticket_Subject_Category",
        "categoryId"
    ),
    one!(SUBJECT, "group", "SoftLayer_Ticket_Group", "groupId"),
    one!(SUBJECT, "parent", "SoftLayer_Ticket_Subject", "parentId"),
    many!(SUBJECT, "children", "SoftLayer_Ticket_Subject", "parentId"),
    many!(
        "SoftLayer_Ticket_Subject_Category",
        "subjects",
        "SoftLayer_Ticket_Subject",
        "categoryId"
    ),
    one!(
        "SoftLayer_Ticket_Group",
        "category",
        "SoftLayer_Ticket_Group_Category",
        "ticketGroupCategoryId"
    ),
    // Users and devices
    one!(
        "SoftLayer_User_Customer",
        "account",
        "SoftLayer_Account",
        "accountId"
    ),
    one!(
        "SoftLayer_User_Customer",
        "parent",
        "SoftLayer_User_Customer",
        "parentId"
    ),
    many!(
        "SoftLayer_User_Customer",
        "childUsers",
        "SoftLayer_User_Customer",
        "parentId"
    ),
    many!(
        "SoftLayer_User_Customer",
        "tickets",
        "SoftLayer_Ticket",
        "assignedUserId"
    ),
    one!(
        "SoftLayer_User_Customer",
        "timezone",
        "SoftLayer_Locale_Timezone",
        "timezoneId"
    ),
    rel(
        "SoftLayer_User_Customer",
        "openTickets",
        TICKET,
        "SoftLayer_Ticket {r}",
        concat!(
            "{r}.assignedUserId = {parent} AND {r}.statusId <> ",
            ticket_status_closed!()
        ),
        "id",
    ),
    rel(
        "SoftLayer_User_Customer",
        "closedTickets",
        TICKET,
        "SoftLayer_Ticket {r}",
        concat!(
            "{r}.assignedUserId = {parent} AND {r}.statusId = ",
            ticket_status_closed!()
        ),
        "id",
    ),
    many!(
        "SoftLayer_User_Customer",
        "additionalEmails",
        "SoftLayer_User_Customer_AdditionalEmail",
        "userId"
    ),
    // A user's API key (migrations/0022), which only some see: [`viewer_condition`].
    many!(
        USER,
        "apiAuthenticationKeys",
        "SoftLayer_User_Customer_ApiAuthentication",
        "userId"
    ),
    one!(
        "SoftLayer_User_Customer_ApiAuthentication",
        "user",
        "SoftLayer_User_Customer",
        "userId"
    ),
    // A dedicated host's place (migrations/0023): its data centre, that data centre's
    // backend router, and what of it is allocated, computed from the host.
    one!(
        "SoftLayer_Virtual_DedicatedHost",
        "datacenter",
        "SoftLayer_Location",
        "datacenterId"
    ),
    capped(
        rel(
            "SoftLayer_Virtual_DedicatedHost",
            "backendRouter",
            "SoftLayer_Hardware_Router_Backend",
            "SoftLayer_Hardware_Router_Backend {r}",
            "{r}.datacenterId = {parent}",
            "datacenterId",
        ),
        1,
    ),
    ordered(
        rel(
            "SoftLayer_Virtual_DedicatedHost",
            "allocationStatus",
            "SoftLayer_Container_Virtual_DedicatedHost_AllocationStatus",
            "SoftLayer_Container_Virtual_DedicatedHost_AllocationStatus {r}",
            "{r}.dedicatedHostId = {parent}",
            "id",
        ),
        "{r}.dedicatedHostId",
    ),
    // SoftLayer_Account
    many!(ACCOUNT, "users", "SoftLayer_User_Customer", "accountId"),
    // The invoices the store keeps: an administrative ticket's one-time charge (SLDN
    // createAdministrativeTicket: "a one-time $3USD charge to your account"), which a
    // billing script looks for on the account.
    many!(
        ACCOUNT,
        "invoices",
        "SoftLayer_Billing_Invoice",
        "accountId"
    ),
    one!(
        ACCOUNT,
        "accountStatus",
        "SoftLayer_Account_Status",
        "accountStatusId"
    ),
    one!(
        "SoftLayer_User_Customer",
        "userStatus",
        "SoftLayer_User_Customer_Status",
        "userStatusId"
    ),
    // The account's master user (SLDN's PHP ticket examples assign new tickets to
    // `masterUser.id`): the user carrying `isMasterUserFlag`.
    rel(
        ACCOUNT,
        "masterUser",
        "SoftLayer_User_Customer",
        "SoftLayer_User_Customer {r}",
        "{r}.accountId = {parent} AND {r}.isMasterUserFlag",
        "id",
    ),
    account_tickets!("tickets", "1 = 1"),
    account_tickets!(
        "openTickets",
        concat!("{r}.statusId <> ", ticket_status_closed!())
    ),
    account_tickets!(
        "closedTickets",
        concat!("{r}.statusId = ", ticket_status_closed!())
    ),
    account_tickets!("priorityOneTickets", "{r}.priority = 1"),
    account_tickets!(
        "openAbuseTickets",
        concat!("{r}.statusId <> ", ticket_status_closed!(), " AND "),
        in_group_category!("Abuse")
    ),
    account_tickets!(
        "openAccountingTickets",
        concat!("{r}.statusId <> ", ticket_status_closed!(), " AND "),
        in_group_category!("Accounting")
    ),
    account_tickets!(
        "openBillingTickets",
        concat!("{r}.statusId <> ", ticket_status_closed!(), " AND "),
        in_group_category!("Billing")
    ),
    account_tickets!(
        "openSalesTickets",
        concat!("{r}.statusId <> ", ticket_status_closed!(), " AND "),
        in_group_category!("Sales")
    ),
    account_tickets!(
        "openSupportTickets",
        concat!("{r}.statusId <> ", ticket_status_closed!(), " AND "),
        in_group_category!("Support")
    ),
    account_tickets!(
        "openOtherTickets",
        concat!("{r}.statusId <> ", ticket_status_closed!(), " AND "),
        not_in_main_categories!()
    ),
    account_tickets!(
        "openTicketsWaitingOnCustomer",
        concat!(
            "{r}.statusId <> ",
            ticket_status_closed!(),
            // The one notion of "waiting on the customer": the flag the support desk's
            // awaiting-response reply sets and a customer update clears, beside the
            // AWAITING_CUSTOMER_RESPONSE state (issue 11, item 14).
            " AND {r}.awaitingUserResponse <> 0"
        )
    ),
    ordered(
        account_tickets!(
            "ticketsClosedToday",
            concat!(
                "{r}.statusId = ",
                ticket_status_closed!(),
                // Today is Central's calendar day (SQLite's date() of an offset date
                // is the UTC day, which began at 18:00 or 19:00 Central).
                " AND julianday({r}.closeDate) >= julianday(emulator_central_midnight(0))",
                // Not after now (so before tomorrow), as the last three days' are.
                " AND julianday({r}.closeDate) <= julianday(emulator_now())"
            )
        ),
        CLOSED_NEWEST_FIRST,
    ),
    // SLDN: the last 72 hours or the last 10 tickets, whichever is less.
    capped(
        ordered(
            account_tickets!(
                "ticketsClosedInTheLastThreeDays",
                concat!(
                    "{r}.statusId = ",
                    ticket_status_closed!(),
                    " AND julianday({r}.closeDate) >= julianday(emulator_now()) - 3",
                    // Not after now: a close stamped while the clock was set ahead is
                    // not among the last three days' once it is set back.
                    " AND julianday({r}.closeDate) <= julianday(emulator_now())"
                )
            ),
            CLOSED_NEWEST_FIRST,
        ),
        10,
    ),
    capped(
        ordered(
            account_tickets!(
                "lastFiveClosedTickets",
                concat!("{r}.statusId = ", ticket_status_closed!())
            ),
            CLOSED_NEWEST_FIRST,
        ),
        5,
    ),
    capped(
        ordered(
            account_tickets!(
                "lastFiveClosedAbuseTickets",
                concat!("{r}.statusId = ", ticket_status_closed!(), " AND "),
                in_group_category!("Abuse")
            ),
            CLOSED_NEWEST_FIRST,
        ),
        5,
    ),
    capped(
        ordered(
            account_tickets!(
                "lastFiveClosedAccountingTickets",
                concat!("{r}.statusId = ", ticket_status_closed!(), " AND "),
                in_group_category!("Accounting")
            ),
            CLOSED_NEWEST_FIRST,
        ),
        5,
    ),
    capped(
        ordered(
            account_tickets!(
                "lastFiveClosedSalesTickets",
                concat!("{r}.statusId = ", ticket_status_closed!(), " AND "),
                in_group_category!("Sales")
            ),
            CLOSED_NEWEST_FIRST,
        ),
        5,
    ),
    capped(
        ordered(
            account_tickets!(
                "lastFiveClosedSupportTickets",
                concat!("{r}.statusId = ", ticket_status_closed!(), " AND "),
                in_group_category!("Support")
            ),
            CLOSED_NEWEST_FIRST,
        ),
        5,
    ),
    capped(
        ordered(
            account_tickets!(
                "lastFiveClosedOtherTickets",
                concat!("{r}.statusId = ", ticket_status_closed!(), " AND "),
                not_in_main_categories!()
            ),
            CLOSED_NEWEST_FIRST,
        ),
        5,
    ),
];

/// Every relation: the fixed ones, then each device kind's.
pub static RELATIONS: LazyLock<Vec<Relation>> = LazyLock::new(|| {
    let mut all = FIXED_RELATIONS.to_vec();
    for kind in DEVICE_KINDS {
        all.extend(device_relations(kind));
        all.extend(device_ticket_relations(kind));
    }
    all
});

/// A relation's text made for a device kind, kept for the life of the process as the
/// fixed relations' text is (the relations are built once).
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// A device's open tickets (`activeTickets`, the tickets it is attached to that are not
/// closed) and its open cancellation ticket, for the kinds that have them. Owned by the
/// stored type (`SoftLayer_Hardware` for hardware, whose server subtype names them).
fn device_ticket_relations(kind: &DeviceKind) -> Vec<Relation> {
    if kind.open_tickets_type.is_none() {
        return Vec::new();
    }
    let DeviceKind {
        link_type: link,
        link_column: column,
        attachment_type,
        ..
    } = *kind;
    let closed = ticket_status_closed!();
    let attached = leak(format!(
        "SoftLayer_Ticket {{r}} JOIN {link} {{r}}_a ON {{r}}_a.ticketId = {{r}}.id"
    ));
    let open_attached = leak(format!(
        "{{r}}_a.{column} = {{parent}} AND {{r}}.statusId <> {closed}"
    ));
    let requested = "SoftLayer_Ticket {r} JOIN SoftLayer_Billing_Item_Cancellation_Request {r}_c \
                     ON {r}_c.ticketId = {r}.id";
    // As `createCancelServerTicket` finds one: a request for this device whose ticket is open.
    let open_request = leak(format!(
        "{{r}}_c.resourceType = '{attachment_type}' AND {{r}}_c.resourceId = {{parent}} \
         AND {{r}}.statusId <> {closed}"
    ));
    let device = kind.device_type;
    vec![
        ordered(
            rel(
                device,
                "activeTickets",
                TICKET,
                attached,
                open_attached,
                "id",
            ),
            "{r}.id",
        ),
        // One ticket, the newest: a filter on it tests that one, as the mask shows it.
        capped(
            ordered(
                rel(
                    device,
                    "openCancellationTicket",
                    TICKET,
                    requested,
                    open_request,
                    "id",
                ),
                "{r}.id DESC",
            ),
            1,
        ),
    ]
}

/// The relations of one kind of device: a ticket's attached devices, a link's device and
/// ticket, a device's account, and the devices of an account and of its users.
fn device_relations(kind: &DeviceKind) -> [Relation; 7] {
    let DeviceKind {
        device_type: device,
        link_type: link,
        link_column: column,
        ..
    } = *kind;
    let devices = leak(format!("{device} {{r}}"));
    let attached = leak(format!(
        "{device} {{r}} JOIN {link} {{r}}_a ON {{r}}_a.{column} = {{r}}.id"
    ));
    let of_account = "{r}.accountId = {parent}";
    [
        ordered(
            rel(
                TICKET,
                kind.ticket_property,
                device,
                attached,
                "{r}_a.ticketId = {parent}",
                "id",
            ),
            "{r}_a.id",
        ),
        rel(
            link,
            kind.link_property,
            device,
            devices,
            BY_PARENT_KEY,
            column,
        ),
        rel(link, "resource", device, devices, BY_PARENT_KEY, column),
        one!(link, "ticket", "SoftLayer_Ticket", "ticketId"),
        one!(device, "account", "SoftLayer_Account", "accountId"),
        rel(
            USER,
            kind.account_property,
            device,
            devices,
            of_account,
            "accountId",
        ),
        rel(
            ACCOUNT,
            kind.account_property,
            device,
            devices,
            of_account,
            "id",
        ),
    ]
}

/// The relations that may stand behind `owner.property`, most specific first.
/// A subtype without relations of its own uses its parent type's.
pub fn relations_for<'a>(
    owner: &'a str,
    property: &'a str,
) -> impl Iterator<Item = &'static Relation> + 'a {
    let by_owner = by_owner_and_property();
    let mut current = Some(owner);
    let mut found: &[&'static Relation] = &[];
    while let Some(t) = current {
        if let Some(relations) = by_owner.get(&(t, property)) {
            found = relations;
            break;
        }
        current = crate::schema::schema()
            .type_def(t)
            .and_then(|d| d.parent.as_deref());
    }
    found.iter().copied()
}

/// Whether `owner.property` keeps only its first rows (the "last five" lists): an item
/// is picked from those, not from every row the relation's condition holds for.
pub fn is_capped(owner: &str, property: &str) -> bool {
    relations_for(owner, property).any(|r| r.cap.is_some())
}

/// [`RELATIONS`] by owner and property, in their order: every object's mask reaches its
/// relations through here, and scanning the table for each (twice, for the owner and
/// then its relations) was 3% of an uncached getObject's instructions.
fn by_owner_and_property() -> &'static RelationIndex {
    static INDEX: std::sync::OnceLock<RelationIndex> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index = RelationIndex::default();
        for r in RELATIONS.iter() {
            index.entry((r.owner, r.property)).or_default().push(r);
        }
        index
    })
}

type RelationIndex = std::collections::HashMap<
    (&'static str, &'static str),
    Vec<&'static Relation>,
    foldhash::fast::FixedState,
>;

/// The position of `rel` in [`RELATIONS`] (from its address: it is one of them).
pub fn index_of(rel: &'static Relation) -> usize {
    let offset = (rel as *const Relation as usize).wrapping_sub(RELATIONS.as_ptr() as usize);
    let index = offset / std::mem::size_of::<Relation>();
    assert!(
        RELATIONS.get(index).is_some_and(|r| std::ptr::eq(r, rel)),
        "relations come from RELATIONS"
    );
    index
}

/// Relations whose rows only some viewers are shown, with the condition on the parent
/// row `{parent}` (an alias) and the viewing user's id `{viewer}` under which they are:
/// a user's API key is its own and its account's master user's to read (SLDN's
/// permission-enforcement article: "Your account's master user has full permissions to
/// every service and method associated with your account"; the emulator keeps no other
/// permissions, as `editObject` lets only the master user edit another user). To anyone
/// else the relation is empty, its count 0 and a filter through it matches nothing, as
/// though the user had no key.
const VIEWER_BOUND: &[(&str, &str, &str)] = &[(
    USER,
    "apiAuthenticationKeys",
    "({parent}.id = {viewer} OR EXISTS (SELECT 1 FROM SoftLayer_User_Customer {parent}_m \
     WHERE {parent}_m.id = {viewer} AND {parent}_m.isMasterUserFlag \
     AND {parent}_m.accountId = {parent}.accountId))",
)];

/// Whether some type's relation `property` is shown only to some viewers: a quick
/// look before [`viewer_condition`] (masks name many relations of every reply).
pub fn may_be_viewer_bound(property: &str) -> bool {
    VIEWER_BOUND.iter().any(|(_, p, _)| *p == property)
}

/// The condition under which the viewer is shown `owner`'s relation `property` of the
/// row named `parent` in SQL, when not everyone is. `viewer` is the viewing user's id in
/// SQL: a parameter, or an integer written as it is.
pub fn viewer_condition(owner: &str, property: &str, parent: &str, viewer: &str) -> Option<String> {
    let (_, _, sql) = VIEWER_BOUND
        .iter()
        .find(|(o, p, _)| *o == owner && *p == property)?;
    Some(sql.replace("{parent}", parent).replace("{viewer}", viewer))
}

/// A scalar relational property (SoftLayer computes it; so does the emulator), as a
/// query on the owner's id (`?1`) and the viewing user's id (`?2`).
pub struct Computed {
    pub owner: &'static str,
    pub property: &'static str,
    pub sql: &'static str,
}

const fn computed(owner: &'static str, property: &'static str, sql: &'static str) -> Computed {
    Computed {
        owner,
        property,
        sql,
    }
}

/// EU data centres, where tickets are handled under EU support rules.
macro_rules! eu_location {
    () => {
        "(SELECT l.name FROM SoftLayer_Location l WHERE l.id = t.locationId) GLOB '[a-z][a-z][a-z][0-9]*' \
         AND substr((SELECT l.name FROM SoftLayer_Location l WHERE l.id = t.locationId), 1, 3) IN ('ams', 'fra', 'par', 'lon', 'mil', 'mad')"
    };
}

/// The sum of an invoice's (`?1`) items' amounts named by `$sum` (over item `i`), as the
/// items write amounts: a decimal string with two places ("3.00"). Cast to text so that
/// an object filter compares it as it compares a stored amount (a text column): a bare
/// expression has no affinity, and SQLite orders every number below every text, so
/// `> 4` held for "3.00".
macro_rules! invoice_item_sum {
    ($sum:expr) => {
        concat!(
            "SELECT CAST(printf('%.2f', coalesce(sum(",
            $sum,
            "), 0)) AS TEXT) FROM SoftLayer_Billing_Invoice_Item i WHERE i.invoiceId = ?1"
        )
    };
}

/// An item's one-time charges without tax (SLDN: "one-time charges + setup fees + labor
/// fees"), and its taxes.
macro_rules! item_one_time {
    () => {
        "coalesce(CAST(i.oneTimeFee AS REAL), 0) + coalesce(CAST(i.setupFee AS REAL), 0) \
         + coalesce(CAST(i.laborFee AS REAL), 0)"
    };
}
macro_rules! item_recurring {
    () => {
        "coalesce(CAST(i.recurringFee AS REAL), 0)"
    };
}
macro_rules! item_tax {
    () => {
        "coalesce(CAST(i.oneTimeTaxAmount AS REAL), 0)"
    };
}
/// An invoice's whole: `invoiceTotalAmount`, which SLDN's `amount` is too.
macro_rules! invoice_total {
    () => {
        invoice_item_sum!(concat!(
            item_one_time!(),
            " + ",
            item_recurring!(),
            " + ",
            item_tax!()
        ))
    };
}

pub static COMPUTED: &[Computed] = &[
    computed(
        TICKET,
        "awaitingUserResponseFlag",
        "SELECT t.awaitingUserResponse <> 0 FROM SoftLayer_Ticket t WHERE t.id = ?1",
    ),
    // New to this viewer: updates by anyone else after the viewer last marked it viewed.
    computed(
        TICKET,
        "newUpdatesFlag",
        "SELECT EXISTS (SELECT 1 FROM SoftLayer_Ticket_Update u WHERE u.ticketId = ?1 \
           AND NOT (u.editorType = 'USER' AND u.editorId = ?2) \
           AND u.id > coalesce((SELECT v.lastViewedUpdateId FROM emulator_ticket_view v \
                                WHERE v.ticketId = ?1 AND v.userId = ?2), 0))",
    ),
    // Employee updates can be rated while the ticket is open.
    computed(
        TICKET,
        "updateRatingFlag",
        concat!(
            "SELECT t.statusId <> ",
            ticket_status_closed!(),
            " AND EXISTS (SELECT 1 FROM SoftLayer_Ticket_Update u \
             WHERE u.ticketId = t.id AND u.editorType = 'EMPLOYEE') FROM SoftLayer_Ticket t WHERE t.id = ?1"
        ),
    ),
    computed(
        TICKET,
        "euSupportedFlag",
        concat!(
            "SELECT coalesce(",
            eu_location!(),
            ", 0) FROM SoftLayer_Ticket t WHERE t.id = ?1"
        ),
    ),
    computed(
        TICKET,
        "bnppSupportedFlag",
        "SELECT coalesce((SELECT l.bnppCompliantFlag FROM SoftLayer_Location l WHERE l.id = t.locationId), 0) \
         FROM SoftLayer_Ticket t WHERE t.id = ?1",
    ),
    // An invoice's totals, from its items (an administrative ticket's $3 one-time
    // charge): `slcli account invoices` shows invoiceTotalAmount as the invoice's amount.
    computed(
        "SoftLayer_Billing_Invoice",
        "invoiceTotalOneTimeAmount",
        invoice_item_sum!(item_one_time!()),
    ),
    computed(
        "SoftLayer_Billing_Invoice",
        "invoiceTotalOneTimeTaxAmount",
        invoice_item_sum!(item_tax!()),
    ),
    computed(
        "SoftLayer_Billing_Invoice",
        "invoiceTotalRecurringAmount",
        invoice_item_sum!(item_recurring!()),
    ),
    computed(
        "SoftLayer_Billing_Invoice",
        "invoiceTotalPreTaxAmount",
        invoice_item_sum!(concat!(item_one_time!(), " + ", item_recurring!())),
    ),
    computed(
        "SoftLayer_Billing_Invoice",
        "invoiceTotalAmount",
        invoice_total!(),
    ),
    computed("SoftLayer_Billing_Invoice", "amount", invoice_total!()),
    // What the account owes (SLDN: "the amount of money owed to SoftLayer by the account
    // holder"): its open invoices' ending balances. A number, as getBalance has always
    // answered here, where an invoice's amounts are strings.
    computed(
        ACCOUNT,
        "balance",
        "SELECT round(coalesce(sum(CAST(b.endingBalance AS REAL)), 0.0), 2) \
         FROM SoftLayer_Billing_Invoice b WHERE b.accountId = ?1 AND b.statusCode = 'OPEN'",
    ),
    // No emulated data centre is FSBOA-supported.
    computed(
        TICKET,
        "fsboaSupportedFlag",
        "SELECT 0 FROM SoftLayer_Ticket t WHERE t.id = ?1",
    ),
];

impl Computed {
    /// The value for the row whose id is `id` (a column of the outer query, as
    /// `r0."id"`) as the user `viewer` sees it, as a correlated subquery an object filter
    /// can compare; `None` when it depends on who views it (`newUpdatesFlag`) and there is
    /// no viewer.
    pub fn of_row(&self, id: &str, viewer: Option<i64>) -> Option<String> {
        let sql = self.sql.replace("?1", id);
        match (sql.contains("?2"), viewer) {
            (false, _) => Some(format!("({sql})")),
            // An integer, so written into the SQL as it is.
            (true, Some(user)) => Some(format!("({})", sql.replace("?2", &user.to_string()))),
            (true, None) => None,
        }
    }
}

pub fn computed_for(owner: &str, property: &str) -> Option<&'static Computed> {
    COMPUTED
        .iter()
        .find(|c| c.owner == owner && c.property == property)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A type's own relations, in table order (both of an update's editors); a subtype
    /// without relations of its own reaches its parent's; a property with none, none;
    /// and every relation's index is its place in the table.
    #[test]
    fn relations_are_found_by_owner_property_and_parent_type() {
        let targets = |owner, property| -> Vec<&str> {
            relations_for(owner, property).map(|r| r.target).collect()
        };
        let editors = ["SoftLayer_User_Customer", "SoftLayer_User_Employee"];
        assert_eq!(targets(UPDATE, "editor"), editors);
        for subtype in [
            "SoftLayer_Ticket_Update_Employee",
            "SoftLayer_Ticket_Update_Customer",
        ] {
            assert!(crate::schema::schema().type_def(subtype).is_some());
            assert_eq!(targets(subtype, "editor"), editors, "{subtype}");
        }
        assert_eq!(targets(TICKET, "status"), ["SoftLayer_Ticket_Status"]);
        assert!(targets(TICKET, "title").is_empty());
        assert!(targets("SoftLayer_No_Such_Type", "editor").is_empty());
        for (i, r) in RELATIONS.iter().enumerate() {
            assert_eq!(index_of(r), i);
        }
    }
}
