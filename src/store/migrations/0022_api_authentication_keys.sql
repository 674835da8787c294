-- A user's API key as SoftLayer_User_Customer_ApiAuthentication (the user's
-- apiAuthenticationKeys, getApiAuthenticationKeys, apiAuthenticationKeyCount), which
-- softlayer-python's `slcli user detail --keys` and `slcli user list` read. The key is the
-- one `authenticate` checks (emulator_credential): a view over it, so that it is kept in
-- one place, and exports, imports and snapshots go on carrying it as `credentials` alone
-- (they take tables, not views).
--
-- SLDN: "There is a max limit of one API key per user", and the credentials hold one per
-- user. The key has no number of its own, so its id is its user's: unique as long as the
-- one-key limit holds, the same in every export and snapshot, and what a script that
-- removes a key by id (removeApiAuthenticationKey) would be handed back. The emulator
-- keeps no address restriction (none: every address may call) nor when the key was
-- last changed: timestampKey (an integer, Unix seconds) is when the user was made, which
-- is when its key was issued here.
--
-- Dropped first: tests put a database back to an older version and run the migrations
-- after it again.
DROP VIEW IF EXISTS SoftLayer_User_Customer_ApiAuthentication;
CREATE VIEW SoftLayer_User_Customer_ApiAuthentication AS
SELECT c.userId AS id,
       c.apiKey AS authenticationKey,
       NULL AS ipAddressRestriction,
       CAST(strftime('%s', u.createDate) AS INTEGER) AS timestampKey,
       c.userId AS userId
FROM emulator_credential c
JOIN SoftLayer_User_Customer u ON u.id = c.userId
WHERE c.apiKey <> '';
