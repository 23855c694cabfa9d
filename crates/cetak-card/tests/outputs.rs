//! Format checks of the PNG, the card PDF and the report PDF, and layout behaviour.

mod common;

use cetak_card::{
    CardFields, HEIGHT_PX, PxRect, ReportDoc, ReportSection, WIDTH_PX, example_card, layout,
    render_pdf, render_png, report_pdf,
};

/// Returns the `pHYs` chunk payload of a PNG: (x ppu, y ppu, unit).
fn phys(png: &[u8]) -> Option<(u32, u32, u8)> {
    let mut i = 8;
    while i + 8 <= png.len() {
        let len = u32::from_be_bytes(png[i..i + 4].try_into().ok()?) as usize;
        let kind = &png[i + 4..i + 8];
        let data = png.get(i + 8..i + 8 + len)?;
        if kind == b"pHYs" {
            let x = u32::from_be_bytes(data[0..4].try_into().ok()?);
            let y = u32::from_be_bytes(data[4..8].try_into().ok()?);
            return Some((x, y, data[8]));
        }
        i += 12 + len;
    }
    None
}

/// All `/MediaBox [a b c d]` arrays in a PDF.
fn media_boxes(pdf: &[u8]) -> Vec<[f32; 4]> {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/MediaBox")
        .filter_map(|(i, _)| {
            let rest = &text[i + "/MediaBox".len()..];
            let open = rest.find('[')?;
            let close = rest.find(']')?;
            let nums: Vec<f32> = rest[open + 1..close]
                .split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect();
            nums.try_into().ok()
        })
        .collect()
}

#[test]
fn png_is_card_sized_at_300_dpi() {
    let png = render_png(&example_card()).expect("render");
    let (w, h, _) = common::decode_rgb(&png);
    assert_eq!((w, h), (WIDTH_PX, HEIGHT_PX));
    assert_eq!((w, h), (1011, 638));
    assert_eq!(phys(&png), Some((11811, 11811, 1)), "pHYs must say 300 dpi");
}

#[test]
fn card_pdf_is_cr80() {
    let pdf = render_pdf(&example_card()).expect("render");
    assert!(pdf.starts_with(b"%PDF-"));
    let boxes = media_boxes(&pdf);
    assert_eq!(boxes.len(), 1, "one page");
    let [x0, y0, x1, y1] = boxes[0];
    assert!((x1 - x0 - 242.65).abs() <= 0.5, "width {}", x1 - x0);
    assert!((y1 - y0 - 153.01).abs() <= 0.5, "height {}", y1 - y0);
    // Text is real text in an embedded (subsetted) DejaVu font.
    let s = String::from_utf8_lossy(&pdf);
    assert!(s.contains("DejaVuSans"));
    assert!(s.contains("/FontFile2"));
}

#[test]
fn long_card_pdf_renders() {
    let pdf = render_pdf(&common::long_card()).expect("render");
    assert!(pdf.starts_with(b"%PDF-"));
}

#[test]
fn report_with_2000_lines_paginates() {
    let doc = ReportDoc {
        title: "Laporan Penggunaan Blangko KTP-el — November 2026".into(),
        subtitle: Some("Disdukcapil Kota Palembang".into()),
        sections: vec![
            ReportSection {
                heading: "Rincian".into(),
                lines: (0..2000)
                    .map(|i| {
                        format!(
                            "Baris {i}: blangko {:06} dipakai untuk pencetakan",
                            100_000 + i
                        )
                    })
                    .collect(),
                table: None,
            },
            ReportSection {
                heading: "Ringkasan".into(),
                lines: vec!["x".repeat(10_000)],
                table: Some(
                    std::iter::once(vec!["Status".to_string(), "Jumlah".to_string()])
                        .chain((0..300).map(|i| vec![format!("status {i}"), i.to_string()]))
                        .collect(),
                ),
            },
        ],
    };
    let pdf = report_pdf(&doc).expect("report");
    assert!(pdf.starts_with(b"%PDF-"));
    let boxes = media_boxes(&pdf);
    assert!(
        boxes.len() > 1,
        "expected several pages, got {}",
        boxes.len()
    );
    assert!(
        boxes.len() >= 2000 / 60,
        "2000 lines cannot fit on {} pages",
        boxes.len()
    );
    for [x0, y0, x1, y1] in boxes {
        assert!(
            (x1 - x0 - 595.28).abs() < 0.5 && (y1 - y0 - 841.89).abs() < 0.5,
            "A4"
        );
    }
}

#[test]
fn report_tolerates_hostile_input() {
    let doc = ReportDoc {
        title: "\u{0}\u{202E}\u{1F600}".into(),
        subtitle: Some(String::new()),
        sections: vec![
            ReportSection::default(),
            ReportSection {
                heading: "x".repeat(5000),
                lines: vec![String::new(), "\n\t\r".into(), "مرحبا שלום 😀".into()],
                table: Some(vec![
                    vec![],
                    (0..200).map(|i| format!("c{i}")).collect(),
                    vec!["y".repeat(20_000)],
                ]),
            },
            ReportSection {
                heading: "empty table".into(),
                lines: vec![],
                table: Some(vec![]),
            },
        ],
    };
    let pdf = report_pdf(&doc).expect("report");
    assert!(pdf.starts_with(b"%PDF-"));
    let empty = report_pdf(&ReportDoc::default()).expect("empty report");
    assert_eq!(media_boxes(&empty).len(), 1);
}

#[test]
fn every_field_is_placed_and_inside_the_card() {
    let placed = layout(&example_card()).expect("layout");
    for field in [
        "provinsi",
        "kota",
        "nik",
        "nama",
        "tempat_tgl_lahir",
        "jenis_kelamin",
        "golongan_darah",
        "alamat",
        "rt_rw",
        "kel_desa",
        "kecamatan",
        "agama",
        "status_perkawinan",
        "pekerjaan",
        "kewarganegaraan",
        "berlaku_hingga",
        "issue_city",
        "issue_date",
        "footer",
        "foto",
    ] {
        let p = placed
            .iter()
            .find(|p| p.field == field)
            .unwrap_or_else(|| panic!("{field} not placed"));
        assert!(!p.truncated, "{field} truncated");
        assert_eq!(p.lines, 1, "{field}");
        assert!(p.allowed.contains(&p.bbox, 0.01), "{field}: {:?}", p);
        assert!(PxRect::card().contains(&p.allowed, 0.0), "{field}");
    }
    let get = |f: &str| placed.iter().find(|p| p.field == f).map(|p| p.text.clone());
    assert_eq!(
        get("provinsi").as_deref(),
        Some("PROVINSI SUMATERA SELATAN")
    );
    assert_eq!(
        get("tempat_tgl_lahir").as_deref(),
        Some("PALEMBANG, 05-08-1990")
    );
    assert_eq!(get("nik").as_deref(), Some("1671014508900001"));
}

#[test]
fn long_name_and_address_wrap_to_two_lines() {
    let placed = layout(&common::long_card()).expect("layout");
    let nama = placed.iter().find(|p| p.field == "nama").expect("nama");
    let alamat = placed.iter().find(|p| p.field == "alamat").expect("alamat");
    assert_eq!(nama.lines, 2);
    assert_eq!(alamat.lines, 2);
    for p in &placed {
        assert!(p.allowed.contains(&p.bbox, 0.01), "{p:?}");
    }
}

#[test]
fn absurdly_long_values_are_truncated_with_ellipsis() {
    let card = CardFields {
        nama: "SUPERCALIFRAGILISTIC ".repeat(500),
        nik: "9".repeat(10_000),
        ..example_card()
    };
    let placed = layout(&card).expect("layout");
    let nama = placed.iter().find(|p| p.field == "nama").expect("nama");
    assert!(nama.truncated);
    assert_eq!(nama.lines, 2);
    assert!(nama.text.ends_with('\u{2026}'));
    let nik = placed.iter().find(|p| p.field == "nik").expect("nik");
    assert!(nik.truncated && nik.text.ends_with('\u{2026}'));
    assert!(render_png(&card).is_ok());
    assert!(render_pdf(&card).is_ok());
}

#[test]
fn empty_card_renders() {
    let card = CardFields::default();
    let placed = layout(&card).expect("layout");
    assert!(placed.iter().all(|p| p.allowed.contains(&p.bbox, 0.01)));
    assert!(!placed.iter().any(|p| p.field == "footer"));
    assert!(render_png(&card).is_ok());
    assert!(render_pdf(&card).is_ok());
}
