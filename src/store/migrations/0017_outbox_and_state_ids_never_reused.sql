-- 0014's high-water marks for two more tables whose rows go with their account: the
-- outbox's mail and tickets' states (a state's row also goes when its flag is cleared).
-- Their ids came back after DELETE /_emulator/accounts/{id}, so an account exported,
-- deleted and imported again was refused (409, "UNIQUE constraint failed:
-- emulator_outbox.id") once another ticket had mail or a state meanwhile. Their inserts
-- take the id above the mark and the table's highest (store::harness::outbox_insert,
-- store::set_ticket_state).
INSERT INTO derived_id_high_water (tableName, lastId)
    SELECT 'emulator_outbox', coalesce(max(id), 0) FROM emulator_outbox
    UNION ALL SELECT 'SoftLayer_Ticket_State', coalesce(max(id), 0) FROM SoftLayer_Ticket_State;

CREATE TRIGGER id_high_water_outbox AFTER DELETE ON emulator_outbox BEGIN
    UPDATE derived_id_high_water SET lastId = old.id
        WHERE tableName = 'emulator_outbox' AND lastId < old.id;
END;
CREATE TRIGGER id_high_water_ticket_state AFTER DELETE ON SoftLayer_Ticket_State BEGIN
    UPDATE derived_id_high_water SET lastId = old.id
        WHERE tableName = 'SoftLayer_Ticket_State' AND lastId < old.id;
END;
