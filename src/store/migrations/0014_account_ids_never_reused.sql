-- Deleting an account (DELETE /_emulator/accounts/{id}) removed the newest rows of its
-- tables, and the next account created got the same account id, user id, generated
-- username (user{id}), ticket and update ids: a test's `journal?account=` then showed the
-- calls of the deleted account, made by "its" user on "its" tickets. 0010 keeps a
-- high-water mark for the link tables the API removes rows from; here the same marks for
-- the tables an account owns, raised by AFTER DELETE triggers rather than on insert:
-- these are the hot inserts (tickets, updates: 0013 says what an insert trigger costs),
-- and a mark that is at least every id deleted is enough, since store::next_id takes the
-- larger of it and the table's highest id. Ids these tables' inserts leave to SQLite's
-- rowid choice do not read the mark: those inserts ask store::next_id (insert_new).
INSERT INTO derived_id_high_water (tableName, lastId)
    SELECT 'SoftLayer_Account', coalesce(max(id), 0) FROM SoftLayer_Account
    UNION ALL SELECT 'SoftLayer_User_Customer', coalesce(max(id), 0) FROM SoftLayer_User_Customer
    UNION ALL SELECT 'SoftLayer_User_Customer_AdditionalEmail', coalesce(max(id), 0) FROM SoftLayer_User_Customer_AdditionalEmail
    UNION ALL SELECT 'SoftLayer_Hardware', coalesce(max(id), 0) FROM SoftLayer_Hardware
    UNION ALL SELECT 'SoftLayer_Virtual_Guest', coalesce(max(id), 0) FROM SoftLayer_Virtual_Guest
    UNION ALL SELECT 'SoftLayer_Virtual_DedicatedHost', coalesce(max(id), 0) FROM SoftLayer_Virtual_DedicatedHost
    UNION ALL SELECT 'SoftLayer_Ticket', coalesce(max(id), 0) FROM SoftLayer_Ticket
    UNION ALL SELECT 'SoftLayer_Ticket_Update', coalesce(max(id), 0) FROM SoftLayer_Ticket_Update
    UNION ALL SELECT 'SoftLayer_Ticket_Attachment_File', coalesce(max(id), 0) FROM SoftLayer_Ticket_Attachment_File;

CREATE TRIGGER id_high_water_account AFTER DELETE ON SoftLayer_Account BEGIN
    UPDATE derived_id_high_water SET lastId = old.id
        WHERE tableName = 'SoftLayer_Account' AND lastId < old.id;
END;
CREATE TRIGGER id_high_water_user AFTER DELETE ON SoftLayer_User_Customer BEGIN
    UPDATE derived_id_high_water SET lastId = old.id
        WHERE tableName = 'SoftLayer_User_Customer' AND lastId < old.id;
END;
CREATE TRIGGER id_high_water_additional_email AFTER DELETE ON SoftLayer_User_Customer_AdditionalEmail BEGIN
    UPDATE derived_id_high_water SET lastId = old.id
        WHERE tableName = 'SoftLayer_User_Customer_AdditionalEmail' AND lastId < old.id;
END;
CREATE TRIGGER id_high_water_hardware AFTER DELETE ON SoftLayer_Hardware BEGIN
    UPDATE derived_id_high_water SET lastId = old.id
        WHERE tableName = 'SoftLayer_Hardware' AND lastId < old.id;
END;
CREATE TRIGGER id_high_water_guest AFTER DELETE ON SoftLayer_Virtual_Guest BEGIN
    UPDATE derived_id_high_water SET lastId = old.id
        WHERE tableName = 'SoftLayer_Virtual_Guest' AND lastId < old.id;
END;
CREATE TRIGGER id_high_water_host AFTER DELETE ON SoftLayer_Virtual_DedicatedHost BEGIN
    UPDATE derived_id_high_water SET lastId = old.id
        WHERE tableName = 'SoftLayer_Virtual_DedicatedHost' AND lastId < old.id;
END;
CREATE TRIGGER id_high_water_ticket AFTER DELETE ON SoftLayer_Ticket BEGIN
    UPDATE derived_id_high_water SET lastId = old.id
        WHERE tableName = 'SoftLayer_Ticket' AND lastId < old.id;
END;
CREATE TRIGGER id_high_water_update AFTER DELETE ON SoftLayer_Ticket_Update BEGIN
    UPDATE derived_id_high_water SET lastId = old.id
        WHERE tableName = 'SoftLayer_Ticket_Update' AND lastId < old.id;
END;
CREATE TRIGGER id_high_water_file AFTER DELETE ON SoftLayer_Ticket_Attachment_File BEGIN
    UPDATE derived_id_high_water SET lastId = old.id
        WHERE tableName = 'SoftLayer_Ticket_Attachment_File' AND lastId < old.id;
END;
