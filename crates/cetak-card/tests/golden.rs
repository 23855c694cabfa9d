//! Golden-image tests: the rendered card must match the committed PNG up to small
//! anti-aliasing differences. `CETAK_UPDATE_GOLDEN=1 cargo test -p cetak-card --test golden`
//! rewrites the goldens after an intended layout change (look at them before committing).

mod common;

use std::path::PathBuf;

use cetak_card::{CardFields, example_card, example_card_with_photo, render_png};

/// A channel difference above this counts as a changed pixel.
const CHANNEL_TOLERANCE: u8 = 40;
/// At most this many changed pixels are accepted (a changed character is hundreds).
const MAX_CHANGED_PIXELS: usize = 60;

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

fn check_golden(name: &str, card: &CardFields) {
    let png = render_png(card).expect("render");
    let path = golden_path(name);
    if std::env::var("CETAK_UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &png).expect("write golden");
        eprintln!("rewrote {}", path.display());
        return;
    }
    let golden = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with CETAK_UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    let (gw, gh, gpx) = common::decode_rgb(&golden);
    let (w, h, px) = common::decode_rgb(&png);
    assert_eq!((w, h), (gw, gh), "size differs from {name}");
    let mut changed = 0usize;
    let mut worst = 0u8;
    for (a, b) in px.chunks_exact(3).zip(gpx.chunks_exact(3)) {
        let d = a
            .iter()
            .zip(b)
            .map(|(x, y)| x.abs_diff(*y))
            .max()
            .unwrap_or(0);
        worst = worst.max(d);
        if d > CHANNEL_TOLERANCE {
            changed += 1;
        }
    }
    if changed > MAX_CHANGED_PIXELS {
        let out = std::env::temp_dir().join(format!("actual_{name}"));
        let _ = std::fs::write(&out, &png);
        panic!(
            "{name}: {changed} pixels differ by more than {CHANNEL_TOLERANCE} (worst {worst}); \
             actual render written to {}",
            out.display()
        );
    }
}

#[test]
fn example_card_matches_golden() {
    check_golden("card_example.png", &example_card());
}

#[test]
fn card_with_photo_and_signature_matches_golden() {
    check_golden("card_photo.png", &example_card_with_photo());
}

#[test]
fn long_name_card_matches_golden() {
    check_golden("card_long.png", &common::long_card());
}

#[test]
fn golden_catches_a_one_letter_change() {
    // The tolerance must not hide a real change: a different blood type is caught.
    let png_a = render_png(&example_card()).expect("render");
    let png_b = render_png(&CardFields {
        golongan_darah: "A".into(),
        ..example_card()
    })
    .expect("render");
    let (_, _, a) = common::decode_rgb(&png_a);
    let (_, _, b) = common::decode_rgb(&png_b);
    let changed = a
        .chunks_exact(3)
        .zip(b.chunks_exact(3))
        .filter(|(p, q)| {
            p.iter()
                .zip(q.iter())
                .any(|(x, y)| x.abs_diff(*y) > CHANNEL_TOLERANCE)
        })
        .count();
    assert!(
        changed > MAX_CHANGED_PIXELS,
        "only {changed} pixels changed: tolerance too loose"
    );
}
