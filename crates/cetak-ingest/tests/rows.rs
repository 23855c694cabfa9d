//! Every shape of bad input the import contract names: a clear reason, the original bytes,
//! and no row lost (every row comes out as exactly one item).

use std::io::Cursor;

use cetak_domain::record::COLUMNS;
use cetak_ingest::{Format, IngestError, Item, KEPT_RAW_BYTES, ReasonCode, rows};

const GOOD: [&str; 22] = cetak_domain::record::EXAMPLE_ROW;

fn header() -> String {
    COLUMNS.join(",")
}

fn row(id: &str) -> String {
    let mut f = GOOD.map(str::to_string);
    f[0] = id.to_string();
    f.join(",")
}

fn row_with(id: &str, col: usize, value: &str) -> String {
    let mut f = GOOD.map(str::to_string);
    f[0] = id.to_string();
    f[col] = value.to_string();
    f.join(",")
}

fn read(bytes: Vec<u8>, format: Format) -> Result<Vec<Item>, IngestError> {
    rows(Cursor::new(bytes), format)?.collect()
}

fn csv(lines: &[String]) -> Vec<u8> {
    let mut s = lines.join("\n");
    s.push('\n');
    s.into_bytes()
}

fn codes(items: &[Item]) -> Vec<Option<ReasonCode>> {
    items
        .iter()
        .map(|i| match i {
            Item::Valid { .. } => None,
            Item::Rejected { rejection, .. } => Some(rejection.code),
            Item::NeedsCorrection { draft, .. } => Some(draft.problems[0].code),
        })
        .collect()
}

/// `q` for a row for the quarantine, `c` for one that enters the registry needing
/// correction, `v` for a valid one.
fn kinds(items: &[Item]) -> String {
    items
        .iter()
        .map(|i| match i {
            Item::Valid { .. } => 'v',
            Item::NeedsCorrection { .. } => 'c',
            Item::Rejected { .. } => 'q',
        })
        .collect()
}

#[test]
fn good_rows_come_out_valid_with_their_lines() {
    let items = read(csv(&[header(), row("A"), row("B")]), Format::Csv).expect("readable");
    assert_eq!(codes(&items), vec![None, None]);
    let lines: Vec<u64> = items
        .iter()
        .map(|i| match i {
            Item::Valid { line, .. }
            | Item::Rejected { line, .. }
            | Item::NeedsCorrection { line, .. } => *line,
        })
        .collect();
    assert_eq!(lines, vec![2, 3]);
}

#[test]
fn bom_and_crlf_are_accepted() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(format!("{}\r\n{}\r\n{}\r\n", header(), row("A"), row("B")).into_bytes());
    let items = read(bytes, Format::Csv).expect("readable");
    assert_eq!(codes(&items), vec![None, None]);
}

#[test]
fn quoted_fields_with_newlines_and_commas_are_one_row() {
    let r = row_with("A", 7, "\"JL. MERDEKA, NO. 12\nBLOK C\"");
    let items = read(csv(&[header(), r, row("B")]), Format::Csv).expect("readable");
    // The newline inside the address cannot be printed: quarantined, but as ONE row.
    assert_eq!(
        codes(&items),
        vec![Some(ReasonCode::InvalidCharacters), None]
    );
    let r = row_with("C", 7, "\"JL. MERDEKA, NO. 12\"");
    let items = read(csv(&[header(), r]), Format::Csv).expect("readable");
    match &items[0] {
        Item::Valid { record, .. } => assert_eq!(record.alamat, "JL. MERDEKA, NO. 12"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn many_small_reads_give_the_same_rows() {
    // A reader that hands out one byte at a time exercises every buffer boundary.
    struct OneByte(Cursor<Vec<u8>>);
    impl std::io::Read for OneByte {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(1);
            self.0.read(&mut buf[..n])
        }
    }
    let long_name = format!("\"{}\"", "NUR ".repeat(30).trim());
    let bytes = csv(&[header(), row("A"), row_with("B", 2, &long_name), row("C")]);
    let items: Vec<Item> = rows(OneByte(Cursor::new(bytes)), Format::Csv)
        .expect("header")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(codes(&items), vec![None, Some(ReasonCode::TooLong), None]);
    match &items[2] {
        Item::Valid { record, .. } => assert_eq!(record.recording_id, "C"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn latin1_bytes_are_quarantined_with_their_original_bytes() {
    let mut bytes = csv(&[header(), row("A")]);
    let mut bad = row("B").into_bytes();
    let at = bad.iter().position(|&b| b == b'S').expect("S");
    bad[at] = 0xC9; // 'É' in Latin-1
    bytes.extend(&bad);
    bytes.push(b'\n');
    let items = read(bytes, Format::Csv).expect("readable");
    assert_eq!(codes(&items), vec![None, Some(ReasonCode::InvalidUtf8)]);
    match &items[1] {
        Item::Rejected { raw, .. } => assert_eq!(raw, &bad),
        other => panic!("{other:?}"),
    }
}

#[test]
fn nul_bytes_are_quarantined() {
    let items = read(
        csv(&[header(), row_with("A", 2, "SITI\0AMINAH")]),
        Format::Csv,
    )
    .expect("readable");
    assert_eq!(codes(&items), vec![Some(ReasonCode::NulByte)]);
}

#[test]
fn a_ten_megabyte_field_is_quarantined_without_holding_it() {
    let huge = "A".repeat(10 * 1024 * 1024);
    let items = read(
        csv(&[header(), row_with("A", 7, &huge), row("B")]),
        Format::Csv,
    )
    .expect("readable");
    assert_eq!(codes(&items), vec![Some(ReasonCode::RecordTooLarge), None]);
    match &items[0] {
        Item::Rejected { raw, raw_len, .. } => {
            assert_eq!(raw.len(), KEPT_RAW_BYTES);
            assert!(*raw_len > 10 * 1024 * 1024);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_truncated_file_quarantines_its_last_row() {
    let mut bytes = csv(&[header(), row("A")]);
    let partial = row("B");
    bytes.extend(&partial.as_bytes()[..partial.len() / 2]);
    let items = read(bytes, Format::Csv).expect("readable");
    assert_eq!(codes(&items), vec![None, Some(ReasonCode::FieldCount)]);

    let mut bytes = csv(&[header(), row("A")]);
    bytes.extend(b"C,\"16710145089");
    let items = read(bytes, Format::Csv).expect("readable");
    assert_eq!(
        codes(&items),
        vec![None, Some(ReasonCode::UnterminatedQuote)]
    );
}

#[test]
fn header_problems_refuse_the_file() {
    let missing = COLUMNS[..21].join(",");
    assert!(
        matches!(read(csv(&[missing, row("A")]), Format::Csv), Err(IngestError::MissingColumns(m)) if m == "jenis_permohonan")
    );
    let dup = format!("{},nama", header());
    assert!(
        matches!(read(csv(&[dup]), Format::Csv), Err(IngestError::DuplicateColumn(c)) if c == "nama")
    );
    let unknown = header().replace("nama_ibu", "nama_ayah");
    assert!(
        matches!(read(csv(&[unknown]), Format::Csv), Err(IngestError::UnknownColumn(c)) if c == "nama_ayah")
    );
    assert!(matches!(
        read(Vec::new(), Format::Csv),
        Err(IngestError::Empty)
    ));
    assert!(matches!(
        read(b"\n\n".to_vec(), Format::Csv),
        Err(IngestError::Empty)
    ));
    assert!(matches!(
        read(Vec::new(), Format::Ndjson),
        Err(IngestError::Empty)
    ));
}

#[test]
fn a_reordered_header_is_mapped_by_name() {
    let mut cols: Vec<&str> = COLUMNS.to_vec();
    cols.swap(2, 3);
    let mut vals: Vec<&str> = GOOD.to_vec();
    vals.swap(2, 3);
    let items = read(csv(&[cols.join(","), vals.join(",")]), Format::Csv).expect("readable");
    match &items[0] {
        Item::Valid { record, .. } => assert_eq!(
            (record.nama.as_str(), record.tempat_lahir.as_str()),
            ("SITI AMINAH", "PALEMBANG")
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn field_level_problems_carry_their_codes() {
    let items = read(
        csv(&[
            header(),
            row_with("A", 4, "2001-02-31"),
            row_with("B", 1, "167101450890001"),
            row_with("C", 1, "16710145089000011"),
            row_with("D", 1, "16710145089A0001"),
            row_with("E", 2, "<b>SITI</b>"),
            row_with("F", 2, "\"SITI'); DROP TABLE records; --\""),
        ]),
        Format::Csv,
    )
    .expect("readable");
    assert_eq!(
        codes(&items),
        vec![
            Some(ReasonCode::InvalidDate),
            Some(ReasonCode::NikLength),
            Some(ReasonCode::NikLength),
            Some(ReasonCode::NikNotDigits),
            Some(ReasonCode::InvalidCharacters),
            Some(ReasonCode::InvalidCharacters),
        ]
    );
}

#[test]
fn only_unreadable_rows_are_quarantined_readable_ones_need_correction() {
    let items = read(
        csv(&[
            header(),
            row_with("A", 2, "RAF1"),
            row_with("B", 18, ""),
            row_with("C", 1, "1671013208900001"),
            row_with("", 2, "D1MAS"),
            row_with("E F", 2, "S0EARTINI"),
            "X,1,2".into(),
            row("G"),
        ]),
        Format::Csv,
    )
    .expect("readable");
    // A digit in a name, an empty mother's name, an impossible NIK date: readable recordings.
    // No recording_id, or a wrong field count: nothing to keep in a registry.
    assert_eq!(kinds(&items), "cccqqqv");
    match &items[0] {
        Item::NeedsCorrection {
            draft, raw, line, ..
        } => {
            assert_eq!(draft.recording_id(), "A");
            assert_eq!(draft.problems[0].field, "nama");
            assert_eq!(draft.problems[0].original, "RAF1");
            assert!(draft.blocks_printing());
            assert_eq!(raw, row_with("A", 2, "RAF1").as_bytes());
            assert_eq!(*line, 2);
        }
        other => panic!("{other:?}"),
    }
    match &items[1] {
        Item::NeedsCorrection { draft, .. } => assert!(!draft.blocks_printing()),
        other => panic!("{other:?}"),
    }
    // NDJSON: the same rule; a shape problem is still quarantine.
    let bad_name = json_row("H").replace("SITI AMINAH", "S1TI AMINAH");
    let items = read(
        [bad_name, "[1]".to_string()].join("\n").into_bytes(),
        Format::Ndjson,
    )
    .expect("readable");
    assert_eq!(kinds(&items), "cq");
}

fn json_row(id: &str) -> String {
    let map: serde_json::Map<String, serde_json::Value> = COLUMNS
        .iter()
        .zip(GOOD)
        .map(|(k, v)| {
            (
                k.to_string(),
                serde_json::Value::String(if *k == "recording_id" {
                    id.to_string()
                } else {
                    v.to_string()
                }),
            )
        })
        .collect();
    serde_json::Value::Object(map).to_string()
}

#[test]
fn ndjson_rows_validate_like_csv_rows() {
    let good = json_row("A");
    let numeric = good.replace("\"rt\":\"003\"", "\"rt\":3");
    let unknown = good.replacen('{', "{\"x\":\"1\",", 1);
    let missing = good.replace(",\"rt\":\"003\"", "");
    let lines = [
        good.clone(),
        "{not json".into(),
        "[1,2]".into(),
        numeric,
        unknown,
        missing,
        String::new(),
    ];
    let items = read(lines.join("\r\n").into_bytes(), Format::Ndjson).expect("readable");
    assert_eq!(
        codes(&items),
        vec![
            None,
            Some(ReasonCode::InvalidJson),
            Some(ReasonCode::InvalidJson),
            Some(ReasonCode::WrongType),
            Some(ReasonCode::UnknownField),
            Some(ReasonCode::MissingField),
        ]
    );
    // The same row from CSV and NDJSON is the same content.
    let from_csv = read(csv(&[header(), row("A")]), Format::Csv).expect("csv");
    match (&items[0], &from_csv[0]) {
        (Item::Valid { record: a, .. }, Item::Valid { record: b, .. }) => {
            assert_eq!(a.content_hash(), b.content_hash())
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn format_is_detected_from_name_then_content() {
    assert_eq!(Format::detect("x.ndjson", b""), Format::Ndjson);
    assert_eq!(Format::detect("x.csv", b"{"), Format::Csv);
    assert_eq!(Format::detect("x", b"\xEF\xBB\xBF {\"a\""), Format::Ndjson);
    assert_eq!(Format::detect("x", b"recording_id,"), Format::Csv);
}

mod hostile {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        /// Arbitrary bytes after a valid header: never a panic, and every non-blank line that
        /// holds no quote character comes out as exactly one row.
        #[test]
        fn arbitrary_csv_bodies_never_panic_and_lose_no_line(body in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let mut bytes = format!("{}\n", header()).into_bytes();
            bytes.extend(&body);
            let items = read(bytes, Format::Csv).expect("the header is valid");
            if !body.contains(&b'"') {
                let lines = body
                    .split(|&b| b == b'\n' || b == b'\r')
                    .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
                    .count();
                prop_assert_eq!(items.len(), lines);
            }
        }

        /// Arbitrary NDJSON lines: never a panic, one item per non-blank line.
        #[test]
        fn arbitrary_ndjson_never_panics(lines in proptest::collection::vec("[^\\n\\r]{0,200}", 1..20)) {
            let text = lines.join("\n");
            let expected = lines.iter().filter(|l| !l.bytes().all(|b| b.is_ascii_whitespace())).count();
            match read(text.into_bytes(), Format::Ndjson) {
                Ok(items) => prop_assert_eq!(items.len(), expected),
                Err(IngestError::Empty) => prop_assert_eq!(expected, 0),
                Err(e) => prop_assert!(false, "{e}"),
            }
        }
    }
}
