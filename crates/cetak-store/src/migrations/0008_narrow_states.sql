-- A record's state lives in a narrow table of its own (issue 12, dedup at 1M rows): a dedup run
-- moves nearly every recording once, and with the state inside the wide record row each move
-- rewrote the whole row (about 430 bytes, twice with the WAL); a state row is about 40.
-- `records` stays the name every query reads: a view joining the two. Writes go to the tables
-- (import.rs inserts both, registry.rs::apply_from moves states, correct.rs edits fields).

-- Foreign keys of the print tables follow the rename (SQLite >= 3.26 rewrites them).
ALTER TABLE records RENAME TO record_fields;

CREATE TABLE record_states (
    id               INTEGER PRIMARY KEY,  -- record_fields.id
    -- Copies of what the print queue orders by, so that its index lives here (see
    -- print/attempts.rs::next_in_queue): the id never changes; a correction of
    -- jenis_permohonan or recorded_at updates both copies (correct.rs).
    recording_id     TEXT NOT NULL,
    first_time       INTEGER NOT NULL,     -- jenis_permohonan = 'BARU'
    waiting_since    TEXT NOT NULL,        -- recorded_at
    state            TEXT NOT NULL,
    -- NULL until the first transition; the import's time and file are in audit entry audit_seq.
    state_changed_at TEXT,
    duplicate_of     TEXT,
    -- 1 while the record has an open problem in a field the card prints (see 0007).
    blocked          INTEGER NOT NULL DEFAULT 0
);
INSERT INTO record_states (id, recording_id, first_time, waiting_since, state, state_changed_at,
                           duplicate_of, blocked)
    SELECT id, recording_id, jenis_permohonan = 'BARU', recorded_at, state, state_changed_at,
           duplicate_of, blocked
    FROM record_fields;

-- The queue's index named the state; the first print run builds it anew on record_states.
DROP INDEX IF EXISTS records_queue;

ALTER TABLE record_fields DROP COLUMN state;
ALTER TABLE record_fields DROP COLUMN state_changed_at;
ALTER TABLE record_fields DROP COLUMN duplicate_of;
ALTER TABLE record_fields DROP COLUMN blocked;

CREATE VIEW records AS
    SELECT f.id, f.recording_id, f.nik, f.nama, f.tempat_lahir, f.tanggal_lahir, f.jenis_kelamin,
           f.golongan_darah, f.alamat, f.rt, f.rw, f.kelurahan, f.kecamatan, f.kabupaten_kota,
           f.provinsi, f.agama, f.status_perkawinan, f.pekerjaan, f.kewarganegaraan, f.nama_ibu,
           f.recorded_at, f.recording_site, f.jenis_permohonan, f.warnings, f.content_hash,
           s.state, s.state_changed_at, s.duplicate_of, f.source_line, f.audit_seq, s.blocked
    FROM record_fields f JOIN record_states s ON s.id = f.id;
