-- Each place in the hash chain is taken once. Before 0011 the ledger's primary key made sure
-- of that; with reports' entries in their own rows (0011), this index does, so that a second
-- writer (another server on the same database) fails instead of splitting the chain. It is
-- also how the chain's end among the reports is found (storage/src/ledger.rs), whatever
-- rows without an entry the table holds. Stop a server older than 0011 before starting a
-- newer one on the same database: it would keep chaining from the ledger table alone.
CREATE UNIQUE INDEX submissions_by_chain_seq ON submissions (chain_seq) WHERE chain_seq IS NOT NULL;
