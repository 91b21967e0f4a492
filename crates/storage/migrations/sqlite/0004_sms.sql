-- SMS: every message in and out, linked to the observer and the report it produced.
CREATE TABLE sms_messages (
    id INTEGER PRIMARY KEY,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    gateway TEXT NOT NULL,
    phone TEXT NOT NULL,
    body TEXT NOT NULL,
    at INTEGER NOT NULL,
    -- Inbound: hash of phone + text, so a gateway retry or a resend is stored once.
    dedupe_key TEXT UNIQUE,
    observer_id INTEGER REFERENCES users (id),
    submission_id INTEGER REFERENCES submissions (id),
    -- in: processed, partial, unverified, rejected; out: queued, sent, failed.
    status TEXT NOT NULL,
    -- in: what was wrong (JSON); out: the message it answers.
    detail TEXT NOT NULL DEFAULT '',
    reply_to INTEGER REFERENCES sms_messages (id),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER
);
CREATE INDEX sms_by_phone ON sms_messages (phone, id);
CREATE INDEX sms_by_observer ON sms_messages (observer_id, id);
CREATE INDEX sms_outbox ON sms_messages (direction, status, next_attempt_at);
