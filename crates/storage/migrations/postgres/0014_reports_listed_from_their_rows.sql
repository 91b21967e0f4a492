-- Reports are listed in the audit log from their own rows, and an observer's own reports are
-- found through `observer_reports`; see the SQLite migration of the same name.
CREATE TABLE observer_reports (
    observer_id BIGINT NOT NULL,
    submission_id BIGINT NOT NULL,
    PRIMARY KEY (observer_id, submission_id)
);
INSERT INTO observer_reports (observer_id, submission_id)
    SELECT observer_id, id FROM submissions WHERE observer_id IS NOT NULL;
DELETE FROM audit_log WHERE entity = 'submission' AND action = 'submission.create';
-- The indexes by time and by entity left reports' entries out (0010, 0013); none are left.
DROP INDEX audit_by_time;
CREATE INDEX audit_by_time ON audit_log (at);
DROP INDEX audit_by_entity;
CREATE INDEX audit_by_entity ON audit_log (entity, entity_id);
