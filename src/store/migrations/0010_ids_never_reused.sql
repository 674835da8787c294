-- SoftLayer never hands out an id twice, but SQLite's rowids and the emulator's own
-- next id (store::next_id) are both "the highest id in the table, plus one": removing
-- the newest attachment, scheduled action, transaction or tag reference gave its id to
-- the next one. This table keeps the highest id each of those tables has ever held,
-- raised by the triggers below on every insert (whatever the path: API, seed, import),
-- and store::next_id never goes below it. Plain AUTOINCREMENT would need each table
-- rebuilt under its foreign keys and the attachment view, and the three device link
-- tables share one id space that a per-table sequence cannot keep. Bookkeeping, not
-- data: named derived_… like derived_ticket_tally, so export leaves it out (an import
-- raises it through the triggers).
CREATE TABLE derived_id_high_water (
    tableName TEXT PRIMARY KEY,
    lastId INTEGER NOT NULL
) WITHOUT ROWID;

-- An existing database starts from the ids it holds now.
INSERT INTO derived_id_high_water (tableName, lastId)
    SELECT 'SoftLayer_Ticket_Attachment_Hardware', coalesce(max(id), 0) FROM SoftLayer_Ticket_Attachment_Hardware
    UNION ALL SELECT 'SoftLayer_Ticket_Attachment_Virtual_Guest', coalesce(max(id), 0) FROM SoftLayer_Ticket_Attachment_Virtual_Guest
    UNION ALL SELECT 'SoftLayer_Ticket_Attachment_Dedicated_Host', coalesce(max(id), 0) FROM SoftLayer_Ticket_Attachment_Dedicated_Host
    UNION ALL SELECT 'SoftLayer_Ticket_Attachment_Assigned_Agent', coalesce(max(id), 0) FROM SoftLayer_Ticket_Attachment_Assigned_Agent
    UNION ALL SELECT 'SoftLayer_Ticket_Attachment_Scheduled_Action', coalesce(max(id), 0) FROM SoftLayer_Ticket_Attachment_Scheduled_Action
    UNION ALL SELECT 'SoftLayer_Provisioning_Version1_Transaction', coalesce(max(id), 0) FROM SoftLayer_Provisioning_Version1_Transaction
    UNION ALL SELECT 'SoftLayer_Tag_Reference', coalesce(max(id), 0) FROM SoftLayer_Tag_Reference;

CREATE TRIGGER id_high_water_hardware_link AFTER INSERT ON SoftLayer_Ticket_Attachment_Hardware BEGIN
    UPDATE derived_id_high_water SET lastId = new.id
        WHERE tableName = 'SoftLayer_Ticket_Attachment_Hardware' AND lastId < new.id;
END;
CREATE TRIGGER id_high_water_guest_link AFTER INSERT ON SoftLayer_Ticket_Attachment_Virtual_Guest BEGIN
    UPDATE derived_id_high_water SET lastId = new.id
        WHERE tableName = 'SoftLayer_Ticket_Attachment_Virtual_Guest' AND lastId < new.id;
END;
CREATE TRIGGER id_high_water_host_link AFTER INSERT ON SoftLayer_Ticket_Attachment_Dedicated_Host BEGIN
    UPDATE derived_id_high_water SET lastId = new.id
        WHERE tableName = 'SoftLayer_Ticket_Attachment_Dedicated_Host' AND lastId < new.id;
END;
CREATE TRIGGER id_high_water_agent_link AFTER INSERT ON SoftLayer_Ticket_Attachment_Assigned_Agent BEGIN
    UPDATE derived_id_high_water SET lastId = new.id
        WHERE tableName = 'SoftLayer_Ticket_Attachment_Assigned_Agent' AND lastId < new.id;
END;
CREATE TRIGGER id_high_water_scheduled_action AFTER INSERT ON SoftLayer_Ticket_Attachment_Scheduled_Action BEGIN
    UPDATE derived_id_high_water SET lastId = new.id
        WHERE tableName = 'SoftLayer_Ticket_Attachment_Scheduled_Action' AND lastId < new.id;
END;
CREATE TRIGGER id_high_water_transaction AFTER INSERT ON SoftLayer_Provisioning_Version1_Transaction BEGIN
    UPDATE derived_id_high_water SET lastId = new.id
        WHERE tableName = 'SoftLayer_Provisioning_Version1_Transaction' AND lastId < new.id;
END;
CREATE TRIGGER id_high_water_tag_reference AFTER INSERT ON SoftLayer_Tag_Reference BEGIN
    UPDATE derived_id_high_water SET lastId = new.id
        WHERE tableName = 'SoftLayer_Tag_Reference' AND lastId < new.id;
END;
