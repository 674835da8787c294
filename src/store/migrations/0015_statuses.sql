-- Users' and accounts' statuses as objects (SoftLayer_User_Customer.userStatus,
-- SoftLayer_Account.accountStatus), so that a mask or filter through them (SLDN's Python
-- example lists users by userStatus.keyName) reads what the real API holds rather than
-- nothing. Ids and names are those public scripts and softlayer-python's fixtures use
-- (1001 for an active user and account, 1021 for a user whose removal is pending, 1003
-- for an inactive one); softlayer-go's metadata gives the names "Active", "Inactive",
-- "Disabled" and "VPN Only". Like the time zones of 0011 these are catalogue: every
-- database holds them, also one reset empty (store::seed::catalog_sections).
CREATE TABLE SoftLayer_User_Customer_Status (
    id INTEGER PRIMARY KEY,
    keyName TEXT NOT NULL,
    name TEXT NOT NULL
);
INSERT INTO SoftLayer_User_Customer_Status (id, keyName, name) VALUES
    (1001, 'ACTIVE', 'Active'),
    (1002, 'DISABLED', 'Disabled'),
    (1003, 'INACTIVE', 'Inactive'),
    (1021, 'CANCEL_PENDING', 'Cancel Pending'),
    (1022, 'VPN_ONLY', 'VPN Only');

CREATE TABLE SoftLayer_Account_Status (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);
INSERT INTO SoftLayer_Account_Status (id, name) VALUES (1001, 'Active');
