-- No planner statistics for the trigram indexes' own tables (0006). `ANALYZE` (0005, and
-- `seed --synthetic-tickets`) measured them when they held a handful of rows, before a
-- bulk seed filled them, and SQLite then planned FTS5's own lookups (a segment's page by
-- term, a segment's rows to delete after a merge) as scans: a synthetic database took
-- three times as long per addUpdate as one whose statistics happened to differ (issue
-- 14). FTS5's statements are key lookups that need no statistics.
DELETE FROM sqlite_stat1 WHERE tbl IN (
    'emulator_ticket_title_search_data', 'emulator_ticket_title_search_idx',
    'emulator_ticket_title_search_docsize', 'emulator_ticket_title_search_config',
    'emulator_ticket_update_entry_search_data', 'emulator_ticket_update_entry_search_idx',
    'emulator_ticket_update_entry_search_docsize', 'emulator_ticket_update_entry_search_config'
);
