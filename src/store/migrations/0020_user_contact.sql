-- The rest of a user's address and contact details, which SoftLayer_User_Customer::editObject
-- changes with the rest (SLDN keeps only the username, account and status from it):
-- without columns they were dropped from the template while the call answered true.
ALTER TABLE SoftLayer_User_Customer ADD COLUMN address2 TEXT;
ALTER TABLE SoftLayer_User_Customer ADD COLUMN alternatePhone TEXT;
ALTER TABLE SoftLayer_User_Customer ADD COLUMN sms TEXT;
ALTER TABLE SoftLayer_User_Customer ADD COLUMN aim TEXT;
ALTER TABLE SoftLayer_User_Customer ADD COLUMN icq TEXT;
ALTER TABLE SoftLayer_User_Customer ADD COLUMN msn TEXT;
ALTER TABLE SoftLayer_User_Customer ADD COLUMN yahoo TEXT;
