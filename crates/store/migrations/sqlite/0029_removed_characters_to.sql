-- The characters that came to an account from another (the application API's
-- `incoming-characters`, issue 12), read by the account they moved to. Keep the index identical
-- to the PostgreSQL migration 0030 (a test compares them).
CREATE INDEX removed_characters_to ON removed_characters (to_account_id, removed_at);
