//! CSV rows with their original bytes, on `csv-core`'s incremental parser.

use std::io::Read;

use cetak_domain::record::{Checked, Record};
use csv_core::{ReadRecordResult, Reader as CoreReader};

use crate::{
    IngestError, Item, MAX_ROW_BYTES, ReasonCode, Rejection, map_header, nul_problem, rejected,
    strip_bom, too_large, utf8_rejection,
};

const BUF: usize = 64 * 1024;

/// One parsed row before validation.
struct Parsed {
    line: u64,
    /// Original bytes (capped), terminator removed.
    raw: Vec<u8>,
    raw_len: u64,
    ended_by_eof: bool,
    oversized: bool,
}

/// Iterator over the rows of a CSV file in contract v1.
pub struct CsvRows<R> {
    input: R,
    core: CoreReader,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    first_fill: bool,
    line: u64,
    out: Vec<u8>,
    ends: Vec<usize>,
    nfields: usize,
    mapping: [usize; 22],
    width: usize,
    done: bool,
}

impl<R: Read> CsvRows<R> {
    /// Read and check the header.
    pub fn new(input: R) -> Result<CsvRows<R>, IngestError> {
        let mut rows = CsvRows {
            input,
            core: CoreReader::new(),
            buf: vec![0; BUF],
            pos: 0,
            end: 0,
            eof: false,
            first_fill: true,
            line: 1,
            out: vec![0; 4096],
            ends: vec![0; 32],
            nfields: 0,
            mapping: [0; 22],
            width: 0,
            done: false,
        };
        let header = loop {
            match rows.next_parsed()? {
                None => return Err(IngestError::Empty),
                Some(p) if p.oversized => return Err(IngestError::HeaderTooLarge),
                Some(p) if p.raw.iter().all(u8::is_ascii_whitespace) => continue,
                Some(_) => break rows.fields_as_strings().ok_or(IngestError::HeaderNotUtf8)?,
            }
        };
        rows.mapping = map_header(&header)?;
        rows.width = header.len();
        Ok(rows)
    }

    fn fields_as_strings(&self) -> Option<Vec<String>> {
        self.field_slices()
            .map(|f| std::str::from_utf8(f).ok().map(str::to_string))
            .collect()
    }

    fn field_slices(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0;
        self.ends[..self.nfields].iter().map(move |&e| {
            let f = &self.out[start..e];
            start = e;
            f
        })
    }

    fn fill(&mut self) -> std::io::Result<()> {
        if self.pos < self.end {
            return Ok(());
        }
        self.pos = 0;
        self.end = 0;
        loop {
            match self.input.read(&mut self.buf) {
                Ok(n) => {
                    self.end = n;
                    break;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        if self.end == 0 {
            self.eof = true;
        } else if self.first_fill {
            self.first_fill = false;
            let skip = self.end - strip_bom(&self.buf[..self.end]).len();
            self.pos = skip;
        }
        Ok(())
    }

    /// Parse the next record into `out`/`ends`, keeping its original bytes.
    fn next_parsed(&mut self) -> Result<Option<Parsed>, IngestError> {
        if self.done {
            return Ok(None);
        }
        let start_line = self.line;
        let mut raw = Vec::new();
        let mut raw_len: u64 = 0;
        let mut out_len = 0;
        self.nfields = 0;
        let mut oversized = false;
        loop {
            self.fill()?;
            let input = &self.buf[self.pos..self.end];
            let (res, nin, nout, nend) = self.core.read_record(
                input,
                &mut self.out[out_len..],
                &mut self.ends[self.nfields..],
            );
            let consumed = &input[..nin];
            self.line += consumed.iter().filter(|&&b| b == b'\n').count() as u64;
            raw_len += nin as u64;
            if raw.len() < MAX_ROW_BYTES {
                raw.extend_from_slice(&consumed[..nin.min(MAX_ROW_BYTES - raw.len())]);
            }
            self.pos += nin;
            out_len += nout;
            // csv-core reports field ends from the start of the record, across calls.
            self.nfields += nend;
            if raw_len as usize > MAX_ROW_BYTES {
                // Keep parsing to find the row's end, but stop storing its fields.
                oversized = true;
                out_len = 0;
                self.nfields = 0;
            }
            match res {
                ReadRecordResult::InputEmpty => {
                    if self.eof {
                        // Tell csv-core the input has ended (it flushes the last record).
                        continue;
                    }
                }
                ReadRecordResult::OutputFull => {
                    let n = self.out.len() * 2;
                    self.out.resize(n, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    if self.ends.len() >= 4096 {
                        oversized = true;
                        self.nfields = 0;
                        out_len = 0;
                    } else {
                        let n = self.ends.len() * 2;
                        self.ends.resize(n, 0);
                    }
                }
                ReadRecordResult::Record => {
                    let ended_by_eof = !matches!(raw.last(), Some(b'\n' | b'\r'));
                    while matches!(raw.last(), Some(b'\n' | b'\r')) {
                        raw.pop();
                    }
                    return Ok(Some(Parsed {
                        line: start_line,
                        raw,
                        raw_len,
                        ended_by_eof,
                        oversized,
                    }));
                }
                ReadRecordResult::End => {
                    self.done = true;
                    return Ok(None);
                }
            }
        }
    }

    fn item(&self, p: Parsed) -> Item {
        if p.oversized {
            return too_large(p.line, &p.raw, p.raw_len, MAX_ROW_BYTES);
        }
        if p.ended_by_eof && p.raw.iter().filter(|&&b| b == b'"').count() % 2 == 1 {
            return rejected(
                p.line,
                &p.raw,
                p.raw_len,
                Rejection::row(
                    ReasonCode::UnterminatedQuote,
                    "the file ends inside a quoted field (truncated file?)",
                ),
            );
        }
        if let Some(r) = nul_problem(&p.raw) {
            return rejected(p.line, &p.raw, p.raw_len, r);
        }
        // Every non-ASCII byte of the row lands in the unquoted output, so checking the output
        // once checks the row; the offset in the message is taken from the raw bytes.
        let end = if self.nfields == 0 {
            0
        } else {
            self.ends[self.nfields - 1]
        };
        let Ok(text) = std::str::from_utf8(&self.out[..end]) else {
            let at = std::str::from_utf8(&p.raw)
                .err()
                .map_or(0, |e| e.valid_up_to());
            return rejected(p.line, &p.raw, p.raw_len, utf8_rejection(at));
        };
        if self.nfields != self.width {
            return rejected(
                p.line,
                &p.raw,
                p.raw_len,
                Rejection::row(
                    ReasonCode::FieldCount,
                    format!(
                        "the row has {} fields, the header {} (truncated or misquoted row?)",
                        self.nfields, self.width
                    ),
                ),
            );
        }
        let mut bounds = [(0usize, 0usize); 64];
        let mut start = 0;
        for (i, &e) in self.ends[..self.nfields].iter().enumerate().take(64) {
            bounds[i] = (start, e);
            start = e;
        }
        let mut fields = [""; 22];
        for (i, &m) in self.mapping.iter().enumerate() {
            // Field ends fall between fields, so they are character boundaries.
            fields[i] = text.get(bounds[m].0..bounds[m].1).unwrap_or_default();
        }
        match Record::check(&fields) {
            Checked::Valid(record) => Item::Valid {
                line: p.line,
                record,
                raw: p.raw,
                media: None,
            },
            Checked::NeedsCorrection(draft) => Item::NeedsCorrection {
                line: p.line,
                draft,
                raw: p.raw,
                media: None,
            },
            Checked::Unreadable(rejection) => rejected(p.line, &p.raw, p.raw_len, rejection),
        }
    }
}

impl<R: Read> Iterator for CsvRows<R> {
    type Item = Result<Item, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.next_parsed() {
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Ok(None) => return None,
                // A blank line is not a row.
                Ok(Some(p)) if !p.oversized && p.raw.iter().all(u8::is_ascii_whitespace) => {
                    continue;
                }
                Ok(Some(p)) => return Some(Ok(self.item(p))),
            }
        }
    }
}
