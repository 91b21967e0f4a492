-- A report's chain entry commits to the device's time and to whether it was far off (the
-- flag a coordinator reads before trusting it) from here on: edited behind pollwatch's back,
-- either now breaks the chain at that report. Entries made before were hashed without them,
-- and are rebuilt without them: this records where the chain's format changes.
CREATE TABLE chain_formats (
    from_seq BIGINT PRIMARY KEY,
    format INTEGER NOT NULL
);
INSERT INTO chain_formats (from_seq, format)
SELECT COALESCE(MAX(last_seq), 0) + 1, 2 FROM (
    SELECT MAX(seq) AS last_seq FROM ledger
    UNION ALL
    SELECT MAX(chain_seq) AS last_seq FROM submissions
) AS ends;
