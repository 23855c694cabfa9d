-- The link to the centre. The outbox is the audit log itself: every event the office owes the
-- centre is an audit entry, keyed by its position; `pushed_seq` is how far the centre has
-- acknowledged. `pull_after` is the last record sequence received from the centre.
CREATE TABLE sync_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    pushed_seq  INTEGER NOT NULL DEFAULT 0,
    pull_after  INTEGER NOT NULL DEFAULT 0,
    last_ok     TEXT,
    last_error  TEXT,
    failures    INTEGER NOT NULL DEFAULT 0,
    down_since  TEXT
);
INSERT INTO sync_state (id) VALUES (1);
