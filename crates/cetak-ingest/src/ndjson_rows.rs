//! NDJSON rows: one JSON object per line with the contract's keys, string values; contract v2
//! adds `foto`, `tanda_tangan` and `sidik_jari` (see [`crate::media`]).

use std::io::{BufRead, BufReader, Read};

use cetak_domain::record::{COLUMNS, Checked, Record};
use serde_json::Value;

use crate::{
    IngestError, Item, MAX_NDJSON_ROW_BYTES, ReasonCode, Rejection, raw_problem, rejected,
    strip_bom, too_large,
};

/// Iterator over the rows of an NDJSON file in contract v1.
pub struct NdjsonRows<R> {
    input: BufReader<R>,
    line: u64,
    first: bool,
    done: bool,
    seen_any: bool,
}

impl<R: Read> NdjsonRows<R> {
    /// Wrap a reader.
    pub fn new(input: R) -> NdjsonRows<R> {
        NdjsonRows {
            input: BufReader::with_capacity(64 * 1024, input),
            line: 0,
            first: true,
            done: false,
            seen_any: false,
        }
    }

    /// Read one line, keeping at most `MAX_ROW_BYTES` of it; returns (kept, total length).
    fn read_line(&mut self) -> std::io::Result<Option<(Vec<u8>, u64)>> {
        let mut kept = Vec::new();
        let mut total: u64 = 0;
        loop {
            let buf = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                return Ok(if total == 0 {
                    None
                } else {
                    Some((kept, total))
                });
            }
            let (chunk, found) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (&buf[..=i], true),
                None => (buf, false),
            };
            let n = chunk.len();
            if kept.len() < MAX_NDJSON_ROW_BYTES + 2 {
                let room = MAX_NDJSON_ROW_BYTES + 2 - kept.len();
                kept.extend_from_slice(&chunk[..n.min(room)]);
            }
            total += n as u64;
            self.input.consume(n);
            if found {
                return Ok(Some((kept, total)));
            }
        }
    }

    fn item(&self, line: u64, raw: &[u8], raw_len: u64) -> Item {
        if raw_len as usize > MAX_NDJSON_ROW_BYTES {
            return too_large(line, raw, raw_len, MAX_NDJSON_ROW_BYTES);
        }
        if let Some(r) = raw_problem(raw) {
            return rejected(line, raw, raw_len, r);
        }
        let reject = |code, msg: String| rejected(line, raw, raw_len, Rejection::row(code, msg));
        let mut object = match serde_json::from_slice::<Value>(raw) {
            Ok(Value::Object(map)) => map,
            Ok(_) => {
                return reject(
                    ReasonCode::InvalidJson,
                    "the line is JSON but not an object".into(),
                );
            }
            Err(e) => return reject(ReasonCode::InvalidJson, format!("not a JSON object: {e}")),
        };
        let media = crate::media::from_json(&mut object).map(Box::new);
        let mut fields = [""; 22];
        let mut present = [false; 22];
        for (key, value) in &object {
            let Some(i) = COLUMNS.iter().position(|c| c == key) else {
                return reject(
                    ReasonCode::UnknownField,
                    format!("key {:?} is not in import contract v2", truncate(key)),
                );
            };
            match value {
                Value::String(s) => {
                    fields[i] = s.as_str();
                    present[i] = true;
                }
                other => {
                    let kind = match other {
                        Value::Null => "null",
                        Value::Bool(_) => "a boolean",
                        Value::Number(_) => "a number",
                        Value::Array(_) => "an array",
                        _ => "an object",
                    };
                    return reject(
                        ReasonCode::WrongType,
                        format!("{key} is {kind}; every value is a string"),
                    );
                }
            }
        }
        if let Some(i) = present.iter().position(|p| !p) {
            return reject(
                ReasonCode::MissingField,
                format!("key {:?} is missing", COLUMNS[i]),
            );
        }
        match Record::check(&fields) {
            Checked::Valid(record) => Item::Valid {
                line,
                record,
                raw: raw.to_vec(),
                media,
            },
            Checked::NeedsCorrection(draft) => Item::NeedsCorrection {
                line,
                draft,
                raw: raw.to_vec(),
                media,
            },
            Checked::Unreadable(rejection) => rejected(line, raw, raw_len, rejection),
        }
    }
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(40) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

impl<R: Read> Iterator for NdjsonRows<R> {
    type Item = Result<Item, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let (mut raw, raw_len) = match self.read_line() {
                Ok(Some(l)) => l,
                Ok(None) => {
                    self.done = true;
                    if !self.seen_any {
                        return Some(Err(IngestError::Empty));
                    }
                    return None;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e.into()));
                }
            };
            self.line += 1;
            if self.first {
                self.first = false;
                raw = strip_bom(&raw).to_vec();
            }
            while matches!(raw.last(), Some(b'\n' | b'\r')) {
                raw.pop();
            }
            if raw.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            self.seen_any = true;
            return Some(Ok(self.item(self.line, &raw, raw_len)));
        }
        None
    }
}
