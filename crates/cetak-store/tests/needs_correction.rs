//! Issue 12: a readable row with field problems enters the registry (perlu_perbaikan while a
//! printed field is invalid), takes part in data ganda, is resolved as a duplicate of a clean
//! recording without a person, is corrected with an audit trail, and an older database's
//! readable quarantined rows move into the registry.

use std::io::Cursor;

use cetak_domain::lifecycle::{Actor, Event, RecordState};
use cetak_domain::record::{COLUMNS, Checked, Record, col};
use cetak_ingest::{Format, Item, rows};
use cetak_store::{ImportRow, Store, StoreError};
use time::OffsetDateTime;
use time::macros::datetime;

const GOOD: [&str; 22] = cetak_domain::record::EXAMPLE_ROW;
const AT: OffsetDateTime = datetime!(2026-01-05 10:00 +7);

fn row(changes: &[(usize, &str)]) -> String {
    let mut f = GOOD.map(str::to_string);
    for &(c, v) in changes {
        f[c] = v.to_string();
    }
    f.join(",")
}

fn read_csv(lines: &[String]) -> Vec<ImportRow> {
    let mut text = COLUMNS.join(",");
    for l in lines {
        text.push('\n');
        text.push_str(l);
    }
    text.push('\n');
    rows(Cursor::new(text.into_bytes()), Format::Csv)
        .expect("header")
        .collect::<Result<_, _>>()
        .expect("rows")
}

fn op() -> Actor {
    Actor("op.rina".into())
}

fn state(s: &Store, id: &str) -> RecordState {
    s.record_state(id).expect("state")
}

fn audit_actions(s: &Store, subject: &str) -> Vec<String> {
    s.audit_list(Some(subject), 100)
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[test]
fn readable_rows_with_problems_enter_the_registry_and_only_unreadable_ones_are_quarantined() {
    let mut s = Store::open_in_memory().expect("store");
    let batch = read_csv(&[
        row(&[(col::RECORDING_ID, "OK")]),
        row(&[(col::RECORDING_ID, "NAME"), (col::NAMA, "RAF1")]),
        row(&[(col::RECORDING_ID, "MOTHER"), (col::NAMA_IBU, "")]),
        row(&[(col::RECORDING_ID, "NIK"), (col::NIK, "1671013208900001")]),
        row(&[(col::RECORDING_ID, ""), (col::NAMA, "D1MAS")]),
        "X,1".into(),
    ]);
    let out = s
        .import_batch("a.csv", &batch, "system:import", AT)
        .expect("import");
    assert_eq!(
        (
            out.imported,
            out.needs_correction,
            out.held_for_correction,
            out.quarantined,
            out.already_present
        ),
        (4, 3, 2, 2, 0)
    );
    assert_eq!(
        out.imported + out.quarantined + out.already_present,
        batch.len() as u64
    );
    assert_eq!(state(&s, "OK"), RecordState::Received);
    assert_eq!(state(&s, "NAME"), RecordState::NeedsCorrection);
    assert_eq!(state(&s, "NIK"), RecordState::NeedsCorrection);
    // A missing mother's name never blocks: the card does not print it.
    assert_eq!(state(&s, "MOTHER"), RecordState::Received);
    let view = s.correction_view("NAME").expect("view");
    assert_eq!(view.problems.len(), 1);
    let p = &view.problems[0];
    assert_eq!(
        (
            p.code.as_str(),
            p.field.as_str(),
            p.original.as_str(),
            p.blocking
        ),
        ("invalid_characters", "nama", "RAF1", true)
    );
    let original = view.original.expect("original row kept");
    assert_eq!(
        original.raw,
        row(&[(col::RECORDING_ID, "NAME"), (col::NAMA, "RAF1")])
    );
    assert_eq!((original.source.as_str(), original.line), ("a.csv", 3));
    // The same file again changes nothing.
    let again = s
        .import_batch("a.csv", &batch, "system:import", AT)
        .expect("import");
    assert_eq!(
        (again.imported, again.quarantined, again.already_present),
        (0, 0, 6)
    );
    // Every registry recording is in the clusters export, needs-correction ones too.
    let mut ids = Vec::new();
    s.clusters(|id, _| {
        ids.push(id.to_string());
        Ok(())
    })
    .expect("clusters");
    assert_eq!(ids, ["OK", "NAME", "MOTHER", "NIK"]);
    let worklist: Vec<String> = s
        .correction_list(false, 50)
        .expect("list")
        .into_iter()
        .map(|i| i.recording_id)
        .collect();
    assert_eq!(worklist, ["NAME", "NIK"]);
    assert_eq!(s.correction_counts().expect("counts"), (2, 1));
}

#[test]
fn a_record_with_an_invalid_printed_field_can_never_be_marked_unique_or_queued() {
    let mut s = Store::open_in_memory().expect("store");
    let batch = read_csv(&[
        row(&[(col::RECORDING_ID, "CLEAN")]),
        row(&[(col::RECORDING_ID, "BAD"), (col::PEKERJAAN, "")]),
    ]);
    s.import_batch("a.csv", &batch, "system:import", AT)
        .expect("import");
    // The lifecycle refuses it from perlu_perbaikan …
    let e = s.apply_event(
        "BAD",
        Event::MarkUnique,
        cetak_store::Change::new(&op(), AT, "looks fine"),
    );
    assert!(matches!(e, Err(StoreError::Transition(_))), "{e:?}");
    // … and the store refuses it from any state while the printed field is invalid.
    s.apply_event(
        "BAD",
        Event::MarkDuplicate {
            survivor: "CLEAN".into(),
        },
        cetak_store::Change::new(&op(), AT, "same person"),
    )
    .expect("a duplicate link is allowed");
    let e = s.apply_event(
        "BAD",
        Event::MarkUnique,
        cetak_store::Change::new(&op(), AT, "not the same after all"),
    );
    assert!(matches!(e, Err(StoreError::Conflict(_))), "{e:?}");
    assert_eq!(state(&s, "BAD"), RecordState::Duplicate);
}

/// A generated backlog with known duplicates, as rows of the real reader.
fn backlog(rows_n: u64, seed: u64) -> Vec<String> {
    let (mut rec, mut truth) = (Vec::new(), Vec::new());
    cetak_gen::generate(
        &cetak_gen::GenConfig {
            rows: rows_n,
            seed,
            ..cetak_gen::GenConfig::default()
        },
        &mut rec,
        &mut truth,
        &mut |_| {},
    )
    .expect("gen");
    String::from_utf8(rec)
        .expect("utf8")
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect()
}

fn split(line: &str) -> Vec<String> {
    // Generated rows never quote a comma.
    line.split(',')
        .map(|f| f.trim_matches('"').to_string())
        .collect()
}

fn dedup(s: &mut Store) -> cetak_store::DedupSummary {
    let (recs, states, decisions) = s.dedup_input().expect("input");
    let result = cetak_dedup::run(&recs, &decisions, &cetak_dedup::Config::default());
    s.apply_dedup(&recs, &states, &result, &Actor::system("dedup"), AT)
        .expect("apply")
}

#[test]
fn a_needs_correction_duplicate_of_a_clean_recording_is_resolved_without_a_person() {
    let mut lines = backlog(2_000, 12);
    // Re-recordings of a clean resident, later, with a digit for a letter in the name and an
    // impossible date in the NIK; and one of someone else with an empty occupation only.
    let first = split(&lines[0]);
    let mut again = first.clone();
    again[col::RECORDING_ID] = "AGAIN-1".into();
    again[col::NAMA] = again[col::NAMA].replacen('I', "1", 1).replacen('A', "4", 1);
    if again[col::NAMA] == first[col::NAMA] {
        again[col::NAMA] = format!("{}X", first[col::NAMA]);
    }
    let mut nik = again[col::NIK].clone().into_bytes();
    nik[6] = b'9'; // day 9x: impossible
    again[col::NIK] = String::from_utf8(nik).expect("ascii");
    again[col::RECORDED_AT] = "2024-06-01T09:00:00+07:00".into();
    let mut alone = split(&lines[1]);
    alone[col::RECORDING_ID] = "ALONE-1".into();
    alone[col::NAMA] = "Z3BEDEUS QWERTYUIOP".into();
    alone[col::NAMA_IBU] = "XAVERIA QWERTYUIOP".into();
    alone[col::NIK] = "1671019999990001".into();
    alone[col::TANGGAL_LAHIR] = "1931-01-01".into();
    alone[col::ALAMAT] = "JL. TIDAK ADA NO. 999".into();
    lines.push(again.join(","));
    lines.push(alone.join(","));
    let batch = read_csv(&lines);
    let out = s_import(&batch);
    let (mut s, out) = out;
    assert_eq!(out.held_for_correction, 2, "{out:?}");
    let summary = dedup(&mut s);
    let view = s.correction_view("AGAIN-1").expect("view");
    assert_eq!(
        state(&s, "AGAIN-1"),
        RecordState::Duplicate,
        "{:?} {:?}",
        view.fields,
        view.candidates
    );
    // A clean recording of the person survives though this one is the latest.
    let survivor = s
        .correction_view("AGAIN-1")
        .expect("view")
        .duplicate_of
        .expect("linked");
    assert_eq!(state(&s, &survivor), RecordState::Unique, "{survivor}");
    let first_state = state(&s, &first[col::RECORDING_ID]);
    assert!(
        matches!(first_state, RecordState::Unique | RecordState::Duplicate),
        "{first_state}"
    );
    assert_eq!(state(&s, "ALONE-1"), RecordState::NeedsCorrection);
    assert!(summary.resolved_without_correction >= 1, "{summary:?}");
    assert!(summary.needs_correction >= 1, "{summary:?}");
    // A second run changes nothing for them.
    let second = dedup(&mut s);
    assert_eq!(second.transitions, 0, "{second:?}");
}

fn s_import(batch: &[ImportRow]) -> (Store, cetak_store::BatchOutcome) {
    let mut s = Store::open_in_memory().expect("store");
    let out = s
        .import_batch("backlog.csv", batch, "system:import", AT)
        .expect("import");
    (s, out)
}

#[test]
fn a_correction_is_audited_revalidated_and_sends_the_recording_back_through_data_ganda() {
    let mut s = Store::open_in_memory().expect("store");
    let batch = read_csv(&[row(&[
        (col::RECORDING_ID, "FIX"),
        (col::NAMA, "S1TI AMINAH"),
        (col::PEKERJAAN, ""),
    ])]);
    s.import_batch("a.csv", &batch, "system:import", AT)
        .expect("import");
    // No reason, an unknown field or the id itself: refused.
    assert!(
        s.correct_field(
            "FIX",
            "nama",
            "SITI AMINAH",
            cetak_store::Change::new(&op(), AT, " ")
        )
        .is_err()
    );
    assert!(matches!(
        s.correct_field(
            "FIX",
            "warna",
            "X",
            cetak_store::Change::new(&op(), AT, "why")
        ),
        Err(StoreError::Refused(_))
    ));
    assert!(matches!(
        s.correct_field(
            "FIX",
            "recording_id",
            "X",
            cetak_store::Change::new(&op(), AT, "why")
        ),
        Err(StoreError::Refused(_))
    ));
    let first = s
        .correct_field(
            "FIX",
            "nama",
            "siti aminah",
            cetak_store::Change::new(&op(), AT, "checked against the KK"),
        )
        .expect("correct");
    assert_eq!(
        (first.old.as_str(), first.new.as_str()),
        ("S1TI AMINAH", "SITI AMINAH")
    );
    assert_eq!(first.resolved.len(), 1);
    assert_eq!(first.open.len(), 1, "the occupation is still empty");
    assert_eq!(first.state_after, RecordState::NeedsCorrection);
    // A value the same validation refuses opens a new problem instead of passing.
    let wrong = s
        .correct_field(
            "FIX",
            "pekerjaan",
            "ASTRONOT",
            cetak_store::Change::new(&op(), AT, "asked the resident"),
        )
        .expect("correct");
    assert_eq!(wrong.state_after, RecordState::NeedsCorrection);
    assert_eq!(wrong.open[0].code, "invalid_value");
    let done = s
        .correct_field(
            "FIX",
            "pekerjaan",
            "PELAJAR/MAHASISWA",
            cetak_store::Change::new(&op(), AT, "asked the resident"),
        )
        .expect("correct");
    assert!(done.open.is_empty());
    assert_eq!(done.state_after, RecordState::Received);
    // Every correction and the state change are in the audit log; the view keeps history.
    let actions = audit_actions(&s, "FIX");
    assert_eq!(
        actions.iter().filter(|a| *a == "correct_field").count(),
        3,
        "{actions:?}"
    );
    assert!(actions.contains(&"corrected".to_string()), "{actions:?}");
    let view = s.correction_view("FIX").expect("view");
    let c = &view.corrections[0];
    assert_eq!(
        (
            c.field.as_str(),
            c.old.as_str(),
            c.new.as_str(),
            c.actor.as_str(),
            c.reason.as_str()
        ),
        (
            "nama",
            "S1TI AMINAH",
            "SITI AMINAH",
            "op.rina",
            "checked against the KK"
        )
    );
    assert!(view.problems.iter().all(|p| p.resolved_seq.is_some()));
    let verified = s.audit_verify(None).expect("verify").expect("intact chain");
    assert_eq!(verified.entries, 5);
    // Back through data ganda, then printable: alone in the registry it is unique.
    dedup(&mut s);
    assert_eq!(state(&s, "FIX"), RecordState::Unique);
    s.apply_event(
        "FIX",
        Event::Enqueue,
        cetak_store::Change::new(&op(), AT, "print"),
    )
    .expect("a corrected record can be queued");
    // Nothing left to correct.
    assert!(
        s.correct_field(
            "FIX",
            "nama",
            "SITI",
            cetak_store::Change::new(&op(), AT, "x")
        )
        .is_err()
    );
}

/// An older database quarantined every row with a field problem: those rows move into the
/// registry (audited, their quarantine rows kept and pointing at the record), the unreadable
/// ones stay.
#[test]
fn readable_quarantined_rows_of_an_older_database_move_into_the_registry() {
    let mut s = Store::open_in_memory().expect("store");
    let name = row(&[(col::RECORDING_ID, "OLD-1"), (col::NAMA, "8ERNARDUS")]);
    let mother = row(&[(col::RECORDING_ID, "OLD-2"), (col::NAMA_IBU, "")]);
    // How contract 1.0 stored them: rejected, the first problem as the reason.
    let old_style = |line: u64, raw: &str| {
        let f: Vec<&str> = raw.split(',').collect();
        let fields: [&str; 22] = std::array::from_fn(|i| f[i]);
        ImportRow::Rejected {
            line,
            raw: raw.as_bytes().to_vec(),
            raw_len: raw.len() as u64,
            rejection: Record::validate(&fields).expect_err("rejected in 1.0"),
        }
    };
    let batch = vec![
        old_style(2, &name),
        old_style(3, &mother),
        ImportRow::Rejected {
            line: 4,
            raw: b"\xff\xfe".to_vec(),
            raw_len: 2,
            rejection: cetak_domain::Rejection::row(
                cetak_domain::ReasonCode::InvalidUtf8,
                "not UTF-8",
            ),
        },
    ];
    s.import_batch("old.csv", &batch, "system:import", AT)
        .expect("import");
    assert_eq!(s.quarantine_list(None, 10, 0).expect("q").len(), 3);
    let read = |raw: &[u8]| -> Option<Checked> {
        let text = std::str::from_utf8(raw).ok()?;
        let f: Vec<&str> = text.split(',').collect();
        (f.len() == 22).then(|| Record::check(&std::array::from_fn(|i| f[i])))
    };
    let report = s
        .readmit_quarantine(read, 3, &Actor::system("migrate"), AT)
        .expect("readmit");
    assert_eq!(
        (report.examined, report.moved, report.held_for_correction),
        (2, 2, 1)
    );
    assert_eq!(state(&s, "OLD-1"), RecordState::NeedsCorrection);
    assert_eq!(state(&s, "OLD-2"), RecordState::Received);
    // Nothing lost: the quarantine keeps its rows (listed no more) and names the record.
    assert_eq!(s.quarantine_raw_rows().expect("raw").len(), 3);
    let left = s.quarantine_list(None, 10, 0).expect("q");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].reason_code, "invalid_utf8");
    assert_eq!(
        s.quarantine_moved_to(1).expect("moved"),
        Some("OLD-1".into())
    );
    let view = s.correction_view("OLD-1").expect("view");
    assert_eq!(view.original.expect("raw").raw, name);
    let audit = s.audit_list(Some("quarantine"), 10).expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "readmit_quarantine");
    // Twice changes nothing; the rows' own import is then already present.
    let again = s
        .readmit_quarantine(read, 3, &Actor::system("migrate"), AT)
        .expect("readmit");
    assert_eq!((again.moved, again.audit_seq), (0, None));
    let reimport = s
        .import_batch("old.csv", &read_csv(&[name, mother]), "system:import", AT)
        .expect("import");
    assert_eq!(reimport.already_present, 2);
    assert!(matches!(
        read_csv(&[row(&[])]).first(),
        Some(Item::Valid { .. })
    ));
}

/// Issue 12, item 6: the open review queue puts first the pairs that hold back a card, then
/// the resident who has waited longest; groups of one evidence pattern are decided at once.
#[test]
fn the_review_queue_is_ordered_by_what_waits_and_groups_are_decided_at_once() {
    let batch = read_csv(&backlog(3_000, 21));
    let (mut s, _) = s_import(&batch);
    dedup(&mut s);
    let open = s.dedup_pairs(true, u32::MAX).expect("pairs");
    assert!(
        open.len() >= 3,
        "too few review pairs to order: {}",
        open.len()
    );
    let key = |p: &cetak_store::PairView| {
        let holds = [&p.a, &p.b]
            .iter()
            .any(|id| state(&s, id) == RecordState::AwaitingDecision);
        let earliest = [&p.a, &p.b]
            .iter()
            .map(|id| {
                s.record_fields(id).expect("fields")[col::RECORDED_AT]
                    .1
                    .clone()
            })
            .min()
            .unwrap_or_default();
        (!holds, earliest)
    };
    let keys: Vec<_> = open.iter().map(key).collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{keys:?}");
    // Groups cover the open pairs; deciding one decides exactly its pairs, audited each.
    let groups = s.dedup_pair_groups(2).expect("groups");
    assert_eq!(
        groups.iter().map(|g| g.pairs).sum::<u64>(),
        open.len() as u64
    );
    let g = &groups[0];
    assert!(g.sample.len() <= 2 && !g.sample.is_empty());
    let before = s.audit_list(None, 100_000).expect("audit").len();
    let n = s
        .decide_pair_group(
            &g.pattern,
            false,
            cetak_store::Change::new(&op(), AT, "looked at the sample"),
        )
        .expect("decide");
    assert_eq!(n, g.pairs);
    assert_eq!(
        s.audit_list(None, 100_000).expect("audit").len(),
        before + n as usize
    );
    assert_eq!(
        s.dedup_pairs(true, u32::MAX).expect("pairs").len(),
        open.len() - n as usize
    );
    assert!(matches!(
        s.decide_pair_group(
            &g.pattern,
            false,
            cetak_store::Change::new(&op(), AT, "again")
        ),
        Err(StoreError::NotFound(_))
    ));
    assert!(
        s.decide_pair_group("nothing", true, cetak_store::Change::new(&op(), AT, " "))
            .is_err()
    );
}
