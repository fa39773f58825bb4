-- The reply outbox (keep in step with the other backend's 0012_reply_outbox.sql): one row per
-- reply part, written in the same transaction as the conversation step that produced it, and
-- marked sent by the channel's sender once the platform took it. A crash after the step's
-- commit leaves the parts unsent, and the sender delivers them after the restart.
CREATE TABLE reply_outbox (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel             TEXT NOT NULL,        -- telegram | whatsapp | web | console
    address             TEXT NOT NULL,        -- chat id, E.164 number, browser id
    respondent_id       BIGINT REFERENCES respondents (id) ON DELETE CASCADE,
    lang                TEXT NOT NULL,        -- the conversation's language when queued
    reply               TEXT NOT NULL,        -- engine::Reply as JSON
    queued_at           BIGINT NOT NULL,
    sent_at             BIGINT,              -- NULL while pending
    platform_message_id TEXT,
    error               TEXT,                 -- set when the platform refused the part for good
    claimed_by          TEXT,                 -- the sender delivering it now (one per process)
    claimed_until       BIGINT                -- its lease: another sender waits until then
);
-- Per address in order (the sender's and the web chat's cursor reads).
CREATE INDEX reply_outbox_address ON reply_outbox (channel, address, id);
-- What is still to send, per channel, oldest first (the sender's sweep after a restart).
CREATE INDEX reply_outbox_pending ON reply_outbox (channel, id) WHERE sent_at IS NULL;
