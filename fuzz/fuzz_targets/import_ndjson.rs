//! Any bytes as an NDJSON import: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(rows) = cetak_ingest::rows(
        std::io::Cursor::new(data.to_vec()),
        cetak_ingest::Format::Ndjson,
    ) {
        for item in rows {
            let _ = item;
        }
    }
});
