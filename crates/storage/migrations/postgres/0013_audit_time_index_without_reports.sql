-- Reports' audit entries are written a second's reports at a time in the order of the audit
-- log's actor index (storage/src/submissions/derived.rs), their times spread over that
-- second: in an index by time each chunk of them wrote about a page per 5 entries, a third
-- of the pages the derived rows cost, while every batch of reports waited. The index by time
-- now leaves them out, as the index by entity does (0010). Listing the whole log by time
-- sorts it instead (a few hundred ms at a million entries, an admin's page); listing by
-- actor, or any entity but reports, still reads an index (storage/src/audit.rs).
DROP INDEX audit_by_time;
CREATE INDEX audit_by_time ON audit_log (at) WHERE entity <> 'submission';
