//! Import contract v2: photos, signatures and templates from NDJSON keys and from a media
//! folder. Whatever is wrong with a recording's media becomes a problem of the recording, with
//! the bytes that came; the recording itself is never refused for it.

use std::io::Cursor;

use base64::Engine as _;
use cetak_domain::media::{MediaSlot, MediaVerdict, RowMedia};
use cetak_domain::record::COLUMNS;
use cetak_ingest::media::{check_rows, from_dir};
use cetak_ingest::{Format, Item, ReasonCode, rows};

const GOOD: [&str; 22] = cetak_domain::record::EXAMPLE_ROW;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn line(id: &str, extra: &[(&str, serde_json::Value)]) -> String {
    let mut o = serde_json::Map::new();
    for (k, v) in COLUMNS.iter().zip(GOOD) {
        o.insert(k.to_string(), serde_json::Value::String(v.into()));
    }
    o.insert("recording_id".into(), id.into());
    for (k, v) in extra {
        o.insert(k.to_string(), v.clone());
    }
    serde_json::Value::Object(o).to_string()
}

fn read_ndjson(lines: &[String]) -> Vec<Item> {
    let mut items: Vec<Item> = rows(Cursor::new(lines.join("\n").into_bytes()), Format::Ndjson)
        .expect("readable")
        .collect::<Result<_, _>>()
        .expect("rows");
    check_rows(&mut items);
    items
}

fn media(item: &Item) -> Option<&RowMedia> {
    match item {
        Item::Valid { media, .. } | Item::NeedsCorrection { media, .. } => media.as_deref(),
        Item::Rejected { .. } => None,
    }
}

fn verdict_code(m: &RowMedia, slot: MediaSlot) -> Option<String> {
    match &m.get(slot).expect("slot present").verdict {
        MediaVerdict::Invalid { code, .. } => Some(code.clone()),
        MediaVerdict::Valid { .. } => None,
        MediaVerdict::Unchecked => Some("unchecked".into()),
    }
}

fn photo() -> Vec<u8> {
    cetak_media::synth::portrait(1, 1)
}
fn signature() -> Vec<u8> {
    cetak_media::synth::signature(1, 1)
}
fn template(finger: u8) -> Vec<u8> {
    cetak_finger::synth::impression(1, finger, 1)
}

#[test]
fn a_v1_line_has_no_media_and_a_v2_line_brings_every_item_checked() {
    let v2 = line(
        "V2",
        &[
            ("foto", b64(&photo()).into()),
            ("tanda_tangan", b64(&signature()).into()),
            (
                "sidik_jari",
                serde_json::json!({"2": b64(&template(2)), "7": b64(&template(7))}),
            ),
        ],
    );
    assert!(v2.len() > 4096, "a v2 line is long: {}", v2.len());
    let items = read_ndjson(&[line("V1", &[]), v2]);
    assert!(media(&items[0]).is_none(), "v1 rows carry no media");
    let m = media(&items[1]).expect("v2 media");
    assert_eq!(m.items.len(), 4);
    for slot in [
        MediaSlot::Foto,
        MediaSlot::TandaTangan,
        MediaSlot::Jari(2),
        MediaSlot::Jari(7),
    ] {
        assert_eq!(verdict_code(m, slot), None, "{slot} valid");
    }
    assert_eq!(
        m.get(MediaSlot::Foto).expect("foto").bytes,
        photo(),
        "byte for byte"
    );
    assert!(!m.blocks_printing());
    assert!(matches!(items[1], Item::Valid { .. }));
}

#[test]
fn every_media_fault_is_a_problem_of_the_recording_not_a_refusal() {
    type Case<'a> = (
        &'a str,
        Vec<(&'a str, serde_json::Value)>,
        MediaSlot,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            "bad base64",
            vec![("foto", "%%%not base64%%%".into())],
            MediaSlot::Foto,
            "media_bad_base64",
        ),
        (
            "a number",
            vec![("foto", 42.into())],
            MediaSlot::Foto,
            "media_wrong_type",
        ),
        (
            "a PNG as photo",
            vec![("foto", b64(&signature()).into())],
            MediaSlot::Foto,
            "media_wrong_format",
        ),
        (
            "random bytes",
            vec![("foto", b64(b"hello, not an image").into())],
            MediaSlot::Foto,
            "media_not_image",
        ),
        (
            "empty",
            vec![("tanda_tangan", "".into())],
            MediaSlot::TandaTangan,
            "media_empty",
        ),
        (
            "truncated photo",
            vec![("foto", b64(&photo()[..photo().len() / 2]).into())],
            MediaSlot::Foto,
            "",
        ),
        (
            "a template that is not one",
            vec![("sidik_jari", serde_json::json!({"2": b64(b"GIF89a....")}))],
            MediaSlot::Jari(2),
            "template_not_fmr",
        ),
        (
            "the template of another finger",
            vec![("sidik_jari", serde_json::json!({"7": b64(&template(2))}))],
            MediaSlot::Jari(7),
            "finger_position_mismatch",
        ),
    ];
    for (what, extra, slot, code) in cases {
        let items = read_ndjson(&[line("X", &extra)]);
        assert_eq!(items.len(), 1, "{what}: one row in, one item out");
        assert!(
            !matches!(items[0], Item::Rejected { .. }),
            "{what}: the recording is not refused"
        );
        let m = media(&items[0]).expect("media");
        let got = verdict_code(m, slot).unwrap_or_else(|| panic!("{what}: {slot} must be invalid"));
        if !code.is_empty() {
            assert_eq!(got, code, "{what}");
        }
        let problems = m.problems();
        assert!(
            problems.iter().any(|p| p.1 == slot.name()),
            "{what}: a problem on {slot}: {problems:?}"
        );
        // A missing or bad photo/signature holds printing; a bad finger does not.
        assert!(
            m.blocks_printing(),
            "{what}: no valid photo and signature here"
        );
    }
}

#[test]
fn a_bad_finger_key_or_shape_is_kept_as_a_problem_that_does_not_hold_printing() {
    for sidik in [
        serde_json::json!({"11": b64(&template(2))}),
        serde_json::json!({"kanan": b64(&template(2))}),
        serde_json::json!(["not", "an", "object"]),
    ] {
        let items = read_ndjson(&[line(
            "F",
            &[
                ("foto", b64(&photo()).into()),
                ("tanda_tangan", b64(&signature()).into()),
                ("sidik_jari", sidik.clone()),
            ],
        )]);
        let m = media(&items[0]).expect("media");
        assert_eq!(m.unplaced.len(), 1, "{sidik}");
        assert!(!m.blocks_printing(), "{sidik}");
        assert_eq!(m.problems().len(), 1);
    }
}

#[test]
fn a_line_over_the_v2_limit_goes_to_quarantine_with_its_first_bytes() {
    let huge = "A".repeat(cetak_ingest::MAX_NDJSON_ROW_BYTES + 10);
    let items = read_ndjson(&[line("H", &[("foto", huge.into())]), line("OK", &[])]);
    assert_eq!(items.len(), 2, "the next line still comes");
    match &items[0] {
        Item::Rejected { rejection, raw, .. } => {
            assert_eq!(rejection.code, ReasonCode::RecordTooLarge);
            assert!(raw.len() <= cetak_ingest::KEPT_RAW_BYTES);
        }
        other => panic!("expected quarantine, got {other:?}"),
    }
    assert!(matches!(items[1], Item::Valid { .. }));
}

#[test]
fn an_unknown_key_beside_the_v2_keys_is_still_refused() {
    let items = read_ndjson(&[line("U", &[("fingerprints", "x".into())])]);
    match &items[0] {
        Item::Rejected { rejection, .. } => assert_eq!(rejection.code, ReasonCode::UnknownField),
        other => panic!("expected quarantine, got {other:?}"),
    }
}

#[test]
fn a_media_folder_is_read_by_its_layout_and_hostile_entries_are_problems() {
    let root = tempfile::tempdir().expect("tempdir");
    let ok = root.path().join("R1");
    std::fs::create_dir_all(&ok).expect("dir");
    std::fs::write(ok.join("foto.jpg"), photo()).expect("write");
    std::fs::write(ok.join("tanda_tangan.png"), signature()).expect("write");
    std::fs::write(ok.join("jari-02.fmr"), template(2)).expect("write");
    std::fs::write(ok.join("jari-7.fmr"), template(7)).expect("write");
    std::fs::write(ok.join("catatan.txt"), b"notes").expect("write");
    let mut m = from_dir(root.path(), "R1");
    m.items.iter_mut().for_each(cetak_ingest::media::check);
    assert_eq!(m.items.len(), 4, "{m:?}");
    assert!(!m.blocks_printing());
    assert_eq!(m.unplaced.len(), 1, "the unknown file is noted");
    assert_eq!(m.unplaced[0].0, "media_unknown_file");

    // No folder: photo and signature missing, printing held.
    let none = from_dir(root.path(), "R2");
    assert!(none.items.is_empty());
    let codes: Vec<String> = none.problems().into_iter().map(|p| p.0).collect();
    assert_eq!(codes, ["foto_missing", "tanda_tangan_missing"]);

    // A recording id that would climb out of the media folder is never used as a path.
    std::fs::write(root.path().join("foto.jpg"), photo()).expect("write");
    for id in ["../R1", "R1/../R1", ".", "..", ".hidden"] {
        let m = from_dir(&ok, id);
        assert!(m.items.is_empty(), "{id}: nothing read");
        assert!(
            m.unplaced.iter().any(|u| u.0 == "media_dir_unsafe_id"),
            "{id}"
        );
    }

    // A link or a folder in a slot's name is not read.
    let odd = root.path().join("R3");
    std::fs::create_dir_all(odd.join("foto.jpg")).expect("dir named like a file");
    std::os::unix::fs::symlink("/etc/passwd", odd.join("tanda_tangan.png")).expect("symlink");
    let mut m = from_dir(root.path(), "R3");
    m.items.iter_mut().for_each(cetak_ingest::media::check);
    for slot in [MediaSlot::Foto, MediaSlot::TandaTangan] {
        assert_eq!(
            verdict_code(&m, slot).as_deref(),
            Some("media_not_a_file"),
            "{slot}"
        );
        assert!(m.get(slot).expect("slot").bytes.is_empty());
    }

    // A file over its slot's limit is not read whole.
    let big = root.path().join("R4");
    std::fs::create_dir_all(&big).expect("dir");
    std::fs::write(
        big.join("foto.jpg"),
        vec![0xFF; cetak_media::PHOTO_MAX_BYTES + 1],
    )
    .expect("write");
    let m = from_dir(root.path(), "R4");
    assert_eq!(
        verdict_code(&m, MediaSlot::Foto).as_deref(),
        Some("media_too_large")
    );
}
