-- WhatsApp Cloud API channel (postgres flavour; keep in step with the other backend's
-- 0006_whatsapp.sql, which differs only in how surrogate keys are generated).

-- Webhook bodies as received, stored before the webhook answers 200 and deleted once
-- processed: Meta retries unanswered deliveries for days, so storing first and processing
-- after lets the endpoint answer fast without ever losing an update.
CREATE TABLE whatsapp_inbound (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    body        TEXT NOT NULL,
    received_at BIGINT NOT NULL
);

-- Messages the bot sent, for delivery statuses (sent, delivered, read, failed).
CREATE TABLE whatsapp_sent (
    wamid         TEXT PRIMARY KEY,
    address       TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('text', 'interactive', 'template')),
    sent_at       BIGINT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'accepted'
                  CHECK (status IN ('accepted', 'sent', 'delivered', 'read', 'failed')),
    status_at     BIGINT,
    error         TEXT
);
CREATE INDEX whatsapp_sent_at ON whatsapp_sent (sent_at);

-- When each number last wrote to the bot: the start of WhatsApp's 24-hour window for
-- free-form messages.
CREATE TABLE whatsapp_contacts (
    address         TEXT PRIMARY KEY,
    last_inbound_at BIGINT NOT NULL
);
