-- The trigram indexes (0006) take a batch's new text at its commit, not row by row.
-- FTS5 writes its pending terms out as a new segment whenever a savepoint opens or ends,
-- and group commit (store/group_commit.rs) gives every writer of a batch a savepoint: so
-- each addUpdate made a segment of its own, and merging those small segments took a
-- quarter of a write's time (issue 14's profile). Now an insert only queues its row; the
-- commit (store::query::index_queued_text, on every commit path) indexes the queue in
-- one statement per index and empties it, inside the same transaction, so no reader ever
-- sees a row the index lacks.
--
-- A queued row is in no index yet: an update or delete of it leaves the queue rather
-- than deleting from an index.
CREATE TABLE emulator_text_index_queue (
    kind INTEGER NOT NULL,   -- 0: SoftLayer_Ticket.title, 1: SoftLayer_Ticket_Update.entry
    rowId INTEGER NOT NULL
);

DROP TRIGGER ticket_title_search_insert;
CREATE TRIGGER ticket_title_search_insert AFTER INSERT ON SoftLayer_Ticket
    WHEN new.title IS NOT NULL BEGIN
    INSERT INTO emulator_text_index_queue (kind, rowId) VALUES (0, new.id);
END;
DROP TRIGGER ticket_title_search_update;
CREATE TRIGGER ticket_title_search_update AFTER UPDATE OF id, title ON SoftLayer_Ticket BEGIN
    DELETE FROM emulator_ticket_title_search WHERE rowid = old.id AND NOT EXISTS
        (SELECT 1 FROM emulator_text_index_queue WHERE kind = 0 AND rowId = old.id);
    DELETE FROM emulator_text_index_queue WHERE kind = 0 AND rowId = old.id;
    INSERT INTO emulator_ticket_title_search (rowid, title)
        SELECT new.id, sl_fold(new.title) WHERE new.title IS NOT NULL;
END;
DROP TRIGGER ticket_title_search_delete;
CREATE TRIGGER ticket_title_search_delete AFTER DELETE ON SoftLayer_Ticket BEGIN
    DELETE FROM emulator_ticket_title_search WHERE rowid = old.id AND NOT EXISTS
        (SELECT 1 FROM emulator_text_index_queue WHERE kind = 0 AND rowId = old.id);
    DELETE FROM emulator_text_index_queue WHERE kind = 0 AND rowId = old.id;
END;

DROP TRIGGER ticket_update_entry_search_insert;
CREATE TRIGGER ticket_update_entry_search_insert AFTER INSERT ON SoftLayer_Ticket_Update
    WHEN new.entry IS NOT NULL BEGIN
    INSERT INTO emulator_text_index_queue (kind, rowId) VALUES (1, new.id);
END;
DROP TRIGGER ticket_update_entry_search_update;
CREATE TRIGGER ticket_update_entry_search_update AFTER UPDATE OF id, entry
    ON SoftLayer_Ticket_Update BEGIN
    DELETE FROM emulator_ticket_update_entry_search WHERE rowid = old.id AND NOT EXISTS
        (SELECT 1 FROM emulator_text_index_queue WHERE kind = 1 AND rowId = old.id);
    DELETE FROM emulator_text_index_queue WHERE kind = 1 AND rowId = old.id;
    INSERT INTO emulator_ticket_update_entry_search (rowid, entry)
        SELECT new.id, sl_fold(new.entry) WHERE new.entry IS NOT NULL;
END;
DROP TRIGGER ticket_update_entry_search_delete;
CREATE TRIGGER ticket_update_entry_search_delete AFTER DELETE ON SoftLayer_Ticket_Update BEGIN
    DELETE FROM emulator_ticket_update_entry_search WHERE rowid = old.id AND NOT EXISTS
        (SELECT 1 FROM emulator_text_index_queue WHERE kind = 1 AND rowId = old.id);
    DELETE FROM emulator_text_index_queue WHERE kind = 1 AND rowId = old.id;
END;
