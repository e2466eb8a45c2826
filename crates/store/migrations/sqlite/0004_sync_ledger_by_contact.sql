-- Who holds a contact Jumpgate wrote: the approver's preview of a change reads the ledger rows of
-- one contact id across every enrolled character (10,000 characters × 1,000 contacts would
-- otherwise be scanned whole for each preview).
CREATE INDEX sync_ledger_contact ON sync_ledger (contact_id);
