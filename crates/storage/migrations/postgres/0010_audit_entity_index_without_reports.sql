-- Reports' audit entries are written a second's reports at a time, in the order of the audit
-- log's actor index (storage/src/submissions/derived.rs). In an index by entity they landed
-- all over that second's range: about half of the pages a cycle wrote. Nothing looks a
-- report's entry up by entity (they are listed by time, an observer's by actor), so the index
-- by entity leaves them out; a filter on another entity still uses it (storage/src/audit.rs).
DROP INDEX audit_by_entity;
CREATE INDEX audit_by_entity ON audit_log (entity, entity_id) WHERE entity <> 'submission';
