-- Users' daylight saving setting (SLDN's date article: on unless the user sets it to 0).
ALTER TABLE SoftLayer_User_Customer ADD COLUMN daylightSavingsTimeFlag INTEGER;

-- Employees assigned to an account as its support representatives
-- (SoftLayer_Account::getSupportRepresentatives): customers of that account see their
-- names and email (SLDN SoftLayer_User_Employee).
CREATE TABLE emulator_support_representative (
    accountId INTEGER NOT NULL REFERENCES SoftLayer_Account(id),
    employeeId INTEGER NOT NULL REFERENCES SoftLayer_User_Employee(id),
    PRIMARY KEY (accountId, employeeId)
);
