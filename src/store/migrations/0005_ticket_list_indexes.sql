-- Ticket lists at a million tickets: an equality filter on any of the properties
-- clients filter by (priority, subject, status, assigned user, group), ordered by
-- createDate, lastEditDate or id in either direction, limited to a page.
--
-- Pages: for each property P, indexes (accountId, P, order key, id, statusId) deliver the
-- matches in the requested order with ties by id (descending dates sort only the ties),
-- so a page stops after its limit whatever P's value and however common it is; statusId
-- rides along so the open/closed lists are told apart inside the index, without
-- reading the table. (accountId, statusId, id) exists.
CREATE INDEX ticket_account_priority_last_edit
    ON SoftLayer_Ticket(accountId, priority, julianday(lastEditDate), id, statusId);
CREATE INDEX ticket_account_priority_id ON SoftLayer_Ticket(accountId, priority, id, statusId);
DROP INDEX ticket_account_priority_created;
CREATE INDEX ticket_account_priority_created
    ON SoftLayer_Ticket(accountId, priority, julianday(createDate), id, statusId);
CREATE INDEX ticket_account_subject_created
    ON SoftLayer_Ticket(accountId, subjectId, julianday(createDate), id, statusId);
CREATE INDEX ticket_account_subject_last_edit
    ON SoftLayer_Ticket(accountId, subjectId, julianday(lastEditDate), id, statusId);
CREATE INDEX ticket_account_subject_id ON SoftLayer_Ticket(accountId, subjectId, id, statusId);
CREATE INDEX ticket_account_status_created
    ON SoftLayer_Ticket(accountId, statusId, julianday(createDate));
CREATE INDEX ticket_account_status_last_edit
    ON SoftLayer_Ticket(accountId, statusId, julianday(lastEditDate));
CREATE INDEX ticket_account_user_created
    ON SoftLayer_Ticket(accountId, assignedUserId, julianday(createDate), id, statusId);
CREATE INDEX ticket_account_user_last_edit
    ON SoftLayer_Ticket(accountId, assignedUserId, julianday(lastEditDate), id, statusId);
CREATE INDEX ticket_account_user_id ON SoftLayer_Ticket(accountId, assignedUserId, id, statusId);
CREATE INDEX ticket_account_group_created
    ON SoftLayer_Ticket(accountId, groupId, julianday(createDate), id, statusId);
CREATE INDEX ticket_account_group_last_edit
    ON SoftLayer_Ticket(accountId, groupId, julianday(lastEditDate), id, statusId);
CREATE INDEX ticket_account_group_id ON SoftLayer_Ticket(accountId, groupId, id, statusId);
-- Superseded by the (accountId, …) indexes above.
DROP INDEX IF EXISTS ticket_subject;

-- Totals: every limited list reports how many match in all (SoftLayer-Total-Items), and
-- counting the 400,000 tickets of a common priority takes tens of milliseconds however
-- good the index. The tally holds the number of tickets per combination of the columns
-- lists are narrowed by (a few hundred rows for a million tickets); a count whose
-- conditions read no other ticket column sums the tally instead (store/query.rs).
-- Triggers keep it in step with every write; `IS` because the columns may be NULL.
-- Named `derived_…`, not `emulator_…`: it is no data of its own, so export, import and
-- account deletion (store/dump.rs takes SoftLayer_ and emulator_ tables) leave it to
-- the triggers.
CREATE TABLE derived_ticket_tally (
    accountId INTEGER,
    statusId INTEGER,
    priority INTEGER,
    subjectId INTEGER,
    groupId INTEGER,
    assignedUserId INTEGER,
    n INTEGER NOT NULL
);
CREATE INDEX derived_ticket_tally_key
    ON derived_ticket_tally(accountId, statusId, priority, subjectId, groupId, assignedUserId);
INSERT INTO derived_ticket_tally
    SELECT accountId, statusId, priority, subjectId, groupId, assignedUserId, count(*)
    FROM SoftLayer_Ticket GROUP BY 1, 2, 3, 4, 5, 6;

CREATE TRIGGER ticket_tally_insert AFTER INSERT ON SoftLayer_Ticket BEGIN
    INSERT INTO derived_ticket_tally
        SELECT new.accountId, new.statusId, new.priority, new.subjectId, new.groupId,
               new.assignedUserId, 0
        WHERE NOT EXISTS (SELECT 1 FROM derived_ticket_tally
            WHERE accountId IS new.accountId AND statusId IS new.statusId
              AND priority IS new.priority AND subjectId IS new.subjectId
              AND groupId IS new.groupId AND assignedUserId IS new.assignedUserId);
    UPDATE derived_ticket_tally SET n = n + 1
        WHERE accountId IS new.accountId AND statusId IS new.statusId
          AND priority IS new.priority AND subjectId IS new.subjectId
          AND groupId IS new.groupId AND assignedUserId IS new.assignedUserId;
END;

CREATE TRIGGER ticket_tally_delete AFTER DELETE ON SoftLayer_Ticket BEGIN
    UPDATE derived_ticket_tally SET n = n - 1
        WHERE accountId IS old.accountId AND statusId IS old.statusId
          AND priority IS old.priority AND subjectId IS old.subjectId
          AND groupId IS old.groupId AND assignedUserId IS old.assignedUserId;
END;

CREATE TRIGGER ticket_tally_update
    AFTER UPDATE OF accountId, statusId, priority, subjectId, groupId, assignedUserId
    ON SoftLayer_Ticket BEGIN
    UPDATE derived_ticket_tally SET n = n - 1
        WHERE accountId IS old.accountId AND statusId IS old.statusId
          AND priority IS old.priority AND subjectId IS old.subjectId
          AND groupId IS old.groupId AND assignedUserId IS old.assignedUserId;
    INSERT INTO derived_ticket_tally
        SELECT new.accountId, new.statusId, new.priority, new.subjectId, new.groupId,
               new.assignedUserId, 0
        WHERE NOT EXISTS (SELECT 1 FROM derived_ticket_tally
            WHERE accountId IS new.accountId AND statusId IS new.statusId
              AND priority IS new.priority AND subjectId IS new.subjectId
              AND groupId IS new.groupId AND assignedUserId IS new.assignedUserId);
    UPDATE derived_ticket_tally SET n = n + 1
        WHERE accountId IS new.accountId AND statusId IS new.statusId
          AND priority IS new.priority AND subjectId IS new.subjectId
          AND groupId IS new.groupId AND assignedUserId IS new.assignedUserId;
END;

-- Statistics for the new indexes (the planner tells selective ones from the others).
ANALYZE;
