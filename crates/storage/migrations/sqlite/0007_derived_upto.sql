-- The highest report id whose derived rows (coverage counters, audit entry) are written. On
-- SQLite they are written behind the reports, many at a time, in the same transaction as this
-- mark (storage/src/submissions/derived.rs); reports above it are re-derived on start.
-- Every report stored so far has its rows.
CREATE TABLE derived_upto (
    single INTEGER PRIMARY KEY CHECK (single = 1),
    submission_id INTEGER NOT NULL
);
INSERT INTO derived_upto (single, submission_id) SELECT 1, COALESCE(MAX(id), 0) FROM submissions;
