-- Who made a ticket's last edit, of the kind its lastEditType says: SLDN's `lastEditor`.
-- An edit need not add an update (an employee's close, a customer's edit of the
-- priority), so the last update's editor is not it. Unset for tickets edited before (and
-- for an employee's edit the support desk names no employee for): the last update's
-- editor of that kind stands in.
ALTER TABLE SoftLayer_Ticket ADD COLUMN lastEditorId INTEGER;
