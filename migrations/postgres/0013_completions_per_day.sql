-- The overview's completions per day (`Overview::completions_per_day`) read every progress row
-- of a flow to keep the completed ones (a quarter, at the console benchmark's 150,000
-- respondents). This index holds only the completed rows, with the completion time, so the
-- count reads those alone, from the index (docs/benchmarks.md: 32 → 8 ms of CPU time for
-- everyone's chart). A row enters it once, when its respondent completes. SQLite's 0013 is
-- empty: its planner keeps the primary key there (see that file).
CREATE INDEX flow_progress_completed ON flow_progress (flow_id, first_done) WHERE completed = 1;
