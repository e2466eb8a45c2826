-- The email verification links are signed with a key derived from the token keys, which are
-- never in the database (security review L6): the key kept here until now goes, so that nobody
-- who can read the database (or a backup of it) can make a link. Links it signed are refused.
DELETE FROM kv WHERE key = 'email.signing_key';
