-- A failed identity check counts once per platform message, and a WhatsApp number or web
-- browser binds one respondent per channel (keep in step with the other
-- backend's 0020_identity_and_binding.sql): the ids of the messages already counted,
-- so a redelivered wrong claim does not cost a second attempt. Rows older than the failure
-- window are deleted when the next failure is counted.
CREATE TABLE identity_failure_messages (
    channel    TEXT NOT NULL,
    message_id TEXT NOT NULL,
    at         BIGINT NOT NULL,
    PRIMARY KEY (channel, message_id)
);
CREATE INDEX identity_failure_messages_at ON identity_failure_messages (at);

-- One WhatsApp number and one web browser per respondent, decided by the database (as
-- 0003 does for Telegram chats): the receiver used to read a respondent's addresses and
-- then insert, so two numbers starting one link at the same instant could both bind. A
-- database where that already happened keeps each respondent's first binding; the later
-- number is a stranger again and is asked for a link.
DELETE FROM channel_bindings
WHERE channel IN ('whatsapp', 'web')
  AND EXISTS (SELECT 1 FROM channel_bindings e
              WHERE e.respondent_id = channel_bindings.respondent_id
                AND e.channel = channel_bindings.channel
                AND (e.bound_at < channel_bindings.bound_at
                     OR (e.bound_at = channel_bindings.bound_at
                         AND e.address < channel_bindings.address)));
CREATE UNIQUE INDEX channel_bindings_one_address
    ON channel_bindings (respondent_id, channel) WHERE channel IN ('whatsapp', 'web');
