-- How far a cycle of derived rows written behind got (SQLite only: PostgreSQL writes them with
-- each report, and these stay as they are). Kept on both so the schemas stay one; see the
-- SQLite migration of the same name.
ALTER TABLE derived_upto ADD COLUMN cycle_upto BIGINT NOT NULL DEFAULT 0;
ALTER TABLE derived_upto ADD COLUMN done_observer BIGINT NOT NULL DEFAULT -1;
ALTER TABLE derived_upto ADD COLUMN done_id BIGINT NOT NULL DEFAULT 0;
