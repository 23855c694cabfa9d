//! Property test: whatever the fields hold, rendering succeeds and no text leaves its box.

use cetak_card::{CardFields, PxRect, layout, render_pdf, render_png};
use proptest::prelude::*;

/// Characters that tend to break text code: controls, bidi overrides, RTL scripts, emoji,
/// combining marks, zero-width characters, very wide glyphs, tall accented capitals.
const NASTY: &[char] = &[
    '\0',
    '\t',
    '\n',
    '\r',
    '\u{7}',
    '\u{1B}',
    '\u{7F}',
    '\u{85}',
    '\u{202E}',
    '\u{202D}',
    '\u{200B}',
    '\u{200D}',
    '\u{FEFF}',
    '\u{00AD}',
    'ا',
    'ل',
    'ש',
    'ם',
    '😀',
    '👨',
    '🇮',
    '\u{0301}',
    '\u{0338}',
    '\u{20DD}',
    'W',
    'M',
    '@',
    '…',
    'Ǻ',
    'Ő',
    'Ḯ',
    'ﷺ',
    '꧁',
    '𒐫',
    '\u{FFFD}',
    ' ',
    ' ',
    '\u{3000}',
    '中',
    'ㅤ',
    '\u{E000}',
    '\u{10FFFD}',
];

fn hostile_string() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        4 => any::<char>(),
        3 => proptest::sample::select(NASTY),
        3 => proptest::char::range('A', 'Z'),
    ];
    proptest::collection::vec(ch, 0..500).prop_map(|v| v.into_iter().collect())
}

fn hostile_card() -> impl Strategy<Value = CardFields> {
    let f = hostile_string;
    (
        (f(), f(), f(), f(), f(), f(), f()),
        (f(), f(), f(), f(), f(), f(), f()),
        (f(), f(), f(), f(), f(), proptest::option::of(f())),
    )
        .prop_map(|(a, b, c)| CardFields {
            provinsi: a.0,
            kota: a.1,
            nik: a.2,
            nama: a.3,
            tempat_lahir: a.4,
            tanggal_lahir: a.5,
            jenis_kelamin: a.6,
            golongan_darah: b.0,
            alamat: b.1,
            rt_rw: b.2,
            kel_desa: b.3,
            kecamatan: b.4,
            agama: b.5,
            status_perkawinan: b.6,
            pekerjaan: c.0,
            kewarganegaraan: c.1,
            berlaku_hingga: c.2,
            issue_city: c.3,
            issue_date: c.4,
            footer: c.5,
            photo: None,
            signature: None,
        })
}

fn check(card: &CardFields) -> Result<(), TestCaseError> {
    let placed = layout(card).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let card_rect = PxRect::card();
    for p in &placed {
        prop_assert!(
            p.allowed.contains(&p.bbox, 0.01),
            "{} overflows: bbox {:?} allowed {:?}",
            p.field,
            p.bbox,
            p.allowed
        );
        prop_assert!(
            card_rect.contains(&p.allowed, 0.0),
            "{} outside card",
            p.field
        );
        prop_assert!(p.font_px > 0.0 && p.font_px.is_finite());
        let max_lines = if p.field == "nama" || p.field == "alamat" {
            2
        } else {
            1
        };
        prop_assert!(p.lines <= max_lines, "{} has {} lines", p.field, p.lines);
        if p.truncated && !p.text.is_empty() {
            // Usually at the end; Tempat/Tgl Lahir cuts the place and keeps the date.
            prop_assert!(p.text.contains('\u{2026}'), "{}: {:?}", p.field, p.text);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn hostile_fields_never_overflow(card in hostile_card()) {
        check(&card)?;
        let png = render_png(&card).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(png.starts_with(b"\x89PNG"));
    }

    #[test]
    fn hostile_fields_layout_only(card in hostile_card()) {
        check(&card)?;
    }

    #[test]
    fn hostile_fields_pdf(card in hostile_card()) {
        let pdf = render_pdf(&card).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(pdf.starts_with(b"%PDF-"));
    }
}

#[test]
fn ten_thousand_characters_everywhere() {
    let s = "ABC DEFGH ".repeat(1000);
    let card = CardFields {
        provinsi: s.clone(),
        kota: s.clone(),
        nik: s.clone(),
        nama: s.clone(),
        tempat_lahir: s.clone(),
        tanggal_lahir: s.clone(),
        jenis_kelamin: s.clone(),
        golongan_darah: s.clone(),
        alamat: s.clone(),
        rt_rw: s.clone(),
        kel_desa: s.clone(),
        kecamatan: s.clone(),
        agama: s.clone(),
        status_perkawinan: s.clone(),
        pekerjaan: s.clone(),
        kewarganegaraan: s.clone(),
        berlaku_hingga: s.clone(),
        issue_city: s.clone(),
        issue_date: s.clone(),
        footer: Some(s),
        photo: None,
        signature: None,
    };
    check(&card).expect("no overflow");
    assert!(render_png(&card).is_ok());
    assert!(render_pdf(&card).is_ok());
    // Zero-width marks only: must not produce thousands of stacked glyphs.
    let marks = CardFields {
        nama: "\u{0301}".repeat(10_000),
        ..CardFields::default()
    };
    check(&marks).expect("no overflow");
    assert!(render_png(&marks).is_ok());
}
