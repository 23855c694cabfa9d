//! Import contract v2 from the outside, as a script would use it: `gen --media`, `import
//! --media`, NDJSON with base64 keys, `--json` counts with `with_media`, and the `cetak media`
//! commands (audited export, attach, erase).

mod common;

use std::path::Path;

use base64::Engine as _;
use common::{cetak, fails_with, json, ok};
use serde_json::Value;

fn gen_with_media(dir: &Path, rows: &str) -> Value {
    json(&cetak(
        dir,
        &[
            "gen",
            "--rows",
            rows,
            "--seed",
            "21",
            "--out",
            "data",
            "--media",
            "--office-errors",
            "--json",
        ],
    ))
}

fn recording_ids(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("data/recordings.csv")).expect("csv");
    text.lines()
        .skip(1)
        .map(|l| l.split(',').next().expect("id").to_string())
        .collect()
}

fn state(dir: &Path, id: &str) -> String {
    let v = json(&cetak(dir, &["correct", "show", id, "--json"]));
    v["state"].as_str().expect("state").to_string()
}

#[test]
fn gen_media_writes_the_v2_layout_and_import_brings_everything_in() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    let g = gen_with_media(p, "150");
    assert_eq!(g["with_media"], 150);
    let ids = recording_ids(p);
    assert_eq!(ids.len(), 150);
    let mut without_signature = 0;
    for id in &ids {
        let d = p.join("data/media").join(id);
        for f in ["foto.jpg", "jari-02.fmr", "jari-07.fmr"] {
            assert!(d.join(f).is_file(), "{id}/{f}");
        }
        without_signature += u64::from(!d.join("tanda_tangan.png").exists());
    }
    // A check reads the media too, and writes nothing.
    let check = json(&cetak(
        p,
        &[
            "import",
            "data/recordings.csv",
            "--media",
            "data/media",
            "--check",
            "--json",
        ],
    ));
    assert_eq!(check["with_media"], 150);
    assert!(!p.join("x.db").exists(), "a check creates no database");

    let imp = json(&cetak(
        p,
        &[
            "--create",
            "import",
            "data/recordings.csv",
            "--media",
            "data/media",
            "--json",
        ],
    ));
    assert_eq!(imp["imported"], 150);
    assert_eq!(imp["with_media"], 150);
    let list = json(&cetak(
        p,
        &["correct", "list", "--all", "--limit", "1000", "--json"],
    ));
    let missing_signature = list["recordings"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|r| {
            r["problems"]
                .as_array()
                .expect("problems")
                .iter()
                .any(|pr| pr["code"] == "tanda_tangan_missing")
        })
        .count() as u64;
    assert_eq!(
        missing_signature, without_signature,
        "each missing signature is a problem"
    );

    // Byte for byte, and the view is audited with the actor.
    let id = &ids[0];
    let out = ok(&cetak(
        p,
        &[
            "--actor",
            "supervisor:budi",
            "media",
            "export",
            id,
            "foto",
            "--out",
            "f.jpg",
            "--reason",
            "cek identitas",
        ],
    ));
    assert!(out.contains("f.jpg"));
    assert_eq!(
        std::fs::read(p.join("f.jpg")).expect("exported"),
        std::fs::read(p.join("data/media").join(id).join("foto.jpg")).expect("source")
    );
    let log = json(&cetak(p, &["audit", "log", "--limit", "3", "--json"]));
    let entries = log["entries"]
        .as_array()
        .or(log.as_array())
        .cloned()
        .unwrap_or_default();
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "media_view" && e["actor"] == "supervisor:budi"),
        "{log}"
    );
    // Media of a held recording: never queued by data ganda.
    json(&cetak(p, &["dedup", "--json"]));
    let list = json(&cetak(p, &["correct", "list", "--json"]));
    for r in list["recordings"].as_array().expect("list") {
        assert_ne!(r["state"], "queued");
        assert_ne!(r["state"], "unique");
    }
}

#[test]
fn ndjson_v2_lines_bring_base64_media_and_a_bad_photo_holds_the_recording() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    gen_with_media(p, "6");
    let text = std::fs::read_to_string(p.join("data/recordings.csv")).expect("csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let b64 = |path: &Path| {
        base64::engine::general_purpose::STANDARD.encode(std::fs::read(path).expect("media"))
    };
    let mut ndjson = String::new();
    let mut ids = Vec::new();
    for (k, line) in lines.enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        let mut o = serde_json::Map::new();
        for (h, f) in header.iter().zip(&fields) {
            o.insert(h.to_string(), Value::String(f.to_string()));
        }
        let id = fields[0].to_string();
        let d = p.join("data/media").join(&id);
        if k == 0 {
            // A template where the photo must be a JPEG.
            o.insert("foto".into(), Value::String(b64(&d.join("jari-02.fmr"))));
        } else {
            o.insert("foto".into(), Value::String(b64(&d.join("foto.jpg"))));
        }
        if d.join("tanda_tangan.png").exists() {
            o.insert(
                "tanda_tangan".into(),
                Value::String(b64(&d.join("tanda_tangan.png"))),
            );
        }
        o.insert(
            "sidik_jari".into(),
            serde_json::json!({"2": b64(&d.join("jari-02.fmr")), "7": b64(&d.join("jari-07.fmr"))}),
        );
        ndjson.push_str(&Value::Object(o).to_string());
        ndjson.push('\n');
        ids.push(id);
    }
    std::fs::write(p.join("v2.ndjson"), ndjson).expect("write");
    let imp = json(&cetak(p, &["--create", "import", "v2.ndjson", "--json"]));
    assert_eq!(imp["imported"], 6);
    assert_eq!(imp["with_media"], 6);
    assert_eq!(imp["quarantined"], 0, "nothing is refused for its media");
    assert_eq!(state(p, &ids[0]), "perlu_perbaikan");
    let media = json(&cetak(p, &["media", "list", &ids[0], "--json"]));
    let foto = media["media"]
        .as_array()
        .expect("media")
        .iter()
        .find(|m| m["slot"] == "foto")
        .expect("the bad photo is kept")
        .clone();
    assert_eq!(foto["valid"], false);
    assert_eq!(foto["problem"], "media_not_image");

    // A wrong file is refused before anything is written; a good one releases the recording
    // (unless its signature is missing too).
    let d1 = p.join("data/media").join(&ids[1]);
    let wrong = d1.join("jari-07.fmr");
    fails_with(
        &cetak(
            p,
            &[
                "media",
                "attach",
                &ids[0],
                "foto",
                wrong.to_str().expect("p"),
                "--reason",
                "x",
            ],
        ),
        "not a JPEG or PNG",
    );
    let good = d1.join("foto.jpg");
    let o = json(&cetak(
        p,
        &[
            "media",
            "attach",
            &ids[0],
            "foto",
            good.to_str().expect("p"),
            "--reason",
            "foto ulang di loket",
            "--json",
        ],
    ));
    assert_eq!(o["valid"], true);
    let has_signature = p
        .join("data/media")
        .join(&ids[0])
        .join("tanda_tangan.png")
        .exists();
    assert_eq!(
        o["state_after"],
        if has_signature {
            "received"
        } else {
            "perlu_perbaikan"
        },
        "{o}"
    );

    // Erasure: gone, audited, and the recording waits for new media.
    let e = json(&cetak(
        p,
        &[
            "media",
            "erase",
            &ids[2],
            "--reason",
            "permintaan UU PDP no. 7",
            "--json",
        ],
    ));
    assert!(e["links"].as_u64().expect("links") >= 3, "{e}");
    let after = json(&cetak(p, &["media", "list", &ids[2], "--json"]));
    assert_eq!(after["media"].as_array().expect("list").len(), 0);
    assert_eq!(state(p, &ids[2]), "perlu_perbaikan");
    fails_with(
        &cetak(p, &["media", "erase", &ids[2], "--reason", "again"]),
        "no stored photo",
    );
    fails_with(
        &cetak(
            p,
            &[
                "media", "export", &ids[2], "foto", "--out", "x.jpg", "--reason", "r",
            ],
        ),
        "has no",
    );
    fails_with(
        &cetak(
            p,
            &[
                "media", "export", &ids[1], "../foto", "--out", "x.jpg", "--reason", "r",
            ],
        ),
        "slot",
    );
}

#[test]
fn a_media_option_that_is_not_a_folder_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    gen_with_media(p, "3");
    fails_with(
        &cetak(
            p,
            &[
                "--create",
                "import",
                "data/recordings.csv",
                "--media",
                "nope",
            ],
        ),
        "not a media folder",
    );
    // `--create` may have made the (empty) database; nothing was written into it.
    if p.join("x.db").exists() {
        let conn = rusqlite::Connection::open(p.join("x.db")).expect("db");
        let n: i64 = conn
            .query_row("SELECT count(*) FROM record_fields", [], |r| r.get(0))
            .unwrap_or(0);
        assert_eq!(n, 0, "refused before anything is imported");
    }
}

/// The photo box of a card PNG, as RGB bytes.
fn photo_box(png: &[u8]) -> Vec<u8> {
    let img = cetak_media::image::load_from_memory(png)
        .expect("card png")
        .to_rgb8();
    let b = cetak_card::PHOTO_BOX;
    let (x0, y0) = (b.x0.round() as u32 + 3, b.y0.round() as u32 + 3);
    let (w, h) = (
        (b.x1 - b.x0).round() as u32 - 6,
        (b.y1 - b.y0).round() as u32 - 6,
    );
    cetak_media::image::imageops::crop_imm(&img, x0, y0, w, h)
        .to_image()
        .into_raw()
}

fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| f64::from(x.abs_diff(*y)))
        .sum::<f64>()
        / a.len() as f64
}

#[test]
fn a_printed_card_carries_the_recordings_photo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    json(&cetak(
        p,
        &[
            "gen", "--rows", "40", "--seed", "5", "--out", "data", "--media", "--json",
        ],
    ));
    json(&cetak(
        p,
        &[
            "--create",
            "import",
            "data/recordings.csv",
            "--media",
            "data/media",
            "--json",
        ],
    ));
    json(&cetak(p, &["dedup", "--json"]));
    std::fs::create_dir_all(p.join("printers/P1")).expect("dir");
    ok(&cetak(
        p,
        &[
            "printer",
            "add",
            "P1",
            "--uri",
            "dir:printers/P1",
            "--cards-per-day",
            "100",
            "--burst",
            "3",
        ],
    ));
    ok(&cetak(
        p,
        &[
            "stock", "receive", "--first", "1000001", "--last", "1000100", "--ref", "SPB/1",
        ],
    ));
    let _ = cetak(p, &["print", "run", "--no-wait", "--json"]);
    let conn = rusqlite::Connection::open(p.join("x.db")).expect("db");
    let jobs: Vec<(String, String)> = conn
        .prepare("SELECT job_name, recording_id FROM print_attempts WHERE job_name IS NOT NULL")
        .expect("query")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("jobs");
    assert!(!jobs.is_empty(), "cards were printed");
    for (job, recording) in jobs.iter().take(3) {
        let printed =
            std::fs::read(p.join("printers/P1").join(format!("{job}.png"))).expect("card");
        let in_box = photo_box(&printed);
        // The recording's own photo, scaled to the box (the card crops a 3:4 photo by < 1 px).
        let photo = cetak_media::image::load_from_memory(
            &std::fs::read(p.join("data/media").join(recording).join("foto.jpg")).expect("foto"),
        )
        .expect("jpeg")
        .resize_exact(
            (cetak_card::PHOTO_BOX.x1 - cetak_card::PHOTO_BOX.x0).round() as u32,
            (cetak_card::PHOTO_BOX.y1 - cetak_card::PHOTO_BOX.y0).round() as u32,
            cetak_media::image::imageops::FilterType::Triangle,
        )
        .to_rgb8();
        let expected = photo_box_of_photo(&photo);
        let own = mean_abs_diff(&in_box, &expected);
        // Another person's photo is far from it: the comparison can tell.
        let other_id = &jobs
            .iter()
            .find(|(_, r)| r != recording)
            .expect("another")
            .1;
        let other = cetak_media::image::load_from_memory(
            &std::fs::read(p.join("data/media").join(other_id).join("foto.jpg")).expect("foto"),
        )
        .expect("jpeg")
        .resize_exact(
            photo.width(),
            photo.height(),
            cetak_media::image::imageops::FilterType::Triangle,
        )
        .to_rgb8();
        let theirs = mean_abs_diff(&in_box, &photo_box_of_photo(&other));
        assert!(
            own < 12.0,
            "{recording}: the photo box is not the photo (mean diff {own:.1})"
        );
        assert!(
            theirs > own * 2.0,
            "{recording}: own {own:.1} vs another person's {theirs:.1}"
        );
    }
}

/// The same inset crop of a box-sized photo as [`photo_box`] takes from a card.
fn photo_box_of_photo(photo: &cetak_media::image::RgbImage) -> Vec<u8> {
    let (w, h) = (photo.width() - 6, photo.height() - 6);
    cetak_media::image::imageops::crop_imm(photo, 3, 3, w, h)
        .to_image()
        .into_raw()
}
