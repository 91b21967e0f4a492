-- The highest report id whose derived rows (coverage counters, audit entry) are written. On
-- PostgreSQL they are written in each report's own transaction, which keeps this mark where it
-- is; on SQLite they are written behind (storage/src/submissions/derived.rs). Kept on both so
-- the schemas stay one.
CREATE TABLE derived_upto (
    single BIGINT PRIMARY KEY CHECK (single = 1),
    submission_id BIGINT NOT NULL
);
INSERT INTO derived_upto (single, submission_id) SELECT 1, COALESCE(MAX(id), 0) FROM submissions;
