-- Telegram: one chat per respondent (keep in step with the other backend's 0003_telegram.sql).
-- A personal `/start <token>` link binds the first chat that uses it; a second chat using the
-- same token is refused. Other channels may still bind several addresses to one respondent.
CREATE UNIQUE INDEX channel_bindings_one_telegram_chat
    ON channel_bindings (respondent_id) WHERE channel = 'telegram';
