-- Derived rows (coverage counts, audit entries) are written a second's reports at a time, in
-- the order of the audit log's actor index, split into transactions of ~1,000 reports
-- (storage/src/submissions/derived.rs). Between them the mark records how far such a cycle
-- got: a report is derived when its id is at most submission_id, or at most cycle_upto and
-- (its observer, or -1, and its id) at most (done_observer, done_id). A server from before this
-- migration knows only submission_id: stop it before starting one that has it, or it would
-- write again the rows of a cycle's chunks already written.
ALTER TABLE derived_upto ADD COLUMN cycle_upto INTEGER NOT NULL DEFAULT 0;
ALTER TABLE derived_upto ADD COLUMN done_observer INTEGER NOT NULL DEFAULT -1;
ALTER TABLE derived_upto ADD COLUMN done_id INTEGER NOT NULL DEFAULT 0;
