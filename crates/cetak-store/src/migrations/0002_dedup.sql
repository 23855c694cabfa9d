-- Duplicate detection: the pairs the latest run linked or sent to review, with their evidence,
-- and supervisors' decisions, which every later run honours.

CREATE TABLE dedup_pairs (
    id          INTEGER PRIMARY KEY,
    a           TEXT NOT NULL,
    b           TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('link', 'review')),
    probability REAL NOT NULL,
    evidence    TEXT NOT NULL,
    why         TEXT,
    run_seq     INTEGER NOT NULL,
    UNIQUE (a, b)
);

CREATE TABLE dedup_decisions (
    a         TEXT NOT NULL,
    b         TEXT NOT NULL,
    same      INTEGER NOT NULL,
    reason    TEXT NOT NULL,
    actor     TEXT NOT NULL,
    at        TEXT NOT NULL,
    audit_seq INTEGER NOT NULL,
    PRIMARY KEY (a, b)
);
