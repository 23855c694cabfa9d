-- Every recording reaches a decision (issue 12): a readable row with field problems enters the
-- registry (state 'perlu_perbaikan' while a printed field is not valid) instead of quarantine.

-- 1 while the record has an open problem in a field the card prints: such a record can never
-- be marked unique or queued (registry.rs refuses it in the one UPDATE that moves states).
ALTER TABLE records ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;

-- Each problem found by validation, per field, with the field as it arrived. A correction that
-- makes it go away closes it (resolved_seq = the correction's audit entry); nothing is deleted.
CREATE TABLE record_problems (
    id           INTEGER PRIMARY KEY,
    recording_id TEXT NOT NULL,
    code         TEXT NOT NULL,
    field        TEXT NOT NULL,
    message      TEXT NOT NULL,
    original     TEXT NOT NULL,
    blocking     INTEGER NOT NULL,
    found_seq    INTEGER NOT NULL,
    resolved_seq INTEGER
);
CREATE INDEX record_problems_recording ON record_problems (recording_id);
CREATE INDEX record_problems_open ON record_problems (resolved_seq, blocking);

-- The original bytes of a row that entered with problems (a valid row's content is its record).
CREATE TABLE record_originals (
    recording_id TEXT PRIMARY KEY,
    source       TEXT NOT NULL,
    line         INTEGER NOT NULL,
    raw          BLOB NOT NULL,
    raw_len      INTEGER NOT NULL
);

-- Every field an operator corrected: old → new, who, why (also in the audit log).
CREATE TABLE record_corrections (
    id           INTEGER PRIMARY KEY,
    recording_id TEXT NOT NULL,
    field        TEXT NOT NULL,
    old          TEXT NOT NULL,
    new          TEXT NOT NULL,
    actor        TEXT NOT NULL,
    reason       TEXT NOT NULL,
    at           TEXT NOT NULL,
    audit_seq    INTEGER NOT NULL
);
CREATE INDEX record_corrections_recording ON record_corrections (recording_id);

-- A quarantined row that is readable under the new rules moves into the registry; its
-- quarantine row stays (nothing is lost) and names the record it became.
ALTER TABLE quarantine ADD COLUMN moved_to TEXT;
