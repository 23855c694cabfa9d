-- Card production that stays true after an operator's reasonable move (issue 13).

-- A printer taken out of service keeps its history (attempts refer to it) but gets no cards.
ALTER TABLE printers ADD COLUMN retired_at TEXT;
-- An attempt waiting for inspection holds its printer back: its blank may still be on top of
-- the hopper. The operator may instead empty the hopper into the safe ("re-seat"); attempts up
-- to this id then no longer hold the printer back.
ALTER TABLE printers ADD COLUMN hopper_reseated_after INTEGER NOT NULL DEFAULT 0;

-- A revoked card that came back to the office (the monthly return): when and why.
ALTER TABLE cards ADD COLUMN returned_at TEXT;
ALTER TABLE cards ADD COLUMN returned_cause TEXT;

-- One print run per printer at a time, for the CLI and the pages alike. A lease names its
-- holder (pid and host); a crashed holder's lease is taken over (same host: the pid is gone;
-- another host: not renewed for a while).
CREATE TABLE print_leases (
    printer_id  INTEGER PRIMARY KEY REFERENCES printers (id),
    token       TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    host        TEXT NOT NULL,
    taken_at    TEXT NOT NULL,
    renewed_at  TEXT NOT NULL
);
