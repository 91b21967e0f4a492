-- Reports' content hash is recomputed from the row's form, version, station and answers when
-- needed (see the SQLite migration of this name). PostgreSQL keeps its unique index on
-- `chain_seq`, which SQLite drops here: two servers' transactions on PostgreSQL can read the
-- same end of the chain at once, and the index makes the second one fail instead of splitting
-- the chain.
ALTER TABLE submissions DROP COLUMN content_hash;
