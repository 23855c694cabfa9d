-- The link, protocol v2: which centre history the office follows (`epoch`), the content at its
-- pull cursor (`pull_hash`), what the centre said is waiting, how often it saw a second
-- history of this office, the last time both sides went back to the start and why, and the
-- link's permanent fault (a kind the dashboard explains).
ALTER TABLE sync_state ADD COLUMN epoch TEXT;
ALTER TABLE sync_state ADD COLUMN pull_hash TEXT;
ALTER TABLE sync_state ADD COLUMN waiting_at_centre INTEGER;
ALTER TABLE sync_state ADD COLUMN forks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_state ADD COLUMN last_rewind TEXT;
ALTER TABLE sync_state ADD COLUMN fault TEXT;

-- Events the centre can never store and records it will never send: kept aside with the
-- reason, never blocking the rest. `item` is the audit position (events) or the centre's
-- sequence number (records).
CREATE TABLE sync_parked (
    kind       TEXT NOT NULL CHECK (kind IN ('event', 'record')),
    item       INTEGER NOT NULL,
    name       TEXT NOT NULL,
    reason     TEXT NOT NULL,
    parked_at  TEXT NOT NULL,
    PRIMARY KEY (kind, item)
);
