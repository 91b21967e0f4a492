-- A report's audit entry said no more than its own row does (when, who, which channel, which
-- form and station), yet cost every report a row in the audit log and a place in its index by
-- actor: a third of what SQLite wrote for a report behind it (storage/src/submissions/derived.rs).
-- The audit log now lists reports from `submissions` itself (storage/src/audit.rs), and an
-- observer's own reports are found through `observer_reports`, written behind the reports in
-- their place. The entries become redundant, so they are removed: each is shown as before,
-- from the report's row, which the hash chain covers (an audit row was never chained).
CREATE TABLE observer_reports (
    observer_id INTEGER NOT NULL,
    submission_id INTEGER NOT NULL,
    PRIMARY KEY (observer_id, submission_id)
) WITHOUT ROWID;
-- Reports still pending behind (derived_upto) are written again by the writer: it ignores
-- the ones already here.
INSERT INTO observer_reports (observer_id, submission_id)
    SELECT observer_id, id FROM submissions WHERE observer_id IS NOT NULL;
DELETE FROM audit_log WHERE entity = 'submission' AND action = 'submission.create';
-- The indexes by time and by entity left reports' entries out (0010, 0013); none are left.
DROP INDEX audit_by_time;
CREATE INDEX audit_by_time ON audit_log (at);
DROP INDEX audit_by_entity;
CREATE INDEX audit_by_entity ON audit_log (entity, entity_id);
