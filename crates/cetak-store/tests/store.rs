//! The store's promises, checked through its public API: idempotent import with quarantine,
//! conflicts never overwrite, a tamper-evident audit log, audited lifecycle transitions,
//! exact-NIK deduplication, and a database file that survives being reopened.

use cetak_domain::audit::{ChainBreak, EntryContent, GENESIS, entry_hash};
use cetak_domain::lifecycle::{Actor, Event, IllegalTransition, RecordState, TransitionError};
use cetak_domain::record::{ReasonCode, Record, Rejection, col};
use cetak_store::{BatchOutcome, ImportRow, Store, StoreError};
use time::OffsetDateTime;
use time::macros::datetime;

const GOOD: [&str; 22] = cetak_domain::record::EXAMPLE_ROW;

const NIK_A: &str = "1671014508900001";
const NIK_B: &str = "1671014508900002";

const AT: OffsetDateTime = datetime!(2026-01-05 10:00 +7);

fn at(minutes: i64) -> OffsetDateTime {
    AT + time::Duration::minutes(minutes)
}

/// The good row with some columns replaced.
fn fields(changes: &[(usize, &str)]) -> [String; 22] {
    let mut f = GOOD.map(str::to_string);
    for &(column, value) in changes {
        f[column] = value.to_string();
    }
    f
}

fn record(f: &[String; 22]) -> Record {
    let refs: [&str; 22] = std::array::from_fn(|i| f[i].as_str());
    Record::validate(&refs).expect("test row must be valid")
}

fn valid_fields(line: u64, f: &[String; 22]) -> ImportRow {
    ImportRow::Valid {
        line,
        record: record(f),
        raw: f.join(",").into_bytes(),
        media: None,
    }
}

fn valid(line: u64, id: &str) -> ImportRow {
    valid_fields(line, &fields(&[(col::RECORDING_ID, id)]))
}

fn recording(line: u64, id: &str, nik: &str, recorded_at: &str) -> ImportRow {
    valid_fields(
        line,
        &fields(&[
            (col::RECORDING_ID, id),
            (col::NIK, nik),
            (col::RECORDED_AT, recorded_at),
        ]),
    )
}

fn rejected(line: u64, raw: &str, rejection: Rejection) -> ImportRow {
    ImportRow::Rejected {
        line,
        raw: raw.as_bytes().to_vec(),
        raw_len: raw.len() as u64,
        rejection,
    }
}

fn store() -> Store {
    Store::open_in_memory().expect("open in-memory store")
}

fn import(store: &mut Store, source: &str, rows: &[ImportRow]) -> BatchOutcome {
    store
        .import_batch(source, rows, "system:import", AT)
        .expect("import_batch")
}

fn op() -> Actor {
    Actor("op.rina".to_string())
}

fn event(store: &mut Store, id: &str, e: Event, minutes: i64, reason: &str) {
    store
        .apply_event(id, e, cetak_store::Change::new(&op(), at(minutes), reason))
        .expect("legal transition");
}

fn verify(
    store: &Store,
    expect_head: Option<&str>,
) -> Result<cetak_store::VerifyReport, ChainBreak> {
    store.audit_verify(expect_head).expect("audit_verify query")
}

fn exec(store: &Store, sql: &str) {
    store.raw_connection().execute_batch(sql).expect("raw SQL");
}

fn drop_audit_triggers(store: &Store) {
    exec(
        store,
        "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
    );
}

fn audit_rows(store: &Store) -> i64 {
    store
        .raw_connection()
        .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
        .expect("count audit_log")
}

fn stored_content_hash(store: &Store, id: &str) -> Vec<u8> {
    store
        .raw_connection()
        .query_row(
            "SELECT content_hash FROM records WHERE recording_id = ?1",
            [id],
            |r| r.get(0),
        )
        .expect("content_hash")
}

// ---------------------------------------------------------------------------------------------
// 1. Import: counts, quarantine, idempotence.
// ---------------------------------------------------------------------------------------------

const BAD_NIK_ROW: &str = "PLG00000003,167101450890001,BUDI SANTOSO";

fn first_batch() -> Vec<ImportRow> {
    vec![
        valid(2, "PLG00000001"),
        valid(3, "PLG00000002"),
        rejected(
            4,
            BAD_NIK_ROW,
            Rejection {
                code: ReasonCode::NikLength,
                field: Some("nik"),
                message: "a NIK has 16 digits, this one has 15 characters".into(),
            },
        ),
        rejected(
            5,
            "\u{0}garbage",
            Rejection::row(ReasonCode::NulByte, "a NUL byte inside the row"),
        ),
    ]
}

#[test]
fn import_batch_inserts_valid_rows_and_quarantines_rejected_rows() {
    let mut s = store();
    assert_eq!(s.audit_head().expect("head").0, 0);

    let out = import(&mut s, "prr-2026-01-05.csv", &first_batch());
    assert_eq!(
        out,
        BatchOutcome {
            imported: 2,
            quarantined: 2,
            already_present: 0,
            conflicts: 0,
            ..BatchOutcome::default()
        }
    );

    assert_eq!(
        s.recording_ids().expect("ids"),
        vec!["PLG00000001", "PLG00000002"]
    );
    assert_eq!(
        s.record_state("PLG00000001").expect("state"),
        RecordState::Received
    );

    let q = s.quarantine_list(None, 100, 0).expect("quarantine_list");
    assert_eq!(q.len(), 2);
    assert_eq!(q[0].source, "prr-2026-01-05.csv");
    assert_eq!(q[0].line, 4);
    assert_eq!(q[0].reason_code, "nik_length");
    assert_eq!(q[0].field.as_deref(), Some("nik"));
    assert_eq!(q[0].raw, BAD_NIK_ROW);
    assert_eq!(q[0].raw_len, BAD_NIK_ROW.len() as u64);
    assert_eq!(
        (q[1].line, q[1].reason_code.as_str(), q[1].field.as_deref()),
        (5, "nul_byte", None)
    );
    assert_eq!(
        s.quarantine_raw_rows().expect("raw rows")[1],
        b"\0garbage".to_vec()
    );

    let only_nik = s
        .quarantine_list(Some("nik_length"), 100, 0)
        .expect("filtered list");
    assert_eq!(only_nik.len(), 1);
    assert_eq!(only_nik[0].line, 4);

    // One audit entry for the whole batch.
    assert_eq!(s.audit_head().expect("head").0, 1);
    let entries = s.audit_list(None, 10).expect("audit_list");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, "import_batch");
    assert_eq!(entries[0].subject, "prr-2026-01-05.csv");
    assert_eq!(entries[0].actor, "system:import");
}

#[test]
fn a_second_identical_import_batch_changes_nothing_and_writes_no_audit_entry() {
    let mut s = store();
    import(&mut s, "prr-2026-01-05.csv", &first_batch());
    let head = s.audit_head().expect("head");
    let ids = s.recording_ids().expect("ids");

    let again = import(&mut s, "prr-2026-01-05.csv", &first_batch());
    assert_eq!(
        again,
        BatchOutcome {
            imported: 0,
            quarantined: 0,
            already_present: 4,
            conflicts: 0,
            ..BatchOutcome::default()
        }
    );
    assert_eq!(
        s.audit_head().expect("head"),
        head,
        "a batch that changes nothing is not audited"
    );
    assert_eq!(audit_rows(&s), 1);
    assert_eq!(s.recording_ids().expect("ids"), ids);
    assert_eq!(
        s.quarantine_list(None, 100, 0).expect("quarantine").len(),
        2
    );

    // The same rows under another file name are still the same rows.
    let renamed = import(&mut s, "prr-2026-01-05-copy.csv", &first_batch());
    assert_eq!(
        renamed,
        BatchOutcome {
            imported: 0,
            quarantined: 0,
            already_present: 4,
            conflicts: 0,
            ..BatchOutcome::default()
        }
    );
    assert_eq!(s.audit_head().expect("head"), head);
}

// ---------------------------------------------------------------------------------------------
// 2. Conflicts.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_known_recording_id_with_different_content_is_quarantined_as_conflicting_recording() {
    let mut s = store();
    import(&mut s, "day1.csv", &[valid(2, "PLG00000001")]);
    let original_hash = stored_content_hash(&s, "PLG00000001");
    assert_eq!(original_hash, record(&fields(&[])).content_hash().to_vec());

    let changed = fields(&[(col::NAMA, "SITI AMINAH BINTI AHMAD")]);
    let changed_raw = changed.join(",");
    let rows = vec![
        valid(2, "PLG00000001"),
        valid_fields(3, &changed),
        valid(4, "PLG00000009"),
    ];
    let out = import(&mut s, "day2.csv", &rows);
    assert_eq!(
        out,
        BatchOutcome {
            imported: 1,
            quarantined: 1,
            already_present: 1,
            conflicts: 1,
            ..BatchOutcome::default()
        }
    );

    let q = s
        .quarantine_list(Some("conflicting_recording"), 100, 0)
        .expect("quarantine_list");
    assert_eq!(q.len(), 1);
    assert_eq!((q[0].source.as_str(), q[0].line), ("day2.csv", 3));
    assert_eq!(q[0].raw, changed_raw);
    assert!(q[0].message.contains("PLG00000001"), "{}", q[0].message);
    assert_eq!(s.quarantine_list(None, 100, 0).expect("all").len(), 1);

    // The registry still holds the first version, untouched.
    assert_eq!(stored_content_hash(&s, "PLG00000001"), original_hash);
    let by_nik = s.records_by_nik(NIK_A).expect("records_by_nik");
    let original = by_nik
        .iter()
        .find(|r| r.recording_id == "PLG00000001")
        .expect("original present");
    assert_eq!(original.nama, "SITI AMINAH");
    assert_eq!(original.state, RecordState::Received);

    // Importing the conflicting row again is already known, not a new conflict.
    let again = import(&mut s, "day2.csv", &rows);
    assert_eq!(
        again,
        BatchOutcome {
            imported: 0,
            quarantined: 0,
            already_present: 3,
            conflicts: 0,
            ..BatchOutcome::default()
        }
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Audit chain verification and tampering.
// ---------------------------------------------------------------------------------------------

/// Two import batches and four transitions: six entries.
fn store_with_chain() -> Store {
    let mut s = store();
    import(
        &mut s,
        "a.csv",
        &[valid(2, "PLG00000001"), valid(3, "PLG00000002")],
    );
    import(
        &mut s,
        "b.csv",
        &[
            valid(2, "PLG00000003"),
            rejected(3, "x,y", Rejection::row(ReasonCode::FieldCount, "2 fields")),
        ],
    );
    event(
        &mut s,
        "PLG00000001",
        Event::MarkUnique,
        1,
        "no other recording",
    );
    event(&mut s, "PLG00000001", Event::Enqueue, 2, "morning batch");
    event(
        &mut s,
        "PLG00000002",
        Event::MarkUnique,
        3,
        "no other recording",
    );
    event(
        &mut s,
        "PLG00000003",
        Event::SendToReview,
        4,
        "similar name in another kecamatan",
    );
    assert_eq!(s.audit_head().expect("head").0, 6);
    s
}

#[test]
fn audit_verify_passes_on_an_intact_chain_and_reports_entries_and_head() {
    let s = store_with_chain();
    let (seq, head) = s.audit_head().expect("head");
    let report = verify(&s, None).expect("intact chain verifies");
    assert_eq!(report.entries, 6);
    assert_eq!(report.entries, seq);
    assert_eq!(report.head, head);
    assert_eq!(head.len(), 64);

    let with_head = verify(&s, Some(&head)).expect("verifies against its own head");
    assert_eq!((with_head.entries, with_head.head), (6, head.clone()));
    assert!(
        verify(&s, Some(&head.to_uppercase())).is_ok(),
        "hex case does not matter"
    );

    let wrong = "00".repeat(32);
    assert_eq!(
        verify(&s, Some(&wrong)).map(|r| r.entries),
        Err(ChainBreak::HeadMismatch { last_seq: 6 })
    );
}

#[test]
fn audit_verify_names_an_edited_entry() {
    let s = store_with_chain();
    drop_audit_triggers(&s);
    exec(
        &s,
        "UPDATE audit_log SET reason = 'printed on request of the head of office' WHERE seq = 4",
    );
    assert_eq!(
        verify(&s, None).map(|r| r.entries),
        Err(ChainBreak::Edited { seq: 4 })
    );
}

/// Recompute the stored hashes of entries `from..=to` as an attacker who knows the (keyless)
/// algorithm would, each from the stored hash of the entry before it.
fn rehash(store: &Store, from: i64, to: i64) {
    let conn = store.raw_connection();
    for seq in from..=to {
        let prev: Vec<u8> = if seq == 1 {
            GENESIS.to_vec()
        } else {
            conn.query_row(
                "SELECT hash FROM audit_log WHERE seq = ?1",
                [seq - 1],
                |r| r.get(0),
            )
            .expect("prev")
        };
        let prev: [u8; 32] = prev.as_slice().try_into().expect("32-byte hash");
        let row: [String; 6] = conn
            .query_row(
                "SELECT at, actor, action, subject, reason, detail FROM audit_log WHERE seq = ?1",
                [seq],
                |r| {
                    Ok([
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ])
                },
            )
            .expect("entry");
        let content = EntryContent {
            seq: seq as u64,
            at: &row[0],
            actor: &row[1],
            action: &row[2],
            subject: &row[3],
            reason: &row[4],
            detail: &row[5],
        };
        let hash = entry_hash(&prev, &content);
        conn.execute(
            "UPDATE audit_log SET prev_hash = ?2, hash = ?3 WHERE seq = ?1",
            rusqlite::params![seq, &prev[..], &hash[..]],
        )
        .expect("rewrite hashes");
    }
}

#[test]
fn a_rehashed_edit_breaks_the_next_link_and_a_rewritten_tail_only_the_recorded_head() {
    let s = store_with_chain();
    let (_, old_head) = s.audit_head().expect("head");
    drop_audit_triggers(&s);
    exec(
        &s,
        "UPDATE audit_log SET actor = 'spv.someone.else' WHERE seq = 4",
    );
    rehash(&s, 4, 4);
    // Entry 4 is self-consistent now, but entry 5 no longer follows it.
    assert_eq!(
        verify(&s, None).map(|r| r.entries),
        Err(ChainBreak::OutOfOrder { seq: 5 })
    );

    // Rewriting every later entry as well makes a consistent chain: only the head the
    // supervisor wrote into the monthly report still tells.
    rehash(&s, 5, 6);
    assert_eq!(verify(&s, None).map(|r| r.entries), Ok(6));
    assert_eq!(
        verify(&s, Some(&old_head)).map(|r| r.entries),
        Err(ChainBreak::HeadMismatch { last_seq: 6 })
    );
}

#[test]
fn audit_verify_names_a_deleted_middle_entry_as_missing() {
    let s = store_with_chain();
    drop_audit_triggers(&s);
    exec(&s, "DELETE FROM audit_log WHERE seq = 3");
    assert_eq!(
        verify(&s, None).map(|r| r.entries),
        Err(ChainBreak::Missing {
            expected: 3,
            found: 4
        })
    );
}

#[test]
fn audit_verify_finds_two_swapped_entries_at_the_first_of_them() {
    let s = store_with_chain();
    drop_audit_triggers(&s);
    // Entry 2 takes every field of entry 3 (hashes included) and entry 3 every field of entry 2.
    exec(
        &s,
        "CREATE TEMP TABLE orig AS SELECT * FROM audit_log WHERE seq IN (2, 3);
         UPDATE audit_log SET
           at        = (SELECT at        FROM orig WHERE orig.seq = 5 - audit_log.seq),
           actor     = (SELECT actor     FROM orig WHERE orig.seq = 5 - audit_log.seq),
           action    = (SELECT action    FROM orig WHERE orig.seq = 5 - audit_log.seq),
           subject   = (SELECT subject   FROM orig WHERE orig.seq = 5 - audit_log.seq),
           reason    = (SELECT reason    FROM orig WHERE orig.seq = 5 - audit_log.seq),
           detail    = (SELECT detail    FROM orig WHERE orig.seq = 5 - audit_log.seq),
           prev_hash = (SELECT prev_hash FROM orig WHERE orig.seq = 5 - audit_log.seq),
           hash      = (SELECT hash      FROM orig WHERE orig.seq = 5 - audit_log.seq)
         WHERE seq IN (2, 3);",
    );
    // The swap really happened.
    let action2: String = s
        .raw_connection()
        .query_row("SELECT action FROM audit_log WHERE seq = 2", [], |r| {
            r.get(0)
        })
        .expect("action of 2");
    assert_eq!(action2, "mark_unique");
    let brk = verify(&s, None)
        .map(|r| r.entries)
        .expect_err("a swap breaks the chain");
    assert_eq!(brk.seq(), 2, "{brk:?}");
}

#[test]
fn a_cut_off_last_entry_is_only_found_against_the_recorded_head() {
    let s = store_with_chain();
    let (_, old_head) = s.audit_head().expect("head");
    drop_audit_triggers(&s);
    exec(&s, "DELETE FROM audit_log WHERE seq = 6");

    let report = verify(&s, None).expect("a shorter chain is still a chain");
    assert_eq!(report.entries, 5);
    assert_ne!(report.head, old_head);
    assert_eq!(report.head, s.audit_head().expect("head").1);

    assert_eq!(
        verify(&s, Some(&old_head)).map(|r| r.entries),
        Err(ChainBreak::HeadMismatch { last_seq: 5 })
    );
}

// ---------------------------------------------------------------------------------------------
// 4. The append-only triggers.
// ---------------------------------------------------------------------------------------------

fn assert_refused(result: rusqlite::Result<usize>) {
    let err = result.expect_err("the audit log must refuse this");
    assert!(err.to_string().contains("append-only"), "{err}");
}

#[test]
fn triggers_refuse_update_and_delete_on_the_audit_log() {
    let s = store_with_chain();
    let (_, head) = s.audit_head().expect("head");
    let conn = s.raw_connection();
    assert_refused(conn.execute("UPDATE audit_log SET reason = 'x' WHERE seq = 2", []));
    assert_refused(conn.execute("DELETE FROM audit_log WHERE seq = 6", []));
    assert_refused(conn.execute("DELETE FROM audit_log", []));
    assert_eq!(audit_rows(&s), 6);
    assert_eq!(verify(&s, Some(&head)).map(|r| r.entries), Ok(6));
}

#[test]
fn triggers_refuse_update_and_delete_through_a_separate_connection_to_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cetak.db");
    let mut s = Store::open(&path).expect("open");
    import(&mut s, "a.csv", &[valid(2, "PLG00000001")]);
    event(
        &mut s,
        "PLG00000001",
        Event::MarkUnique,
        1,
        "no other recording",
    );
    let (_, head) = s.audit_head().expect("head");

    let other = rusqlite::Connection::open(&path).expect("second connection");
    assert_refused(other.execute("UPDATE audit_log SET actor = 'someone' WHERE seq = 1", []));
    assert_refused(other.execute("DELETE FROM audit_log WHERE seq = 2", []));
    drop(other);

    assert_eq!(audit_rows(&s), 2);
    assert_eq!(verify(&s, Some(&head)).map(|r| r.entries), Ok(2));
}

// ---------------------------------------------------------------------------------------------
// 5. Lifecycle transitions.
// ---------------------------------------------------------------------------------------------

#[test]
fn apply_event_changes_state_and_audits_who_what_and_why() {
    let mut s = store();
    import(
        &mut s,
        "a.csv",
        &[valid(2, "PLG00000001"), valid(3, "PLG00000002")],
    );
    let (seq0, _) = s.audit_head().expect("head");

    let t = s
        .apply_event(
            "PLG00000001",
            Event::MarkUnique,
            cetak_store::Change::new(&op(), at(1), "no other recording found"),
        )
        .expect("legal");
    assert_eq!((t.from, t.to), (RecordState::Received, RecordState::Unique));
    assert_eq!(
        s.record_state("PLG00000001").expect("state"),
        RecordState::Unique
    );

    let entries = s.audit_list(Some("PLG00000001"), 10).expect("audit_list");
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(e.seq, seq0 + 1);
    assert_eq!(e.subject, "PLG00000001");
    assert_eq!(e.actor, "op.rina");
    assert_eq!(e.action, "mark_unique");
    assert_eq!(e.reason, "no other recording found");
    let detail: serde_json::Value = serde_json::from_str(&e.detail).expect("detail is JSON");
    assert_eq!(detail["from"], "received");
    assert_eq!(detail["to"], "unique");

    s.apply_event(
        "PLG00000001",
        Event::Enqueue,
        cetak_store::Change::new(&Actor("spv.dedi".into()), at(2), "morning batch"),
    )
    .expect("legal");
    assert_eq!(
        s.record_state("PLG00000001").expect("state"),
        RecordState::Queued
    );
    let entries = s.audit_list(Some("PLG00000001"), 10).expect("audit_list");
    assert_eq!(entries.len(), 2);
    assert_eq!(
        (entries[0].seq, entries[0].action.as_str()),
        (seq0 + 2, "enqueue")
    );
    assert_eq!(
        (entries[0].actor.as_str(), entries[0].reason.as_str()),
        ("spv.dedi", "morning batch")
    );

    // The other record's history is its own.
    assert!(
        s.audit_list(Some("PLG00000002"), 10)
            .expect("audit_list")
            .is_empty()
    );
    assert_eq!(
        s.record_state("PLG00000002").expect("state"),
        RecordState::Received
    );
    assert!(verify(&s, None).is_ok());
}

#[test]
fn an_illegal_transition_is_refused_and_changes_nothing() {
    let mut s = store();
    import(&mut s, "a.csv", &[valid(2, "PLG00000001")]);
    let head = s.audit_head().expect("head");

    let err = s
        .apply_event(
            "PLG00000001",
            Event::Enqueue,
            cetak_store::Change::new(&op(), at(1), "skip the checks"),
        )
        .expect_err("received cannot be queued");
    assert!(
        matches!(
            err,
            StoreError::Transition(TransitionError::Illegal(IllegalTransition {
                from: RecordState::Received,
                event: "enqueue"
            }))
        ),
        "{err:?}"
    );
    assert_eq!(
        s.record_state("PLG00000001").expect("state"),
        RecordState::Received
    );
    assert_eq!(s.audit_head().expect("head"), head);
    assert!(
        s.audit_list(Some("PLG00000001"), 10)
            .expect("audit_list")
            .is_empty()
    );

    let err = s
        .apply_event(
            "PLG00000001",
            Event::StartPrinting,
            cetak_store::Change::new(&op(), at(1), "print it"),
        )
        .expect_err("received cannot reach a printer");
    assert!(
        matches!(err, StoreError::Transition(TransitionError::Illegal(_))),
        "{err:?}"
    );
    assert_eq!(
        s.record_state("PLG00000001").expect("state"),
        RecordState::Received
    );
    assert_eq!(s.audit_head().expect("head"), head);
}

#[test]
fn an_empty_reason_is_refused_and_changes_nothing() {
    let mut s = store();
    import(&mut s, "a.csv", &[valid(2, "PLG00000001")]);
    let head = s.audit_head().expect("head");
    for reason in ["", "   "] {
        let err = s
            .apply_event(
                "PLG00000001",
                Event::MarkUnique,
                cetak_store::Change::new(&op(), at(1), reason),
            )
            .expect_err("a reason is required");
        assert!(
            matches!(err, StoreError::Transition(TransitionError::NoReason)),
            "{err:?}"
        );
    }
    assert_eq!(
        s.record_state("PLG00000001").expect("state"),
        RecordState::Received
    );
    assert_eq!(s.audit_head().expect("head"), head);
}

#[test]
fn an_event_for_an_unknown_record_is_refused() {
    let mut s = store();
    import(&mut s, "a.csv", &[valid(2, "PLG00000001")]);
    let head = s.audit_head().expect("head");
    let err = s
        .apply_event(
            "PLG99999999",
            Event::MarkUnique,
            cetak_store::Change::new(&op(), at(1), "checked"),
        )
        .expect_err("no such record");
    assert!(
        matches!(err, StoreError::NoSuchRecord(ref id) if id == "PLG99999999"),
        "{err:?}"
    );
    assert_eq!(s.audit_head().expect("head"), head);
}

// ---------------------------------------------------------------------------------------------
// 6. Exact-NIK duplicates.
// ---------------------------------------------------------------------------------------------

#[test]
fn mark_exact_nik_duplicates_keeps_the_latest_recording_of_a_nik() {
    let mut s = store();
    import(
        &mut s,
        "a.csv",
        &[
            recording(2, "PLG00000001", NIK_A, "2013-05-02T09:15:00+07:00"),
            recording(3, "PLG00000002", NIK_A, "2019-03-10T10:00:00+07:00"),
            recording(4, "PLG00000003", NIK_A, "2016-01-01T08:00:00+07:00"),
            // Another resident, recorded after all of them: not part of the group.
            recording(5, "PLG00000004", NIK_B, "2024-07-01T08:00:00+07:00"),
        ],
    );
    let marked = s
        .mark_exact_nik_duplicates(&Actor::system("dedup"), at(10))
        .expect("dedup");
    assert_eq!(marked, 2);

    let group = s.records_by_nik(NIK_A).expect("records_by_nik");
    let summary: Vec<(&str, RecordState, Option<&str>)> = group
        .iter()
        .map(|r| (r.recording_id.as_str(), r.state, r.duplicate_of.as_deref()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("PLG00000002", RecordState::Received, None),
            ("PLG00000003", RecordState::Duplicate, Some("PLG00000002")),
            ("PLG00000001", RecordState::Duplicate, Some("PLG00000002")),
        ]
    );

    let other = s.records_by_nik(NIK_B).expect("records_by_nik");
    assert_eq!(other.len(), 1);
    assert_eq!(
        (other[0].state, other[0].duplicate_of.as_deref()),
        (RecordState::Received, None)
    );
    assert!(
        s.audit_list(Some("PLG00000004"), 10)
            .expect("audit_list")
            .is_empty()
    );

    // Each marking is audited against its record.
    let e = s.audit_list(Some("PLG00000001"), 10).expect("audit_list");
    assert_eq!(e.len(), 1);
    assert_eq!(
        (e[0].action.as_str(), e[0].actor.as_str()),
        ("mark_duplicate", "system:dedup")
    );
    assert!(e[0].reason.contains("PLG00000002"), "{}", e[0].reason);

    let head = s.audit_head().expect("head");
    assert_eq!(
        s.mark_exact_nik_duplicates(&Actor::system("dedup"), at(20))
            .expect("dedup"),
        0
    );
    assert_eq!(s.audit_head().expect("head"), head);
    assert!(verify(&s, None).is_ok());
}

#[test]
fn mark_exact_nik_duplicates_compares_recording_times_as_instants_across_offsets() {
    // Recorded 30 minutes apart in Palembang (WIB, +07:00) and Makassar (WITA, +08:00): the
    // Palembang one is later (03:30Z against 03:00Z) although its local clock reads earlier.
    let mut s = store();
    import(
        &mut s,
        "a.csv",
        &[
            recording(2, "PLG00000001", NIK_A, "2019-03-10T10:30:00+07:00"),
            recording(3, "MKS00000001", NIK_A, "2019-03-10T11:00:00+08:00"),
        ],
    );
    assert_eq!(
        s.mark_exact_nik_duplicates(&Actor::system("dedup"), at(10))
            .expect("dedup"),
        1
    );
    assert_eq!(
        s.record_state("PLG00000001").expect("state"),
        RecordState::Received,
        "the later recording survives"
    );
    let group = s.records_by_nik(NIK_A).expect("records_by_nik");
    let makassar = group
        .iter()
        .find(|r| r.recording_id == "MKS00000001")
        .expect("present");
    assert_eq!(
        (makassar.state, makassar.duplicate_of.as_deref()),
        (RecordState::Duplicate, Some("PLG00000001"))
    );
    // records_by_nik promises newest first.
    assert_eq!(group[0].recording_id, "PLG00000001");
}

#[test]
fn mark_exact_nik_duplicates_keeps_a_recording_that_already_has_a_card() {
    let mut s = store();
    import(
        &mut s,
        "a.csv",
        &[
            recording(2, "PLG00000001", NIK_A, "2013-05-02T09:15:00+07:00"),
            recording(3, "PLG00000002", NIK_A, "2019-03-10T10:00:00+07:00"),
        ],
    );
    for (i, e) in [
        Event::MarkUnique,
        Event::Enqueue,
        Event::StartPrinting,
        Event::PrintConfirmed,
        Event::HandOver,
    ]
    .into_iter()
    .enumerate()
    {
        event(&mut s, "PLG00000001", e, i as i64, "first card");
    }
    assert_eq!(
        s.mark_exact_nik_duplicates(&Actor::system("dedup"), at(10))
            .expect("dedup"),
        1
    );
    assert_eq!(
        s.record_state("PLG00000001").expect("state"),
        RecordState::Issued
    );
    let group = s.records_by_nik(NIK_A).expect("records_by_nik");
    let later = group
        .iter()
        .find(|r| r.recording_id == "PLG00000002")
        .expect("present");
    assert_eq!(
        (later.state, later.duplicate_of.as_deref()),
        (RecordState::Duplicate, Some("PLG00000001"))
    );
}

// ---------------------------------------------------------------------------------------------
// 7. The database file.
// ---------------------------------------------------------------------------------------------

#[test]
fn reopening_a_database_file_keeps_data_and_schema_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cetak.db");
    let (version, head, quarantined) = {
        let mut s = Store::open(&path).expect("create");
        let version = s.schema_version().expect("schema_version");
        assert!(version >= 1, "a fresh file is migrated");
        import(&mut s, "a.csv", &first_batch());
        event(
            &mut s,
            "PLG00000001",
            Event::MarkUnique,
            1,
            "no other recording",
        );
        (
            version,
            s.audit_head().expect("head"),
            s.quarantine_list(None, 100, 0).expect("quarantine").len(),
        )
    };

    let mut s = Store::open(&path).expect("reopen");
    assert_eq!(s.schema_version().expect("schema_version"), version);
    assert_eq!(
        s.recording_ids().expect("ids"),
        vec!["PLG00000001", "PLG00000002"]
    );
    assert_eq!(
        s.record_state("PLG00000001").expect("state"),
        RecordState::Unique
    );
    assert_eq!(
        s.quarantine_list(None, 100, 0).expect("quarantine").len(),
        quarantined
    );
    assert_eq!(s.audit_head().expect("head"), head);
    assert_eq!(verify(&s, Some(&head.1)).map(|r| r.entries), Ok(head.0));

    // Still usable, and still idempotent across the reopen.
    let again = import(&mut s, "a.csv", &first_batch());
    assert_eq!(
        again,
        BatchOutcome {
            imported: 0,
            quarantined: 0,
            already_present: 4,
            conflicts: 0,
            ..BatchOutcome::default()
        }
    );
    drop(s);
    let s = Store::open(&path).expect("third open");
    assert_eq!(s.schema_version().expect("schema_version"), version);
    assert_eq!(s.audit_head().expect("head"), head);
}

#[test]
fn a_database_with_a_newer_schema_version_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cetak.db");
    let known = {
        let mut s = Store::open(&path).expect("create");
        import(&mut s, "a.csv", &[valid(2, "PLG00000001")]);
        let known = s.schema_version().expect("schema_version");
        s.raw_connection()
            .pragma_update(None, "user_version", known + 1)
            .expect("bump user_version");
        known
    };
    match Store::open(&path) {
        Err(StoreError::SchemaTooNew { found, known: k }) => {
            assert_eq!((found, k), (known + 1, known))
        }
        Err(e) => panic!("expected SchemaTooNew, got {e:?}"),
        Ok(_) => panic!("a newer schema must be refused"),
    }

    // The refusal leaves the file as it was.
    let conn = rusqlite::Connection::open(&path).expect("plain open");
    let v: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("user_version");
    assert_eq!(v, known + 1);
    let n: i64 = conn
        .query_row("SELECT count(*) FROM records", [], |r| r.get(0))
        .expect("count");
    assert_eq!(n, 1);
}

/// Migration 0008 moves states out of the wide record rows into `record_states` and puts a
/// `records` view in the old table's place: a version-7 database keeps every record, state,
/// survivor and hold, and the print tables' foreign keys follow the fields.
#[test]
fn states_move_to_their_own_table_with_nothing_lost() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v7.db");
    cetak_store::create_at_version(&path, 7).expect("a version-7 file");
    {
        let conn = rusqlite::Connection::open(&path).expect("open v7");
        for (i, (id, state, dup, blocked)) in [
            ("R1", "unique", None, 0),
            ("R2", "duplicate", Some("R1"), 0),
            ("R3", "perlu_perbaikan", None, 1),
        ]
        .into_iter()
        .enumerate()
        {
            conn.execute(
                "INSERT INTO records (recording_id, nik, nama, tempat_lahir, tanggal_lahir, jenis_kelamin,
                   golongan_darah, alamat, rt, rw, kelurahan, kecamatan, kabupaten_kota, provinsi, agama,
                   status_perkawinan, pekerjaan, kewarganegaraan, nama_ibu, recorded_at, recording_site,
                   jenis_permohonan, warnings, content_hash, state, state_changed_at, duplicate_of,
                   source_line, audit_seq, blocked)
                 VALUES (?1, ?2, 'BUDI', 'PALEMBANG', '1980-01-01', 'LAKI-LAKI', 'O', 'JL. A', '001', '002',
                   'SEBERANG ULU', 'SU I', 'KOTA PALEMBANG', 'SUMATERA SELATAN', 'ISLAM', 'KAWIN', 'PNS',
                   'WNI', 'SITI', '2015-01-01T08:00:00+07:00', 'KANTOR', 'BARU', '', x'00', ?3,
                   '2015-02-01T01:00:00Z', ?4, ?5, 1, ?6)",
                rusqlite::params![id, format!("167101010180000{i}"), state, dup, i as i64 + 1, blocked],
            )
            .expect("old-layout row");
        }
    }
    let store = Store::open(&path).expect("migrates");
    assert!(store.schema_version().expect("version") >= 8);
    let conn = store.raw_connection();
    let rows: Vec<(String, String, Option<String>, bool, String)> = conn
        .prepare("SELECT recording_id, state, duplicate_of, blocked, nama FROM records ORDER BY id")
        .expect("view")
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(
        rows,
        vec![
            ("R1".into(), "unique".into(), None, false, "BUDI".into()),
            (
                "R2".into(),
                "duplicate".into(),
                Some("R1".into()),
                false,
                "BUDI".into()
            ),
            (
                "R3".into(),
                "perlu_perbaikan".into(),
                None,
                true,
                "BUDI".into()
            ),
        ]
    );
    let narrow: i64 = conn
        .query_row("SELECT count(*) FROM record_states", [], |r| r.get(0))
        .expect("states");
    assert_eq!(narrow, 3);
    let queue_copies: Vec<(String, bool, String)> = conn
        .prepare("SELECT recording_id, first_time, waiting_since FROM record_states ORDER BY id")
        .expect("copies")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    for (i, (id, first_time, since)) in queue_copies.iter().enumerate() {
        assert_eq!(id, &format!("R{}", i + 1));
        assert!(first_time, "jenis_permohonan BARU");
        assert_eq!(since, "2015-01-01T08:00:00+07:00");
    }
    let parent: String = conn
        .query_row(
            "SELECT \"table\" FROM pragma_foreign_key_list('print_attempts') WHERE \"from\" = 'recording_id'",
            [],
            |r| r.get(0),
        )
        .expect("fk");
    assert_eq!(parent, "record_fields");
    let broken: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .expect("fk check");
    assert_eq!(broken, 0);
    // dedup reads the migrated registry as before.
    let (recs, states, _) = store.dedup_input().expect("dedup input");
    assert_eq!(recs.len(), 3);
    assert!(states[2].blocked);
}
