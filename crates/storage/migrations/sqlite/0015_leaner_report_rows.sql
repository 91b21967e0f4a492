-- Two things every report wrote that nothing needed, a quarter of what SQLite wrote for
-- a batch of reports (measured from the log):
--
-- 1. The unique index on `chain_seq` (0012), about 1.7 of a batch's 10 written pages. On
--    SQLite it guarded nothing the database does not already: every chain entry is appended
--    in a write transaction that first reads the chain's end, and SQLite lets one such
--    transaction commit at a time (a transaction whose read is stale cannot write:
--    SQLITE_BUSY_SNAPSHOT), so two servers on one file cannot take the same place. The
--    reports' end of the chain is now found in row order (storage/src/ledger.rs): reports
--    take their places in the order of their ids, which the verification walk relies on
--    already. PostgreSQL, whose transactions can read the same end concurrently, keeps it.
--
-- 2. The content hash, 64 of a row's 325 bytes. It is a hash of the row's own form, version,
--    station and answers, so it is recomputed from them when needed: when a retry is compared
--    with what is stored (rare), and when the chain is verified, which rebuilt it anyway to
--    check the stored one. A report's chain entry still commits to it, so changed answers
--    still break the chain at that report.
DROP INDEX submissions_by_chain_seq;
ALTER TABLE submissions DROP COLUMN content_hash;
