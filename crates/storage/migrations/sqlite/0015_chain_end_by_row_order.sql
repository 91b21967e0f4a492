-- The unique index on `chain_seq` (0012) cost every batch of reports about 1.7 of its 10
-- written pages, a sixth of what SQLite wrote for reports (measured from the log). On SQLite
-- it guarded nothing the database does not already: every chain entry is appended in a write
-- transaction that first reads the chain's end, and SQLite lets one such transaction commit
-- at a time (a transaction whose read is stale cannot write: SQLITE_BUSY_SNAPSHOT), so two
-- servers on one file cannot take the same place. The reports' end of the chain is now found
-- in row order (storage/src/ledger.rs): reports take their places in the order of their ids,
-- which the verification walk relies on already. PostgreSQL, whose transactions can read the
-- same end concurrently, keeps the index.
DROP INDEX submissions_by_chain_seq;
