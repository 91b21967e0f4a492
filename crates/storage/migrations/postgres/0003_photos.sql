-- Photos attached to reports, kept whole (with metadata) as evidence; who may see which
-- copy is decided when one is served.
CREATE TABLE photos (
    sha256 TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    size BIGINT NOT NULL,
    uploader_id BIGINT REFERENCES users (id),
    uploaded_at BIGINT NOT NULL
);
