-- Waves in the staff console (postgres flavour; keep in step with the other backend's
-- 0009_waves_school.sql): the school a wave's segment targets, copied out of the segment's
-- JSON so a staff member's scope can be checked in SQL like every other scoped query
-- (`lower(trim(school)) IN (…)`). NULL: the wave targets every school, so only members who
-- see every school (admins, viewers without schools) see it.
ALTER TABLE waves ADD COLUMN school TEXT;
UPDATE waves SET school = segment::json ->> 'school';
CREATE INDEX waves_school ON waves (school);
