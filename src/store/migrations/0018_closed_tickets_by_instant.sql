-- Closed tickets by when they were closed, as an instant: the relations of a day or a
-- few days (`ticketsClosedToday`, `ticketsClosedInTheLastThreeDays`) compare
-- julianday(closeDate) with a range, which the index on the stored text could not
-- serve (ticketsClosedToday read every closed ticket: 0.7 s at a million), and the
-- newest-first relations (`lastFiveClosedTickets`) order by the same instant, which the
-- text misorders in the hour a fall-back to standard time repeats.
DROP INDEX ticket_account_closed;
CREATE INDEX ticket_account_closed ON SoftLayer_Ticket(accountId, statusId, julianday(closeDate));
-- Its statistics (as 0005's ANALYZE took for the others): without them the planner took
-- it for a better index of accountId alone than ticket_account_created, and sorted
-- every ticket for a page in createDate order.
ANALYZE ticket_account_closed;
