-- SQLite drops its unique index on `chain_seq` here (see the SQLite migration of this name).
-- PostgreSQL keeps it: two servers' transactions there can read the same end of the chain at
-- once, and the index makes the second one fail instead of splitting the chain.
SELECT 1;
