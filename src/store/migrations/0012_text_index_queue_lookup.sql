-- The text index queue (0009) can now hold tens of thousands of rows while writes come
-- faster than the writer has time to index them (store/query.rs, QUEUED_TEXT_ROWS), and
-- the update and delete triggers ask it whether a row is still queued: without this
-- index each of them read the whole queue.
CREATE INDEX IF NOT EXISTS emulator_text_index_queue_row ON emulator_text_index_queue (kind, rowId);
-- IF NOT EXISTS: builds before this one lowered user_version to their own count when they
-- opened a newer database (store::migrate no longer does), so this may run again.
