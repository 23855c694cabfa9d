//! Any bytes as a printer's IPP reply body: the decoder answers with a value or an error, never
//! a panic (the `ipp` crate itself panics on some malformed attributes; cetak-ipp guards it).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cetak_ipp::decode::printer_status(data);
    let _ = cetak_ipp::decode::job(data);
    let _ = cetak_ipp::decode::jobs(data);
    let _ = cetak_ipp::decode::print_job(data);
});
