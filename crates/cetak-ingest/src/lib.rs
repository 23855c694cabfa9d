//! Streaming readers for import contract v1 and v2 (`docs/import-contract.md`).
//!
//! Bytes in, one [`Item`] per row out: a validated [`Record`] or a [`Rejection`] together with
//! the row's original bytes, so that a quarantined row can be shown and fixed exactly as it
//! arrived. Memory stays bounded whatever the file: a row longer than [`MAX_ROW_BYTES`] is
//! rejected (its first [`KEPT_RAW_BYTES`] bytes kept) and never buffered whole.
//!
//! Problems with the file as a whole (empty, header wrong) are an [`IngestError`] before the
//! first row, so that the caller can refuse the file before writing anything.
#![deny(missing_docs)]

mod csv_rows;
pub mod media;
mod ndjson_rows;

use std::collections::HashSet;
use std::io::{self, Read};

use cetak_domain::record::COLUMNS;
pub use cetak_domain::{ReasonCode, Record, Rejection};
use thiserror::Error;

pub use csv_rows::CsvRows;
pub use ndjson_rows::NdjsonRows;

/// Longest row parsed (bytes). Longer rows are quarantined as `record_too_large`.
pub const MAX_ROW_BYTES: usize = 64 * 1024;
/// Longest NDJSON line read (bytes): a v2 line carries a base64 photo (up to 2 MiB), a
/// signature and templates.
pub const MAX_NDJSON_ROW_BYTES: usize = 4 * 1024 * 1024;
/// How much of an oversized row's original bytes the quarantine keeps.
pub const KEPT_RAW_BYTES: usize = 64 * 1024;

/// File formats of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated, one header line.
    Csv,
    /// One JSON object per line, same keys.
    Ndjson,
}

impl Format {
    /// Guess from a file name, then from the first byte (`{` is NDJSON).
    pub fn detect(file_name: &str, first_bytes: &[u8]) -> Format {
        let lower = file_name.to_ascii_lowercase();
        if lower.ends_with(".ndjson") || lower.ends_with(".jsonl") || lower.ends_with(".json") {
            return Format::Ndjson;
        }
        if lower.ends_with(".csv") {
            return Format::Csv;
        }
        let first = strip_bom(first_bytes)
            .iter()
            .find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'{') {
            Format::Ndjson
        } else {
            Format::Csv
        }
    }
}

/// A file-level problem: nothing of the file should be written.
#[derive(Debug, Error)]
pub enum IngestError {
    /// No bytes, or only blank lines.
    #[error("the file is empty: import contract v1 expects a header line ({})", COLUMNS.join(","))]
    Empty,
    /// The header is not UTF-8.
    #[error("the header line is not UTF-8 (is the file in another encoding?)")]
    HeaderNotUtf8,
    /// Columns of the contract are absent.
    #[error("the header lacks column(s) {0}; import contract v1 needs all 22")]
    MissingColumns(String),
    /// A column appears twice.
    #[error("the header names column {0:?} twice")]
    DuplicateColumn(String),
    /// A column outside the contract.
    #[error("the header has column {0:?}, which import contract v1 does not know")]
    UnknownColumn(String),
    /// The header line is absurdly long.
    #[error("the header line is longer than {MAX_ROW_BYTES} bytes: not an import file")]
    HeaderTooLarge,
    /// Reading failed.
    #[error("reading the file failed: {0}")]
    Io(#[from] io::Error),
}

/// One row of the file (defined in the domain so that the store can take it as it is).
pub use cetak_domain::record::ImportRow as Item;

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

/// Open a reader for the given format; reads (and checks) the CSV header.
pub fn rows<R: Read + Send + 'static>(
    input: R,
    format: Format,
) -> Result<Box<dyn Iterator<Item = Result<Item, IngestError>> + Send>, IngestError> {
    Ok(match format {
        Format::Csv => Box::new(CsvRows::new(input)?),
        Format::Ndjson => Box::new(NdjsonRows::new(input)),
    })
}

/// Map header names to contract positions: `mapping[i]` = index in the file of column i.
fn map_header(names: &[String]) -> Result<[usize; 22], IngestError> {
    let mut seen = HashSet::new();
    let mut mapping = [usize::MAX; 22];
    for (i, name) in names.iter().enumerate() {
        let key = name.trim().to_ascii_lowercase();
        if !seen.insert(key.clone()) {
            return Err(IngestError::DuplicateColumn(key));
        }
        match COLUMNS.iter().position(|c| *c == key) {
            Some(pos) => mapping[pos] = i,
            None => return Err(IngestError::UnknownColumn(key)),
        }
    }
    let missing: Vec<&str> = COLUMNS
        .iter()
        .zip(mapping)
        .filter(|(_, m)| *m == usize::MAX)
        .map(|(c, _)| *c)
        .collect();
    if !missing.is_empty() {
        return Err(IngestError::MissingColumns(missing.join(", ")));
    }
    Ok(mapping)
}

/// Checks shared by both formats on a row's raw bytes.
fn raw_problem(raw: &[u8]) -> Option<Rejection> {
    nul_problem(raw).or_else(|| {
        std::str::from_utf8(raw)
            .err()
            .map(|e| utf8_rejection(e.valid_up_to()))
    })
}

fn nul_problem(raw: &[u8]) -> Option<Rejection> {
    let at = raw.iter().position(|&b| b == 0)?;
    Some(Rejection::row(
        ReasonCode::NulByte,
        format!("NUL byte at byte {} of the row", at + 1),
    ))
}

fn utf8_rejection(valid_up_to: usize) -> Rejection {
    Rejection::row(
        ReasonCode::InvalidUtf8,
        format!(
            "byte {} of the row is not UTF-8 (a Latin-1 or Windows-1252 export?); re-export as UTF-8",
            valid_up_to + 1
        ),
    )
}

/// A row for the quarantine, kept whole (the readers bound every row they keep).
fn rejected(line: u64, raw: &[u8], raw_len: u64, rejection: Rejection) -> Item {
    Item::Rejected {
        line,
        raw: raw.to_vec(),
        raw_len,
        rejection,
    }
}

fn too_large(line: u64, raw: &[u8], raw_len: u64, limit: usize) -> Item {
    rejected(
        line,
        &raw[..raw.len().min(KEPT_RAW_BYTES)],
        raw_len,
        Rejection::row(
            ReasonCode::RecordTooLarge,
            format!("the row has {raw_len} bytes; rows longer than {limit} bytes are not read"),
        ),
    )
}
