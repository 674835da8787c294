-- Columns that reference another table had no index of their own, so each delete of a
-- row they reference read the whole referencing table (SQLite checks the foreign key),
-- and each read of a ticket's scheduled actions, invoice items or cancellation requests
-- read the whole table. A scheduled action's run deletes its transaction: 12,000 due
-- actions took 4.0 s, quadratically (17,000 outran the 10 s SQL budget).
CREATE INDEX IF NOT EXISTS scheduled_action_ticket
    ON SoftLayer_Ticket_Attachment_Scheduled_Action (ticketId);
CREATE INDEX IF NOT EXISTS scheduled_action_transaction
    ON SoftLayer_Ticket_Attachment_Scheduled_Action (transactionId);
-- The scheduler's question, every second: what is due, oldest first. Builds before the
-- run date was checked as a date imported 'now' as one, which SQLite refuses in an index
-- (julianday('now') changes): such an action is due now, and written as that time.
UPDATE SoftLayer_Ticket_Attachment_Scheduled_Action
    SET runDate = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
    WHERE lower(trim(runDate)) = 'now';
CREATE INDEX IF NOT EXISTS scheduled_action_run_date
    ON SoftLayer_Ticket_Attachment_Scheduled_Action (julianday(runDate));
CREATE INDEX IF NOT EXISTS invoice_item_ticket ON SoftLayer_Billing_Invoice_Item (ticketId);
CREATE INDEX IF NOT EXISTS invoice_item_invoice ON SoftLayer_Billing_Invoice_Item (invoiceId);
CREATE INDEX IF NOT EXISTS invoice_account ON SoftLayer_Billing_Invoice (accountId);
CREATE INDEX IF NOT EXISTS cancellation_request_ticket
    ON SoftLayer_Billing_Item_Cancellation_Request (ticketId);
CREATE INDEX IF NOT EXISTS cancellation_request_account
    ON SoftLayer_Billing_Item_Cancellation_Request (accountId);
CREATE INDEX IF NOT EXISTS attached_file_update ON SoftLayer_Ticket_Attachment_File (updateId);
CREATE INDEX IF NOT EXISTS assigned_agent_user
    ON SoftLayer_Ticket_Attachment_Assigned_Agent (assignedAgentId);
CREATE INDEX IF NOT EXISTS attached_host_host
    ON SoftLayer_Ticket_Attachment_Dedicated_Host (dedicatedHostId);
CREATE INDEX IF NOT EXISTS ticket_additional_email_email
    ON emulator_ticket_additional_email (additionalEmailId);
CREATE INDEX IF NOT EXISTS outbox_account ON emulator_outbox (accountId, id);
