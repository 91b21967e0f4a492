-- An accepted report's hash-chain entry is kept in the report's own row from now on: its
-- place in the chain and its hash. Its kind, subject and payload follow from the row (see
-- storage/src/ledger.rs), so a report is one row written instead of two, and the database
-- holds each report's facts once. Entries of other kinds, and of reports stored before this
-- migration, stay in `ledger`; `seq` runs through both.
ALTER TABLE submissions ADD COLUMN chain_seq BIGINT;
ALTER TABLE submissions ADD COLUMN chain_hash TEXT;
