-- Staff console: respondent search by phone (prefix ranges on the E.164 number) and the
-- school scope of operators (every console query compares lower(trim(school))).
CREATE INDEX respondents_phone ON respondents (phone);
CREATE INDEX respondents_school_scope ON respondents (lower(trim(school)));
-- The search lists respondents by name: the first page without filters reads 51 entries.
CREATE INDEX respondents_name ON respondents (name, id);
