-- Staff console (sqlite flavour; keep in step with the other backend's 0007_staff.sql):
-- accounts with a role and the schools they may see, server-side sign-in sessions, failed
-- sign-ins counted in the database (so a restart or a second worker shares the lock-out),
-- and the audit log of what staff did.

CREATE TABLE staff_accounts (
    id                   INTEGER PRIMARY KEY,
    email                TEXT NOT NULL UNIQUE,               -- stored lower-case
    role                 TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    password_hash        TEXT NOT NULL,                      -- Argon2id, PHC string
    must_change_password INTEGER NOT NULL DEFAULT 1 CHECK (must_change_password IN (0, 1)),
    disabled             INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    language             TEXT NOT NULL DEFAULT 'id',
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);

-- The schools (respondents.school, compared trimmed and case-insensitively) an operator or
-- viewer is limited to. An admin has none: admins see everything.
CREATE TABLE staff_schools (
    account_id BIGINT NOT NULL REFERENCES staff_accounts (id) ON DELETE CASCADE,
    school     TEXT NOT NULL CHECK (length(school) > 0),     -- stored lower-case, trimmed
    PRIMARY KEY (account_id, school)
);

-- Signed-in browsers. The cookie carries a random token; only its SHA-256 is stored, so a
-- copy of the database does not sign anyone in. Ending a session sets revoked_at.
CREATE TABLE staff_sessions (
    token_hash   TEXT PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES staff_accounts (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX staff_sessions_account ON staff_sessions (account_id);

-- Failed sign-ins per key ('account:<email>' or 'address:<ip>') within a window.
CREATE TABLE staff_login_failures (
    key          TEXT PRIMARY KEY,
    failures     BIGINT NOT NULL DEFAULT 0,
    window_start BIGINT NOT NULL,
    locked_until BIGINT
);

-- Who did what, when: sign-ins, imports, wave changes, exports, account changes.
CREATE TABLE staff_audit (
    id         INTEGER PRIMARY KEY,
    at         BIGINT NOT NULL,
    account_id BIGINT REFERENCES staff_accounts (id) ON DELETE SET NULL,
    actor      TEXT NOT NULL,                                -- e-mail, or 'cli' for the command line
    action     TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    address    TEXT
);
CREATE INDEX staff_audit_at ON staff_audit (at);

-- Waves made in the console remember who made them (NULL: made on the command line).
ALTER TABLE waves ADD COLUMN created_by BIGINT REFERENCES staff_accounts (id) ON DELETE SET NULL;
