//! Any bytes as a CSV import: never a panic; a valid header means one item per row.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(rows) = cetak_ingest::rows(
        std::io::Cursor::new(data.to_vec()),
        cetak_ingest::Format::Csv,
    ) {
        for item in rows {
            let _ = item;
        }
    }
});
