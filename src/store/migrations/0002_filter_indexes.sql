-- Indexes behind object filters, orderings and limits on large ticket lists
-- (store/query.rs). Dates are compared and ordered as instants through julianday(),
-- so the date indexes are on that expression; the title index is NOCASE, as the
-- text operations (^=, *=, …) ignore case, so it serves prefix searches and lets
-- substring searches scan the index instead of the table.
-- (accountId) is (accountId, id): the account's tickets in id order, so a page in the
-- default order stops after the limit instead of sorting every match.
CREATE INDEX ticket_account ON SoftLayer_Ticket(accountId);
CREATE INDEX ticket_account_created ON SoftLayer_Ticket(accountId, julianday(createDate));
CREATE INDEX ticket_account_priority_created
    ON SoftLayer_Ticket(accountId, priority, julianday(createDate), statusId);
CREATE INDEX ticket_account_modified ON SoftLayer_Ticket(accountId, julianday(modifyDate));
CREATE INDEX ticket_account_last_edit ON SoftLayer_Ticket(accountId, julianday(lastEditDate));
CREATE INDEX ticket_account_title ON SoftLayer_Ticket(accountId, title COLLATE NOCASE);
CREATE INDEX ticket_assigned_user ON SoftLayer_Ticket(assignedUserId);
CREATE INDEX ticket_subject ON SoftLayer_Ticket(subjectId);
CREATE INDEX ticket_account_closed ON SoftLayer_Ticket(accountId, statusId, closeDate);
CREATE INDEX hardware_attachment_hardware ON SoftLayer_Ticket_Attachment_Hardware(hardwareId);
CREATE INDEX virtual_guest_attachment_guest
    ON SoftLayer_Ticket_Attachment_Virtual_Guest(virtualGuestId);
