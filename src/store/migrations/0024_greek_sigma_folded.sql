-- `sl_fold` now folds the final sigma ς as σ (store/query.rs, `fold_case`): lowering
-- alone gave ς for a Σ ending a word, so `*= ΟΔΟΣ` missed the title `ΟΔΟΣΑ`. The trigram
-- indexes (0006) hold the old fold of every text with a Σ or a ς; those rows alone are
-- indexed again, so a search's candidates are still every match. Rows still queued
-- (0009) are in no index yet, and are indexed with the new fold when their turn comes.
CREATE TEMP TABLE sigma_folded_again (kind INTEGER NOT NULL, id INTEGER NOT NULL);
INSERT INTO sigma_folded_again (kind, id)
    SELECT 0, id FROM SoftLayer_Ticket
    WHERE (instr(title, 'Σ') > 0 OR instr(title, 'ς') > 0)
      AND NOT EXISTS (SELECT 1 FROM emulator_text_index_queue q WHERE q.kind = 0 AND q.rowId = id);
INSERT INTO sigma_folded_again (kind, id)
    SELECT 1, id FROM SoftLayer_Ticket_Update
    WHERE (instr(entry, 'Σ') > 0 OR instr(entry, 'ς') > 0)
      AND NOT EXISTS (SELECT 1 FROM emulator_text_index_queue q WHERE q.kind = 1 AND q.rowId = id);

DELETE FROM emulator_ticket_title_search
    WHERE rowid IN (SELECT id FROM sigma_folded_again WHERE kind = 0);
INSERT INTO emulator_ticket_title_search (rowid, title)
    SELECT t.id, sl_fold(t.title) FROM SoftLayer_Ticket t
    WHERE t.id IN (SELECT id FROM sigma_folded_again WHERE kind = 0) ORDER BY t.id;
DELETE FROM emulator_ticket_update_entry_search
    WHERE rowid IN (SELECT id FROM sigma_folded_again WHERE kind = 1);
INSERT INTO emulator_ticket_update_entry_search (rowid, entry)
    SELECT u.id, sl_fold(u.entry) FROM SoftLayer_Ticket_Update u
    WHERE u.id IN (SELECT id FROM sigma_folded_again WHERE kind = 1) ORDER BY u.id;
DROP TABLE sigma_folded_again;
