-- The time zones users are set to (SoftLayer_User_Customer.timezoneId, which dates in
-- replies follow: src/time.rs), as objects, so that `mask[timezone]` answers with one
-- as the real API does instead of nothing. The rows are time::TIMEZONES (a unit test
-- keeps the two alike); 113 is softlayer-python's fixture, word for word. `offset` and
-- `shortName` are the standard time's, as SoftLayer gives them.
CREATE TABLE SoftLayer_Locale_Timezone (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    longName TEXT NOT NULL,
    "offset" TEXT NOT NULL,
    shortName TEXT NOT NULL
);
INSERT INTO SoftLayer_Locale_Timezone (id, name, longName, "offset", shortName) VALUES
    (113, 'America/Chicago', '(GMT-06:00) America/Chicago - CST', '-0600', 'CST'),
    (114, 'America/New_York', '(GMT-05:00) America/New_York - EST', '-0500', 'EST'),
    (115, 'America/Denver', '(GMT-07:00) America/Denver - MST', '-0700', 'MST'),
    (116, 'America/Los_Angeles', '(GMT-08:00) America/Los_Angeles - PST', '-0800', 'PST'),
    (117, 'UTC', '(GMT+00:00) UTC - UTC', '+0000', 'UTC'),
    (118, 'Europe/London', '(GMT+00:00) Europe/London - GMT', '+0000', 'GMT'),
    (119, 'Europe/Berlin', '(GMT+01:00) Europe/Berlin - CET', '+0100', 'CET'),
    (120, 'Europe/Stockholm', '(GMT+01:00) Europe/Stockholm - CET', '+0100', 'CET'),
    (121, 'Asia/Tokyo', '(GMT+09:00) Asia/Tokyo - JST', '+0900', 'JST'),
    (122, 'Asia/Kolkata', '(GMT+05:30) Asia/Kolkata - IST', '+0530', 'IST'),
    (123, 'Australia/Sydney', '(GMT+10:00) Australia/Sydney - AEST', '+1000', 'AEST'),
    (124, 'Europe/Amsterdam', '(GMT+01:00) Europe/Amsterdam - CET', '+0100', 'CET');
