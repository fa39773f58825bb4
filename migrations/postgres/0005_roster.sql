-- Roster import, invitations and the open-link identity check (postgres flavour; keep in step
-- with the other backend's 0005_roster.sql).

-- `jejak invite` exported this respondent's personal links for this flow: one of the ways a
-- respondent counts as "invited" in `jejak report` (the others: a wave message sent, a
-- channel bound). first_at stays; last_at moves with every export.
CREATE TABLE roster_invites (
    flow_id       TEXT NOT NULL,
    respondent_id BIGINT NOT NULL REFERENCES respondents (id) ON DELETE CASCADE,
    first_at      BIGINT NOT NULL,
    last_at       BIGINT NOT NULL,
    PRIMARY KEY (flow_id, respondent_id)
);

-- Failed identity checks (external id + birth date) per chat address on an open link, so
-- guessing is limited across restarts and across workers. A success deletes the row.
CREATE TABLE identity_attempts (
    channel      TEXT NOT NULL,
    address      TEXT NOT NULL,
    failures     BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    last_at      BIGINT NOT NULL,
    PRIMARY KEY (channel, address)
);

-- `jejak report --by cohort|programme|school` and wave segments filter on these.
CREATE INDEX respondents_segment ON respondents (cohort, programme, school);
