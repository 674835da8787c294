-- 0014's high-water marks for the other tables an account's deletion empties: the
-- invoices of administrative tickets, their items, and tags. Their inserts ask
-- store::next_id (insert_new) as 0014's do.
INSERT INTO derived_id_high_water (tableName, lastId)
    SELECT 'SoftLayer_Billing_Invoice', coalesce(max(id), 0) FROM SoftLayer_Billing_Invoice
    UNION ALL SELECT 'SoftLayer_Billing_Invoice_Item', coalesce(max(id), 0) FROM SoftLayer_Billing_Invoice_Item
    UNION ALL SELECT 'SoftLayer_Tag', coalesce(max(id), 0) FROM SoftLayer_Tag;

CREATE TRIGGER id_high_water_invoice AFTER DELETE ON SoftLayer_Billing_Invoice BEGIN
    UPDATE derived_id_high_water SET lastId = old.id
        WHERE tableName = 'SoftLayer_Billing_Invoice' AND lastId < old.id;
END;
CREATE TRIGGER id_high_water_invoice_item AFTER DELETE ON SoftLayer_Billing_Invoice_Item BEGIN
    UPDATE derived_id_high_water SET lastId = old.id
        WHERE tableName = 'SoftLayer_Billing_Invoice_Item' AND lastId < old.id;
END;
CREATE TRIGGER id_high_water_tag AFTER DELETE ON SoftLayer_Tag BEGIN
    UPDATE derived_id_high_water SET lastId = old.id
        WHERE tableName = 'SoftLayer_Tag' AND lastId < old.id;
END;
