-- Registry of print-ready records, quarantine of rejected rows, tamper-evident audit log.

CREATE TABLE records (
    id                INTEGER PRIMARY KEY,
    recording_id      TEXT NOT NULL UNIQUE,
    nik               TEXT NOT NULL,
    nama              TEXT NOT NULL,
    tempat_lahir      TEXT NOT NULL,
    tanggal_lahir     TEXT NOT NULL,
    jenis_kelamin     TEXT NOT NULL,
    golongan_darah    TEXT NOT NULL,
    alamat            TEXT NOT NULL,
    rt                TEXT NOT NULL,
    rw                TEXT NOT NULL,
    kelurahan         TEXT NOT NULL,
    kecamatan         TEXT NOT NULL,
    kabupaten_kota    TEXT NOT NULL,
    provinsi          TEXT NOT NULL,
    agama             TEXT NOT NULL,
    status_perkawinan TEXT NOT NULL,
    pekerjaan         TEXT NOT NULL,
    kewarganegaraan   TEXT NOT NULL,
    nama_ibu          TEXT NOT NULL,
    recorded_at       TEXT NOT NULL,
    recording_site    TEXT NOT NULL,
    jenis_permohonan  TEXT NOT NULL,
    warnings          TEXT NOT NULL,
    content_hash      BLOB NOT NULL,
    state             TEXT NOT NULL,
    -- NULL until the first transition; the import's time and file are in audit entry audit_seq.
    state_changed_at  TEXT,
    duplicate_of      TEXT,
    source_line       INTEGER NOT NULL,
    audit_seq         INTEGER NOT NULL
);
-- The secondary index records_nik is created by Store::open (lib.rs, SECONDARY_INDEXES) so
-- that a bulk load can drop and rebuild it.

CREATE TABLE quarantine (
    id             INTEGER PRIMARY KEY,
    raw_hash       BLOB NOT NULL UNIQUE,
    source         TEXT NOT NULL,
    line           INTEGER NOT NULL,
    reason_code    TEXT NOT NULL,
    field          TEXT,
    message        TEXT NOT NULL,
    raw            BLOB NOT NULL,
    raw_len        INTEGER NOT NULL,
    quarantined_at TEXT NOT NULL,
    audit_seq      INTEGER NOT NULL
);
CREATE INDEX quarantine_reason ON quarantine (reason_code);

CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    reason    TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash      BLOB NOT NULL
);
CREATE INDEX audit_subject ON audit_log (subject);

-- Append-only by construction: the chain detects tampering, these stop accidents.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
