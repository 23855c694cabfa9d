-- cetak central, schema version 3: each record's photo, signature and fingerprint templates
-- (import contract v2), sent with the record to offices that ask for them.

-- Whether the record was loaded with media (contract v2): such a record without a photo is
-- missing its photo, not a v1 record.
ALTER TABLE records ADD COLUMN with_media BOOLEAN NOT NULL DEFAULT false;

-- One row per record and slot (`foto`, `tanda_tangan`, `jari-02`, …), with the BLAKE3 hash of
-- the bytes (checked by the office on arrival) and their size (counted into an answer's
-- budget without reading the bytes). Distributed by region like `records` (co-located; no
-- foreign key, which distributed tables keep for reference tables: the loader writes a
-- record's media in the transaction that queues the record).
CREATE TABLE record_media (
    region        TEXT NOT NULL,
    office        TEXT NOT NULL,
    recording_id  TEXT NOT NULL,
    slot          TEXT NOT NULL,
    hash          BYTEA NOT NULL,
    size          INTEGER NOT NULL,
    bytes         BYTEA NOT NULL,
    PRIMARY KEY (region, office, recording_id, slot)
);
-- Photos and signatures are compressed already: store them as they are.
ALTER TABLE record_media ALTER COLUMN bytes SET STORAGE EXTERNAL;
