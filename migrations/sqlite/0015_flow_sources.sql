-- Flows known to the store (keep in step with the other backend's 0015_flow_sources.sql):
-- the YAML text of every flow version a process loaded, so a session started under an older
-- version is continued with that version's questions, and `jejak export --flow ID` finds
-- every version of a flow wherever the process runs. One text per (flow, version): a
-- different text under the same version is refused (the author must bump `version`).
-- `sha256` is the hex digest of `source`, compared instead of the whole text.
CREATE TABLE flow_sources (
    flow_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    stored_at BIGINT NOT NULL,
    PRIMARY KEY (flow_id, version)
);
