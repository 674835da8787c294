-- Not a SoftLayer type: the e-mails SoftLayer would have sent on ticket events, kept for
-- tests to read (GET /_emulator/outbox). Written in the transaction of the event, so a
-- rolled-back call sends nothing, and snapshots and account deletion include it.
CREATE TABLE emulator_outbox (
    id INTEGER PRIMARY KEY,
    accountId INTEGER REFERENCES SoftLayer_Account(id),
    ticketId INTEGER REFERENCES SoftLayer_Ticket(id),
    event TEXT NOT NULL,
    createDate TEXT NOT NULL,
    sender TEXT NOT NULL,
    -- a JSON array of addresses
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX emulator_outbox_ticket ON emulator_outbox(ticketId);
