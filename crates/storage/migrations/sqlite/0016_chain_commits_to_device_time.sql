-- From here on, a report's chain entry commits to the device's time and to whether it was
-- far off (the flag a coordinator reads before trusting it): edited behind pollwatch's back,
-- either now breaks the chain at that report. Entries made before were hashed without them,
-- and are rebuilt without them. And an incident's entry names its assignee only when the
-- change sets it (`null`: cleared), so that replaying the entries gives the assignee the row
-- must have; before, `null` stood for "unchanged" too. This records where the format changes.
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
