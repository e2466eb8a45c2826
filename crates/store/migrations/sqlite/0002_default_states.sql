-- The states every installation starts with; an administrator adds their criteria.
INSERT INTO states (name, priority) VALUES ('Member', 100), ('Blue', 50), ('Guest', 0);
INSERT INTO state_permissions (state_id, permission)
SELECT id, 'standings.request' FROM states WHERE name = 'Member';
