-- A message from a number no observer is registered with still names an observer code: the
-- observer holding it is who the message claims to come from. Coordinators of that observer's
-- constituencies review it (often a new phone), nobody else; the sender is told nothing.
ALTER TABLE sms_messages ADD COLUMN claimed_observer_id BIGINT REFERENCES users (id);
CREATE INDEX sms_by_claimed_observer ON sms_messages (claimed_observer_id, id);

-- Only unverified messages are looked up by phone (to rate-limit a number that keeps sending
-- wrong codes); indexing every message by phone cost each message a random page write.
DROP INDEX sms_by_phone;
CREATE INDEX sms_unverified_by_phone ON sms_messages (phone, at) WHERE status = 'unverified';
