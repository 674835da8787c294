-- Text search (*=, ^=, $=) on ticket titles and update entries at a million tickets:
-- trigram indexes (FTS5) over the text folded as the filters fold it (`sl_fold`, Unicode
-- lower case: store/query.rs registers it on every connection). A search looks up the
-- rows holding every trigram of the folded needle and checks those with the exact
-- predicate, so the answers are the plain scan's (store/query.rs, `trigram_query`).
--
-- Contentless (the text is in the tables already) with deletes by rowid, and with
-- positions (detail=full), so a needle is a phrase of consecutive trigrams: the rows
-- found are those whose folded text contains the folded needle. case_sensitive 1: the
-- text is folded already.
CREATE VIRTUAL TABLE emulator_ticket_title_search USING fts5(
    title, content = '', contentless_delete = 1,
    tokenize = 'trigram case_sensitive 1'
);
CREATE VIRTUAL TABLE emulator_ticket_update_entry_search USING fts5(
    entry, content = '', contentless_delete = 1,
    tokenize = 'trigram case_sensitive 1'
);
INSERT INTO emulator_ticket_title_search (rowid, title)
    SELECT id, sl_fold(title) FROM SoftLayer_Ticket WHERE title IS NOT NULL;
INSERT INTO emulator_ticket_update_entry_search (rowid, entry)
    SELECT id, sl_fold(entry) FROM SoftLayer_Ticket_Update WHERE entry IS NOT NULL;

-- Kept in step with every write, whoever writes (the server, `support`, `load`, `seed`).
CREATE TRIGGER ticket_title_search_insert AFTER INSERT ON SoftLayer_Ticket
    WHEN new.title IS NOT NULL BEGIN
    INSERT INTO emulator_ticket_title_search (rowid, title) VALUES (new.id, sl_fold(new.title));
END;
CREATE TRIGGER ticket_title_search_update AFTER UPDATE OF id, title ON SoftLayer_Ticket BEGIN
    DELETE FROM emulator_ticket_title_search WHERE rowid = old.id;
    INSERT INTO emulator_ticket_title_search (rowid, title)
        SELECT new.id, sl_fold(new.title) WHERE new.title IS NOT NULL;
END;
CREATE TRIGGER ticket_title_search_delete AFTER DELETE ON SoftLayer_Ticket BEGIN
    DELETE FROM emulator_ticket_title_search WHERE rowid = old.id;
END;

CREATE TRIGGER ticket_update_entry_search_insert AFTER INSERT ON SoftLayer_Ticket_Update
    WHEN new.entry IS NOT NULL BEGIN
    INSERT INTO emulator_ticket_update_entry_search (rowid, entry)
        VALUES (new.id, sl_fold(new.entry));
END;
CREATE TRIGGER ticket_update_entry_search_update AFTER UPDATE OF id, entry
    ON SoftLayer_Ticket_Update BEGIN
    DELETE FROM emulator_ticket_update_entry_search WHERE rowid = old.id;
    INSERT INTO emulator_ticket_update_entry_search (rowid, entry)
        SELECT new.id, sl_fold(new.entry) WHERE new.entry IS NOT NULL;
END;
CREATE TRIGGER ticket_update_entry_search_delete AFTER DELETE ON SoftLayer_Ticket_Update BEGIN
    DELETE FROM emulator_ticket_update_entry_search WHERE rowid = old.id;
END;
