-- The person on the card (issue 17): photo, signature and fingerprint templates.
--
-- Each content is stored once, by its BLAKE3 hash, whatever number of recordings name it (a
-- re-recording often brings the same template file). The bytes live in their own table so
-- that the registry's tables stay narrow and fast to scan.
CREATE TABLE media_blobs (
    id      INTEGER PRIMARY KEY,
    hash    BLOB NOT NULL UNIQUE,
    mime    TEXT NOT NULL,
    size    INTEGER NOT NULL,
    bytes   BLOB NOT NULL
);

-- Which content a recording has in each slot ('foto', 'tanda_tangan', 'jari-02', …), as it
-- came, valid or not (an invalid item keeps its bytes and the reason). Attaching a new photo
-- replaces the current one (`replaced_seq` = the audit entry that did it); nothing is deleted
-- except by an audited erasure (UU PDP), which removes the links and any content no
-- recording names any more.
CREATE TABLE record_media (
    id            INTEGER PRIMARY KEY,
    recording_id  TEXT NOT NULL,
    slot          TEXT NOT NULL,
    hash          BLOB NOT NULL,
    valid         INTEGER NOT NULL,
    width         INTEGER NOT NULL DEFAULT 0,
    height        INTEGER NOT NULL DEFAULT 0,
    problem       TEXT,
    attached_seq  INTEGER NOT NULL,
    replaced_seq  INTEGER
);
CREATE UNIQUE INDEX record_media_current ON record_media (recording_id, slot)
    WHERE replaced_seq IS NULL;
CREATE INDEX record_media_hash ON record_media (hash);
