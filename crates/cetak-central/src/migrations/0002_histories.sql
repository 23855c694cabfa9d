-- cetak central, schema version 2: histories, hashes, parking, revocations.

-- The centre's history id, sent in every answer (protocol v2 `epoch`).
CREATE TABLE centre_identity (
    id     BOOLEAN PRIMARY KEY DEFAULT true CHECK (id),
    epoch  TEXT NOT NULL
);
INSERT INTO centre_identity (epoch) VALUES (gen_random_uuid()::text);

-- Each event with the office's audit chain hash: a key seen again with other content is a
-- second history (an office restored from an older copy). Both are kept; `fork` marks the
-- later one, an alarm for the centre's operator. Events from schema 1 have hash ''.
ALTER TABLE events ADD COLUMN hash TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN fork BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ADD PRIMARY KEY (region, office, key, hash);

-- A record too large to ever travel: never sent, the office is told why.
ALTER TABLE records ADD COLUMN parked_reason TEXT;

-- A revoked card stays on record (which event revoked it) and no longer counts as issued.
ALTER TABLE cards_issued ADD COLUMN revoked_key TEXT;

-- Revoked tokens stay (an office's history keeps its name); they no longer authenticate.
ALTER TABLE offices ADD COLUMN revoked_at TIMESTAMPTZ;
