-- The staff console at 150,000 respondents (keep in step with the other backend's
-- 0010_console_speed.sql). Every index here makes one of the console's whole-roster
-- statements read an index alone instead of the tables' rows:
-- - the response report (`report_cells`) groups a flow's sessions per respondent:
--   (flow_id, respondent_id) in order, with the status and completion time it sums;
-- - it credits a completion to the last wave message sent before it, per respondent:
--   (respondent_id, status, sent_at) finds that message by a backward range scan;
-- - the wave dry run and planner take each respondent's latest session of the flow and
--   its status, and check for a reminder channel: (respondent_id, flow_id, id, status) and
--   (respondent_id, channel). They replace the narrower indexes they start with.
CREATE INDEX sessions_flow_respondent ON sessions (flow_id, respondent_id, status, completed_at, id);
CREATE INDEX outbox_respondent_sent ON outbox (respondent_id, status, sent_at, wave_id);
CREATE INDEX sessions_respondent_flow_status ON sessions (respondent_id, flow_id, id, status);
DROP INDEX sessions_respondent_flow;
CREATE INDEX channel_bindings_respondent_channel ON channel_bindings (respondent_id, channel);
DROP INDEX channel_bindings_respondent;
