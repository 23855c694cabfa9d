//! Any string as a NIK: never a panic, and a parsed NIK prints back as its input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data)
        && let Ok(nik) = cetak_domain::Nik::parse(s)
    {
        assert_eq!(nik.as_str(), s);
    }
});
