-- A new ticket's row in the tally (0005) and its place in the text index queue (0009)
-- are written by the code that inserts tickets (store::insert, store::ticket_added), no
-- longer by AFTER INSERT triggers.
--
-- Why: a trigger makes SQLite treat the INSERT as a statement that may write many rows,
-- and julianday() in the list indexes makes it one that may abort half way; such a
-- statement keeps its own journal of every page it changes, so that it can be undone on
-- its own. A ticket's INSERT changes a page of each of its 22 indexes: the journal was a
-- third of the INSERT's instructions (400k with the triggers, 212k without them, 338k
-- with a trigger that does nothing), and 18% of the writer thread's time under
-- createStandardTicket load. Updates and deletes of tickets keep their triggers.
DROP TRIGGER IF EXISTS ticket_tally_insert;
DROP TRIGGER IF EXISTS ticket_title_search_insert;
