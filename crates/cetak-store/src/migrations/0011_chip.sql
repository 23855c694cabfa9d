-- The E-KTP chip (issue 20): which printers write chips, and what each blank's chip got.

-- NULL: the printer has no chip encoder. Otherwise 'pcsc:<reader name>'.
ALTER TABLE printers ADD COLUMN encoder TEXT CHECK (encoder IS NULL OR encoder LIKE 'pcsc:_%');

-- What was written on a blank's chip, per attempt, kept before the write (verified_at NULL)
-- and marked verified after the read-back passed passive authentication. A print job is sent
-- only after verified_at is stored, so an intent without it was never sent. `dump` is the
-- CETAKCHIP1 dump file (docs/chip.md): every data group and EF.SOD.
CREATE TABLE chip_encodings (
    attempt_id  INTEGER PRIMARY KEY REFERENCES print_attempts(id),
    serial      INTEGER NOT NULL REFERENCES blanks(serial),
    dump        BLOB NOT NULL,
    written_at  TEXT NOT NULL,
    verified_at TEXT
);
CREATE INDEX chip_encodings_serial ON chip_encodings (serial);
