-- One table per SoftLayer type, named after it; columns are the type's local properties
-- under their SoftLayer names, so rows project onto the API without a mapping table.
-- Columns that are not local properties of the type (subject.groupId, ticket.closeDate)
-- hold what the emulator needs behind relational properties and are never sent as such.
-- Booleans are 0/1; dates are ISO 8601 text with offset.

CREATE TABLE SoftLayer_Account (
    id INTEGER PRIMARY KEY,
    companyName TEXT, firstName TEXT, lastName TEXT, email TEXT,
    address1 TEXT, city TEXT, state TEXT, country TEXT, postalCode TEXT, officePhone TEXT,
    brandId INTEGER, accountStatusId INTEGER, isReseller INTEGER,
    createDate TEXT, modifyDate TEXT
);

CREATE TABLE SoftLayer_User_Customer (
    id INTEGER PRIMARY KEY,
    accountId INTEGER NOT NULL REFERENCES SoftLayer_Account(id),
    parentId INTEGER,
    username TEXT NOT NULL UNIQUE,
    firstName TEXT, lastName TEXT, displayName TEXT, email TEXT, companyName TEXT,
    address1 TEXT, city TEXT, state TEXT, country TEXT, postalCode TEXT, officePhone TEXT,
    isMasterUserFlag INTEGER, userStatusId INTEGER, timezoneId INTEGER, localeId INTEGER,
    createDate TEXT, modifyDate TEXT
);
CREATE INDEX user_customer_account ON SoftLayer_User_Customer(accountId);

-- Not a SoftLayer type: the secrets `authenticate` is checked against.
CREATE TABLE emulator_credential (
    userId INTEGER PRIMARY KEY REFERENCES SoftLayer_User_Customer(id),
    apiKey TEXT NOT NULL UNIQUE,
    portalLoginToken TEXT
);

CREATE TABLE SoftLayer_User_Employee (
    id INTEGER PRIMARY KEY,
    username TEXT, firstName TEXT, lastName TEXT, displayName TEXT, email TEXT,
    employeeDepartmentId INTEGER
);

CREATE TABLE SoftLayer_Hardware (
    id INTEGER PRIMARY KEY,
    accountId INTEGER NOT NULL REFERENCES SoftLayer_Account(id),
    hostname TEXT, domain TEXT, fullyQualifiedDomainName TEXT,
    manufacturerSerialNumber TEXT, serialNumber TEXT, notes TEXT,
    hardwareStatusId INTEGER, bareMetalInstanceFlag INTEGER,
    provisionDate TEXT
);
CREATE INDEX hardware_account ON SoftLayer_Hardware(accountId);

CREATE TABLE SoftLayer_Virtual_Guest (
    id INTEGER PRIMARY KEY,
    accountId INTEGER NOT NULL REFERENCES SoftLayer_Account(id),
    hostname TEXT, domain TEXT, fullyQualifiedDomainName TEXT, uuid TEXT, notes TEXT,
    maxCpu INTEGER, maxCpuUnits TEXT, maxMemory INTEGER, startCpus INTEGER, statusId INTEGER,
    dedicatedAccountHostOnlyFlag INTEGER,
    createDate TEXT, modifyDate TEXT, provisionDate TEXT
);
CREATE INDEX virtual_guest_account ON SoftLayer_Virtual_Guest(accountId);

CREATE TABLE SoftLayer_Virtual_DedicatedHost (
    id INTEGER PRIMARY KEY,
    accountId INTEGER NOT NULL REFERENCES SoftLayer_Account(id),
    name TEXT, notes TEXT, cpuCount INTEGER, diskCapacity INTEGER, memoryCapacity INTEGER,
    createDate TEXT, modifyDate TEXT
);
CREATE INDEX dedicated_host_account ON SoftLayer_Virtual_DedicatedHost(accountId);

CREATE TABLE SoftLayer_Ticket_Group_Category (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE SoftLayer_Ticket_Group (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    ticketGroupCategoryId INTEGER REFERENCES SoftLayer_Ticket_Group_Category(id)
);

CREATE TABLE SoftLayer_Ticket_Subject_Category (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE SoftLayer_Ticket_Subject (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    categoryId INTEGER REFERENCES SoftLayer_Ticket_Subject_Category(id),
    parentId INTEGER REFERENCES SoftLayer_Ticket_Subject(id),
    -- the department a new ticket with this subject is queued to (SoftLayer_Ticket_Subject.group)
    groupId INTEGER REFERENCES SoftLayer_Ticket_Group(id)
);

CREATE TABLE SoftLayer_Ticket_Status (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE SoftLayer_Container_Ticket_Priority (
    value INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE SoftLayer_Ticket (
    id INTEGER PRIMARY KEY,
    accountId INTEGER NOT NULL REFERENCES SoftLayer_Account(id),
    assignedUserId INTEGER,
    billableFlag INTEGER,
    changeOwnerFlag INTEGER,
    createDate TEXT NOT NULL,
    finalComments TEXT,
    groupId INTEGER,
    lastEditDate TEXT,
    lastEditType TEXT,
    lastResponseDate TEXT,
    locationId INTEGER,
    modifyDate TEXT,
    notifyUserOnUpdateFlag INTEGER,
    originatingIpAddress TEXT,
    priority INTEGER,
    responsibleBrandId INTEGER,
    serverAdministrationBillingAmount INTEGER,
    serverAdministrationBillingInvoiceId INTEGER,
    serverAdministrationFlag INTEGER,
    serverAdministrationRefundInvoiceId INTEGER,
    serviceProviderId INTEGER,
    serviceProviderResourceId TEXT,
    statusId INTEGER NOT NULL,
    subjectId INTEGER,
    title TEXT,
    totalUpdateCount INTEGER,
    userEditableFlag INTEGER,
    -- when support closed it; the closed-ticket getters order and select by it
    closeDate TEXT
);
CREATE INDEX ticket_account_status ON SoftLayer_Ticket(accountId, statusId, id);

CREATE TABLE SoftLayer_Ticket_Update (
    id INTEGER PRIMARY KEY,
    ticketId INTEGER NOT NULL REFERENCES SoftLayer_Ticket(id),
    entry TEXT NOT NULL,
    createDate TEXT NOT NULL,
    editorId INTEGER,
    editorType TEXT NOT NULL
);
CREATE INDEX ticket_update_ticket ON SoftLayer_Ticket_Update(ticketId, id);

CREATE TABLE SoftLayer_Ticket_Attachment_Hardware (
    id INTEGER PRIMARY KEY,
    ticketId INTEGER NOT NULL REFERENCES SoftLayer_Ticket(id),
    attachmentId INTEGER NOT NULL,
    hardwareId INTEGER NOT NULL REFERENCES SoftLayer_Hardware(id),
    createDate TEXT NOT NULL,
    UNIQUE (ticketId, hardwareId)
);

CREATE TABLE SoftLayer_Ticket_Attachment_Virtual_Guest (
    id INTEGER PRIMARY KEY,
    ticketId INTEGER NOT NULL REFERENCES SoftLayer_Ticket(id),
    attachmentId INTEGER NOT NULL,
    virtualGuestId INTEGER NOT NULL REFERENCES SoftLayer_Virtual_Guest(id),
    createDate TEXT NOT NULL,
    UNIQUE (ticketId, virtualGuestId)
);

-- Not a SoftLayer type: when each user last viewed each ticket (markAsViewed).
CREATE TABLE emulator_ticket_view (
    ticketId INTEGER NOT NULL REFERENCES SoftLayer_Ticket(id),
    userId INTEGER NOT NULL,
    lastViewedDate TEXT NOT NULL,
    PRIMARY KEY (ticketId, userId)
);
