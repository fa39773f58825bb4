-- Dead letters (issue 15): a webhook body whose handling failed three times is no longer
-- retried at every start; it is marked with when and why (an error description without
-- personal data) and waits for staff to retry it from the console or the command line.
-- Bodies with `dead_at` set are not "pending".
ALTER TABLE whatsapp_inbound ADD COLUMN dead_at BIGINT;
ALTER TABLE whatsapp_inbound ADD COLUMN dead_reason TEXT;
