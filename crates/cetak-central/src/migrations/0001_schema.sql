-- cetak central, schema version 1. Every key starts with the region code (the office's
-- kabupaten/kota code), so the tables can be distributed by region (Citus: distribution column
-- `region`) when one PostgreSQL server is no longer enough.
CREATE TABLE IF NOT EXISTS cetak_schema (version INTEGER NOT NULL);

CREATE TABLE offices (
    region      TEXT NOT NULL,
    code        TEXT NOT NULL,
    token_hash  BYTEA NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (region, code)
);

-- Print-ready records waiting for an office, in the order it pulls them.
CREATE TABLE records (
    region        TEXT NOT NULL,
    office        TEXT NOT NULL,
    seq           BIGINT NOT NULL,
    recording_id  TEXT NOT NULL,
    nik           TEXT NOT NULL,
    fields        JSONB NOT NULL,
    PRIMARY KEY (region, office, seq),
    UNIQUE (region, office, recording_id),
    FOREIGN KEY (region, office) REFERENCES offices (region, code)
);
CREATE INDEX records_nik ON records (nik);

-- Everything offices report, once per (office, key).
CREATE TABLE events (
    region       TEXT NOT NULL,
    office       TEXT NOT NULL,
    key          TEXT NOT NULL,
    kind         TEXT NOT NULL,
    at           TEXT NOT NULL,
    body         JSONB NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (region, office, key),
    FOREIGN KEY (region, office) REFERENCES offices (region, code)
);

-- Cards handed to residents, by NIK, from `issued` events (moved residents: another office
-- learns of the card in its pull).
CREATE TABLE cards_issued (
    nik     TEXT NOT NULL,
    region  TEXT NOT NULL,
    office  TEXT NOT NULL,
    key     TEXT NOT NULL,
    PRIMARY KEY (nik, region, office)
);

INSERT INTO cetak_schema (version) VALUES (1);
