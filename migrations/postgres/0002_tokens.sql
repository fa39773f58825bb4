-- Each respondent gets an unguessable enrolment token: the `<token>` of the Telegram deep
-- link `https://t.me/<bot>?start=<token>` and of WhatsApp's `MULAI <token>`. New rows get one
-- from the application (22 characters of A-Za-z0-9_-); rows from before this migration get
-- 32 hex digits from gen_random_uuid() here.
ALTER TABLE respondents ADD COLUMN token TEXT;
UPDATE respondents SET token = replace(gen_random_uuid()::text, '-', '') WHERE token IS NULL;
CREATE UNIQUE INDEX respondents_token ON respondents (token);
