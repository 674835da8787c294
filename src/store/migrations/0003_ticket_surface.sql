-- The rest of the SoftLayer_Ticket surface: files, more attachments, notification emails,
-- scheduled actions, tags, the administrative-ticket charge, cancellations, survey
-- preferences, and what the support desk sets (awaiting a customer response, states).

-- Not a local property (SoftLayer computes the flag); set by the support desk.
ALTER TABLE SoftLayer_Ticket ADD COLUMN awaitingUserResponse INTEGER NOT NULL DEFAULT 0;
-- The employee holding an Assigned ticket (SoftLayer shows them in employeeAttachments).
ALTER TABLE SoftLayer_Ticket ADD COLUMN assignedEmployeeId INTEGER REFERENCES SoftLayer_User_Employee(id);
ALTER TABLE SoftLayer_Ticket_Update ADD COLUMN responseRating INTEGER;
-- markAsViewed marks the updates posted so far: the newest of them, not a time that
-- an update in the same second could fall on either side of.
ALTER TABLE emulator_ticket_view ADD COLUMN lastViewedUpdateId INTEGER;

CREATE TABLE SoftLayer_Ticket_Attachment_File (
    id INTEGER PRIMARY KEY,
    ticketId INTEGER NOT NULL REFERENCES SoftLayer_Ticket(id),
    updateId INTEGER REFERENCES SoftLayer_Ticket_Update(id),
    fileName TEXT NOT NULL,
    fileSize TEXT NOT NULL,
    uploaderId TEXT,
    uploaderType TEXT,
    createDate TEXT NOT NULL,
    modifyDate TEXT,
    -- the file itself, returned only by getAttachedFile
    content BLOB NOT NULL,
    UNIQUE (ticketId, fileName)
);

CREATE TABLE SoftLayer_Ticket_Attachment_Dedicated_Host (
    id INTEGER PRIMARY KEY,
    ticketId INTEGER NOT NULL REFERENCES SoftLayer_Ticket(id),
    attachmentId INTEGER NOT NULL,
    dedicatedHostId INTEGER NOT NULL REFERENCES SoftLayer_Virtual_DedicatedHost(id),
    createDate TEXT NOT NULL,
    UNIQUE (ticketId, dedicatedHostId)
);

CREATE TABLE SoftLayer_Ticket_Attachment_Assigned_Agent (
    id INTEGER PRIMARY KEY,
    ticketId INTEGER NOT NULL REFERENCES SoftLayer_Ticket(id),
    attachmentId INTEGER NOT NULL,
    assignedAgentId INTEGER NOT NULL REFERENCES SoftLayer_User_Customer(id),
    createDate TEXT NOT NULL,
    UNIQUE (ticketId, assignedAgentId)
);

-- Everything attached to a ticket that is a device, as SoftLayer_Ticket_Attachment.
CREATE VIEW SoftLayer_Ticket_Attachment AS
    SELECT id, ticketId, attachmentId, createDate FROM SoftLayer_Ticket_Attachment_Hardware
    UNION ALL
    SELECT id, ticketId, attachmentId, createDate FROM SoftLayer_Ticket_Attachment_Virtual_Guest
    UNION ALL
    SELECT id, ticketId, attachmentId, createDate FROM SoftLayer_Ticket_Attachment_Dedicated_Host;

CREATE TABLE SoftLayer_User_Customer_AdditionalEmail (
    id INTEGER PRIMARY KEY,
    userId INTEGER NOT NULL REFERENCES SoftLayer_User_Customer(id),
    email TEXT NOT NULL,
    UNIQUE (userId, email)
);

-- Not a SoftLayer type: which additional emails a ticket notifies.
CREATE TABLE emulator_ticket_additional_email (
    ticketId INTEGER NOT NULL REFERENCES SoftLayer_Ticket(id),
    additionalEmailId INTEGER NOT NULL REFERENCES SoftLayer_User_Customer_AdditionalEmail(id),
    PRIMARY KEY (ticketId, additionalEmailId)
);

CREATE TABLE SoftLayer_Provisioning_Version1_Transaction (
    id INTEGER PRIMARY KEY,
    createDate TEXT NOT NULL,
    modifyDate TEXT,
    statusChangeDate TEXT,
    elapsedSeconds INTEGER,
    hardwareId INTEGER,
    guestId INTEGER
);

CREATE TABLE SoftLayer_Ticket_Attachment_Scheduled_Action (
    id INTEGER PRIMARY KEY,
    ticketId INTEGER NOT NULL REFERENCES SoftLayer_Ticket(id),
    attachmentId INTEGER NOT NULL,
    transactionId INTEGER NOT NULL REFERENCES SoftLayer_Provisioning_Version1_Transaction(id),
    runDate TEXT NOT NULL,
    createDate TEXT NOT NULL,
    -- ALERT or AUTO_CLOSE
    kind TEXT NOT NULL
);

CREATE TABLE SoftLayer_Tag (
    id INTEGER PRIMARY KEY,
    accountId INTEGER NOT NULL REFERENCES SoftLayer_Account(id),
    name TEXT NOT NULL,
    internal INTEGER NOT NULL DEFAULT 0,
    UNIQUE (accountId, name)
);

CREATE TABLE SoftLayer_Tag_Reference (
    id INTEGER PRIMARY KEY,
    tagId INTEGER NOT NULL REFERENCES SoftLayer_Tag(id),
    tagTypeId INTEGER NOT NULL,
    resourceTableId INTEGER NOT NULL,
    usrRecordId INTEGER,
    empRecordId INTEGER,
    UNIQUE (tagId, tagTypeId, resourceTableId)
);

CREATE TABLE SoftLayer_Billing_Invoice (
    id INTEGER PRIMARY KEY,
    accountId INTEGER NOT NULL REFERENCES SoftLayer_Account(id),
    createDate TEXT NOT NULL,
    modifyDate TEXT,
    closedDate TEXT,
    statusCode TEXT,
    typeCode TEXT,
    companyName TEXT, firstName TEXT, lastName TEXT, email TEXT,
    address1 TEXT, city TEXT, state TEXT, country TEXT, postalCode TEXT,
    startingBalance TEXT,
    endingBalance TEXT
);

CREATE TABLE SoftLayer_Billing_Invoice_Item (
    id INTEGER PRIMARY KEY,
    invoiceId INTEGER NOT NULL REFERENCES SoftLayer_Billing_Invoice(id),
    -- the ticket it charges for
    ticketId INTEGER REFERENCES SoftLayer_Ticket(id),
    resourceTableId INTEGER,
    description TEXT,
    categoryCode TEXT,
    createDate TEXT NOT NULL,
    oneTimeFee TEXT,
    oneTimeAfterTaxAmount TEXT,
    oneTimeTaxAmount TEXT,
    recurringFee TEXT,
    setupFee TEXT,
    laborFee TEXT
);

CREATE TABLE SoftLayer_Billing_Item_Cancellation_Request (
    id INTEGER PRIMARY KEY,
    accountId INTEGER NOT NULL REFERENCES SoftLayer_Account(id),
    ticketId INTEGER REFERENCES SoftLayer_Ticket(id),
    billingCancelReasonId INTEGER,
    statusId INTEGER,
    notes TEXT,
    createDate TEXT NOT NULL,
    modifyDate TEXT,
    -- the cancelled device (HARDWARE / VIRTUAL_GUEST / other), so it is cancelled once
    resourceType TEXT,
    resourceId INTEGER
);

CREATE TABLE SoftLayer_Service_Provider (
    id INTEGER PRIMARY KEY,
    keyName TEXT, name TEXT, description TEXT
);

CREATE TABLE SoftLayer_Location (
    id INTEGER PRIMARY KEY,
    name TEXT, longName TEXT, statusId INTEGER, bnppCompliantFlag INTEGER
);

CREATE TABLE SoftLayer_Ticket_State_Type (
    id INTEGER PRIMARY KEY,
    keyName TEXT, name TEXT, description TEXT
);

CREATE TABLE SoftLayer_Ticket_State (
    id INTEGER PRIMARY KEY,
    ticketId INTEGER NOT NULL REFERENCES SoftLayer_Ticket(id),
    stateTypeId INTEGER NOT NULL REFERENCES SoftLayer_Ticket_State_Type(id),
    UNIQUE (ticketId, stateTypeId)
);

-- The last thing that happened on a ticket, one row per update.
CREATE VIEW SoftLayer_Ticket_Activity AS
    SELECT id, ticketId, createDate, createDate AS createTimestamp, editorId, editorType,
           id AS ticketUpdateId,
           CASE editorType WHEN 'EMPLOYEE' THEN 'Employee update' WHEN 'USER' THEN 'Customer update'
                ELSE 'Automatic update' END AS value
    FROM SoftLayer_Ticket_Update;

-- Not a SoftLayer type: a user's SoftLayer_Ticket_Survey choice.
CREATE TABLE emulator_survey_preference (
    userId INTEGER PRIMARY KEY REFERENCES SoftLayer_User_Customer(id),
    optedOut INTEGER NOT NULL,
    optedOutDate TEXT
);

-- Subtypes served by their own services, over the same rows.
CREATE VIEW SoftLayer_Ticket_Update_Employee AS
    SELECT * FROM SoftLayer_Ticket_Update WHERE editorType = 'EMPLOYEE';
CREATE VIEW SoftLayer_Ticket_Attachment_File_ServiceNow AS
    SELECT * FROM SoftLayer_Ticket_Attachment_File;
