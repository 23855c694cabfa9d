-- Card production: printers, blank stock (blangko), print attempts (the spool), cards.

CREATE TABLE printers (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    uri             TEXT NOT NULL,
    cards_per_day   INTEGER NOT NULL CHECK (cards_per_day > 0),
    burst           INTEGER CHECK (burst IS NULL OR burst > 0),
    cooldown_min    REAL NOT NULL DEFAULT 0 CHECK (cooldown_min >= 0),
    hours_start     TEXT,
    hours_end       TEXT,
    paused          INTEGER NOT NULL DEFAULT 0,
    since_cooldown  INTEGER NOT NULL DEFAULT 0,
    cooling_until   TEXT,
    heat_strikes    INTEGER NOT NULL DEFAULT 0,
    added_at        TEXT NOT NULL
);

CREATE TABLE stock_receipts (
    id           INTEGER PRIMARY KEY,
    first_serial INTEGER NOT NULL CHECK (first_serial > 0),
    last_serial  INTEGER NOT NULL CHECK (last_serial >= first_serial),
    received_on  TEXT NOT NULL,
    reference    TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    actor        TEXT NOT NULL
);

-- One row per blank serial: its one state (promise 3).
CREATE TABLE blanks (
    serial      INTEGER PRIMARY KEY,
    receipt_id  INTEGER NOT NULL REFERENCES stock_receipts (id),
    state       TEXT NOT NULL CHECK (state IN ('on_hand', 'in_print', 'issued', 'spoiled', 'missing')),
    -- The printer whose hopper holds it (on hand or in print); NULL: in the safe.
    loaded_in   INTEGER REFERENCES printers (id),
    cause       TEXT,
    note        TEXT,
    changed_at  TEXT NOT NULL,
    CHECK ((state = 'spoiled') = (cause IS NOT NULL))
);
CREATE INDEX blanks_state ON blanks (state, serial);
CREATE INDEX blanks_loaded ON blanks (loaded_in, state, serial);

-- The spool: the intent is written before the printer hears of it.
CREATE TABLE print_attempts (
    id              INTEGER PRIMARY KEY,
    recording_id    TEXT NOT NULL REFERENCES records (recording_id),
    serial          INTEGER NOT NULL REFERENCES blanks (serial),
    printer_id      INTEGER NOT NULL REFERENCES printers (id),
    job_name        TEXT NOT NULL UNIQUE,
    state           TEXT NOT NULL,
    job_id          INTEGER,
    job_uuid        TEXT,
    uncertain       INTEGER NOT NULL DEFAULT 0,
    note            TEXT NOT NULL DEFAULT '',
    suggested_cause TEXT,
    spoil_cause     TEXT,
    created_at      TEXT NOT NULL,
    print_day       TEXT NOT NULL,
    finished_at     TEXT,
    decided_by      TEXT
);
CREATE INDEX attempts_state ON print_attempts (state);
CREATE INDEX attempts_printer_day ON print_attempts (printer_id, print_day);
CREATE INDEX attempts_record ON print_attempts (recording_id);
-- A blank is used by one attempt; only an attempt that never reached the printer gives it back.
CREATE UNIQUE INDEX attempts_one_use_per_serial ON print_attempts (serial) WHERE state <> 'not_sent';
-- A record is printed by at most one attempt at a time.
CREATE UNIQUE INDEX attempts_one_pending_per_record ON print_attempts (recording_id)
    WHERE state IN ('intent', 'sent', 'inspect');
-- A printer works one card at a time, so the next blank in its hopper is the job's blank.
CREATE UNIQUE INDEX attempts_one_pending_per_printer ON print_attempts (printer_id)
    WHERE state IN ('intent', 'sent');

-- Cards that exist: printed, issued to the resident, revoked by a replacement, or spoiled.
CREATE TABLE cards (
    serial          INTEGER PRIMARY KEY REFERENCES blanks (serial),
    recording_id    TEXT NOT NULL REFERENCES records (recording_id),
    nik             TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('printed', 'issued', 'revoked', 'spoiled')),
    printed_at      TEXT NOT NULL,
    issued_at       TEXT,
    handed_to       TEXT,
    identity_check  TEXT,
    issued_by       TEXT,
    revoked_at      TEXT,
    revoked_reason  TEXT
);
-- Promise 2: one good card per record, and one valid card in a resident's hands per NIK.
CREATE UNIQUE INDEX cards_one_good_per_record ON cards (recording_id) WHERE state IN ('printed', 'issued');
CREATE UNIQUE INDEX cards_one_valid_per_nik ON cards (nik) WHERE state = 'issued';

-- Records a supervisor moved up the queue, and replacement requests.
CREATE TABLE print_requests (
    recording_id TEXT PRIMARY KEY REFERENCES records (recording_id),
    raised       INTEGER NOT NULL DEFAULT 0,
    replacement  INTEGER NOT NULL DEFAULT 0,
    changed_at   TEXT NOT NULL
);

-- The queue's index (records_queue) is created by the first print run (print.rs), so that
-- imports and the first dedup run of a large backlog do not pay for it.
