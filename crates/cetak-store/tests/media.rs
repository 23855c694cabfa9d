//! The person on the card in the registry: content stored once, a missing or bad photo holds
//! the record until a new one is attached (audited), each view by a person is audited, an
//! erasure removes the content for good, and a backup carries everything.

mod common;

use cetak_domain::lifecycle::{Actor, Event, RecordState};
use cetak_domain::media::{MediaItem, MediaSlot, MediaVerdict, RowMedia};
use cetak_domain::record::Record;
use cetak_store::{ImportRow, Store};
use common::{item, row};
use time::OffsetDateTime;
use time::macros::datetime;

const GOOD: [&str; 22] = cetak_domain::record::EXAMPLE_ROW;
const AT: OffsetDateTime = datetime!(2026-01-05 10:00 +7);

fn full_media(person: u64) -> RowMedia {
    RowMedia {
        items: vec![
            item(MediaSlot::Foto, cetak_media::synth::portrait(person, 1)),
            item(
                MediaSlot::TandaTangan,
                cetak_media::synth::signature(person, 1),
            ),
            item(
                MediaSlot::Jari(2),
                cetak_finger::synth::impression(person, 2, 1),
            ),
        ],
        unplaced: Vec::new(),
    }
}

fn sys() -> Actor {
    Actor::system("test")
}

fn audit_actions(store: &Store, subject: &str) -> Vec<(String, String)> {
    store
        .audit_list(Some(subject), 100)
        .expect("audit")
        .into_iter()
        .map(|e| (e.action, e.actor))
        .collect()
}

#[test]
fn the_same_content_is_stored_once_and_each_recording_keeps_its_slots() {
    let mut store = Store::open_in_memory().expect("store");
    let out = store
        .import_batch(
            "v2.ndjson",
            &[
                row("A", "1671014508900001", Some(full_media(7))),
                // A re-recording that brought the very same files.
                row("B", "1671014508900002", Some(full_media(7))),
                row("C", "1671014508900003", None),
            ],
            "system:test",
            AT,
        )
        .expect("import");
    assert_eq!(out.imported, 3);
    assert_eq!(out.with_media, 2);
    assert_eq!(out.held_for_correction, 0);
    let (contents, bytes, recordings) = store.media_totals().expect("totals");
    assert_eq!(
        contents, 3,
        "three contents, stored once for two recordings"
    );
    assert_eq!(recordings, 2);
    let expected: u64 = full_media(7)
        .items
        .iter()
        .map(|i| i.bytes.len() as u64)
        .sum();
    assert_eq!(bytes, expected);
    for id in ["A", "B"] {
        let slots: Vec<String> = store
            .media_list(id)
            .expect("list")
            .into_iter()
            .map(|m| m.slot)
            .collect();
        assert_eq!(slots, ["foto", "jari-02", "tanda_tangan"], "{id}");
        assert_eq!(
            store.media_for_card(id, MediaSlot::Foto).expect("photo"),
            Some(cetak_media::synth::portrait(7, 1))
        );
    }
    assert!(
        store.media_list("C").expect("list").is_empty(),
        "a v1 record has none"
    );
    assert_eq!(
        store.media_for_card("C", MediaSlot::Foto).expect("none"),
        None
    );
}

#[test]
fn a_recording_without_a_valid_photo_is_held_until_one_is_attached() {
    let mut store = Store::open_in_memory().expect("store");
    let mut bad = full_media(1);
    bad.items[0] = item(MediaSlot::Foto, cetak_media::synth::signature(1, 1)); // a PNG
    bad.items.retain(|i| i.slot != MediaSlot::TandaTangan);
    let out = store
        .import_batch(
            "v2",
            &[row("A", "1671014508900001", Some(bad))],
            "system:test",
            AT,
        )
        .expect("import");
    assert_eq!(out.held_for_correction, 1);
    assert_eq!(
        store.record_state("A").expect("state"),
        RecordState::NeedsCorrection
    );
    // The bad photo's bytes are kept beside the reason (nothing lost), never given to a card.
    let list = store.media_list("A").expect("list");
    let foto = list.iter().find(|m| m.slot == "foto").expect("kept");
    assert!(!foto.valid);
    assert_eq!(foto.problem.as_deref(), Some("media_wrong_format"));
    assert_eq!(store.media_for_card("A", MediaSlot::Foto).expect("q"), None);
    // It can never be marked unique or queued while held.
    assert!(
        store
            .apply_event(
                "A",
                Event::MarkUnique,
                cetak_store::Change::new(&sys(), AT, "try")
            )
            .is_err()
    );

    // A new photo closes the photo's problem; the missing signature still holds it.
    let o = store
        .media_attach(
            "A",
            &item(MediaSlot::Foto, cetak_media::synth::portrait(1, 2)),
            cetak_store::Change::new(&Actor("operator:ani".into()), AT, "foto ulang"),
        )
        .expect("attach");
    assert!(o.valid);
    assert_eq!(o.state_after, RecordState::NeedsCorrection);
    let o = store
        .media_attach(
            "A",
            &item(MediaSlot::TandaTangan, cetak_media::synth::signature(1, 2)),
            cetak_store::Change::new(&Actor("operator:ani".into()), AT, "tanda tangan ulang"),
        )
        .expect("attach");
    assert_eq!(
        o.state_after,
        RecordState::Received,
        "every printed item valid: back to data ganda"
    );
    assert!(
        store
            .apply_event(
                "A",
                Event::MarkUnique,
                cetak_store::Change::new(&sys(), AT, "no duplicate")
            )
            .is_ok()
    );
    // The replaced photo is kept (marked replaced), the current one is the new one.
    assert_eq!(
        store.media_for_card("A", MediaSlot::Foto).expect("q"),
        Some(cetak_media::synth::portrait(1, 2))
    );
    let actions = audit_actions(&store, "A");
    assert!(
        actions.iter().filter(|(a, _)| a == "media_attach").count() == 2,
        "{actions:?}"
    );
    // No media change once queued.
    store
        .apply_event(
            "A",
            Event::Enqueue,
            cetak_store::Change::new(&sys(), AT, "queue"),
        )
        .expect("enqueue");
    let refused = store.media_attach(
        "A",
        &item(MediaSlot::Foto, cetak_media::synth::portrait(1, 3)),
        cetak_store::Change::new(&sys(), AT, "late"),
    );
    assert!(
        refused.is_err(),
        "the queued card must be the card that was checked"
    );
}

#[test]
fn an_unchecked_or_reasonless_attach_is_refused() {
    let mut store = Store::open_in_memory().expect("store");
    store
        .import_batch(
            "v2",
            &[row("A", "1671014508900001", Some(RowMedia::default()))],
            "system:test",
            AT,
        )
        .expect("import");
    let unchecked = MediaItem {
        slot: MediaSlot::Foto,
        bytes: cetak_media::synth::portrait(1, 1),
        verdict: MediaVerdict::Unchecked,
    };
    assert!(
        store
            .media_attach("A", &unchecked, cetak_store::Change::new(&sys(), AT, "x"))
            .is_err()
    );
    let checked = item(MediaSlot::Foto, cetak_media::synth::portrait(1, 1));
    assert!(
        store
            .media_attach("A", &checked, cetak_store::Change::new(&sys(), AT, "  "))
            .is_err()
    );
    assert!(
        store
            .media_attach("NOPE", &checked, cetak_store::Change::new(&sys(), AT, "x"))
            .is_err()
    );
    assert!(
        store.media_list("A").expect("list").is_empty(),
        "nothing written"
    );
}

#[test]
fn a_field_correction_does_not_close_a_media_problem() {
    let mut store = Store::open_in_memory().expect("store");
    // An empty occupation (a field problem) and no photo (a media problem).
    let mut f = GOOD.map(str::to_string);
    f[0] = "A".into();
    f[16] = String::new();
    let refs: [&str; 22] = std::array::from_fn(|i| f[i].as_str());
    let draft = match Record::check(&refs) {
        cetak_domain::Checked::NeedsCorrection(d) => d,
        other => panic!("expected a draft, got {other:?}"),
    };
    let mut media = full_media(3);
    media.items.retain(|i| i.slot != MediaSlot::Foto);
    store
        .import_batch(
            "v2",
            &[ImportRow::NeedsCorrection {
                line: 2,
                draft,
                raw: f.join(",").into_bytes(),
                media: Some(Box::new(media)),
            }],
            "system:test",
            AT,
        )
        .expect("import");
    let o = store
        .correct_field(
            "A",
            "pekerjaan",
            "PEGAWAI SWASTA",
            cetak_store::Change::new(&Actor("operator:ani".into()), AT, "salah ketik"),
        )
        .expect("correct");
    assert_eq!(
        o.state_after,
        RecordState::NeedsCorrection,
        "the photo is still missing"
    );
    assert!(
        o.open.iter().any(|p| p.code == "foto_missing"),
        "{:?}",
        o.open
    );
}

#[test]
fn each_view_by_a_person_is_audited_and_the_machine_read_is_not() {
    let mut store = Store::open_in_memory().expect("store");
    store
        .import_batch(
            "v2",
            &[row("A", "1671014508900001", Some(full_media(1)))],
            "system:test",
            AT,
        )
        .expect("import");
    let before = store.audit_head().expect("head").0;
    store
        .media_for_card("A", MediaSlot::Foto)
        .expect("card read");
    assert_eq!(
        store.audit_head().expect("head").0,
        before,
        "rendering a card is not a view"
    );
    let (mime, bytes) = store
        .media_view(
            "A",
            MediaSlot::Foto,
            &Actor("supervisor:budi".into()),
            "review pair 12",
            AT,
        )
        .expect("view")
        .expect("present");
    assert_eq!(mime, "image/jpeg");
    assert_eq!(bytes, cetak_media::synth::portrait(1, 1));
    let entry = store.audit_list(Some("A"), 1).expect("audit").remove(0);
    assert_eq!(entry.action, "media_view");
    assert_eq!(entry.actor, "supervisor:budi");
    assert_eq!(entry.reason, "review pair 12");
    assert!(entry.detail.contains("\"slot\":\"foto\""));
    assert!(store.verify_chain_ok(), "the chain stays whole");
    // An empty slot: nothing shown, nothing audited.
    let head = store.audit_head().expect("head").0;
    assert!(
        store
            .media_view("A", MediaSlot::Jari(7), &sys(), "x", AT)
            .expect("q")
            .is_none()
    );
    assert_eq!(store.audit_head().expect("head").0, head);
}

trait ChainOk {
    fn verify_chain_ok(&self) -> bool;
}
impl ChainOk for Store {
    fn verify_chain_ok(&self) -> bool {
        matches!(self.audit_verify(None), Ok(Ok(_)))
    }
}

#[test]
fn an_erasure_removes_the_content_for_good_but_keeps_what_another_recording_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("office.db");
    let mut store = Store::open(&db).expect("store");
    store
        .import_batch(
            "v2",
            &[
                row("A", "1671014508900001", Some(full_media(1))),
                row("B", "1671014508900002", Some(full_media(2))),
            ],
            "system:test",
            AT,
        )
        .expect("import");
    // B shares A's template file (the same bytes came twice).
    store
        .media_attach(
            "B",
            &item(MediaSlot::Jari(2), cetak_finger::synth::impression(1, 2, 1)),
            cetak_store::Change::new(&sys(), AT, "same file"),
        )
        .expect("attach");
    let o = store
        .media_erase(
            "A",
            cetak_store::Change::new(
                &Actor("supervisor:budi".into()),
                AT,
                "permintaan UU PDP 2026/17",
            ),
        )
        .expect("erase");
    assert_eq!(o.links, 3);
    assert_eq!(o.contents, 2, "the template B also names stays");
    assert!(store.media_list("A").expect("list").is_empty());
    assert_eq!(
        store.media_for_card("B", MediaSlot::Jari(2)).expect("q"),
        Some(cetak_finger::synth::impression(1, 2, 1))
    );
    assert_eq!(
        store.record_state("A").expect("state"),
        RecordState::NeedsCorrection,
        "no photo to print"
    );
    let erase = store
        .audit_list(Some("A"), 10)
        .expect("audit")
        .into_iter()
        .find(|e| e.action == "media_erase")
        .expect("audited");
    assert_eq!(erase.reason, "permintaan UU PDP 2026/17");
    assert!(
        !erase.detail.contains("JFIF"),
        "the audit keeps hashes, never content"
    );
    assert!(
        store
            .media_erase("A", cetak_store::Change::new(&sys(), AT, "again"))
            .is_err(),
        "nothing left to erase"
    );
    drop(store);
    // Secure delete: the photo's bytes are gone from the file itself, not only unlinked. The
    // needle is a piece of A's photo that is in no content B keeps.
    let photo = cetak_media::synth::portrait(1, 1);
    let kept: Vec<Vec<u8>> = full_media(2).items.into_iter().map(|i| i.bytes).collect();
    let needle = photo
        .windows(48)
        .find(|w| !kept.iter().any(|k| k.windows(48).any(|x| x == *w)))
        .expect("a piece of the photo that only A has");
    let found = |hay: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    let file = std::fs::read(&db).expect("db bytes");
    let wal = std::fs::read(dir.path().join("office.db-wal")).unwrap_or_default();
    assert!(
        !found(&file),
        "erased photo bytes still in the database file"
    );
    assert!(
        !found(&wal),
        "erased photo bytes still in the write-ahead log"
    );
}

#[test]
fn a_backup_carries_the_media_and_a_restore_brings_it_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("office.db");
    let mut store = Store::open(&db).expect("store");
    store
        .import_batch(
            "v2",
            &[row("A", "1671014508900001", Some(full_media(5)))],
            "system:test",
            AT,
        )
        .expect("import");
    let copy = dir.path().join("backup.db");
    store.backup_to(&copy).expect("backup");
    let before = store.media_list("A").expect("list");
    store
        .media_erase("A", cetak_store::Change::new(&sys(), AT, "test"))
        .expect("erase");
    drop(store);
    cetak_store::restore_backup(&copy, &db, "system:test", AT).expect("restore");
    let store = Store::open(&db).expect("reopen");
    assert_eq!(store.media_list("A").expect("list"), before);
    assert_eq!(
        store.media_for_card("A", MediaSlot::Foto).expect("q"),
        Some(cetak_media::synth::portrait(5, 1))
    );
}
