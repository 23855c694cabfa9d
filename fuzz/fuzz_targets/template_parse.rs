//! Parses arbitrary bytes; whatever parses must write back to bytes that parse to the same
//! record. Run with `scripts/fuzz` (or `RUSTC_BOOTSTRAP=1 cargo fuzz run template_parse`)
//! (seed corpus: `crates/cetak-finger/tests/data/*.dat`).
#![no_main]

use cetak_finger::template::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = parse(data) {
        let again = t.to_bytes();
        assert_eq!(parse(&again).as_ref(), Ok(&t), "round trip");
    }
});
