//! Any bytes: `check_signature` returns, never panics, never allocates past the limits; what it
//! accepts, the card renderer can decode.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = cetak_media::check_signature(data) {
        let img = cetak_media::decode_rgba(data).expect("accepted signature decodes");
        assert_eq!(img.dimensions(), (c.width, c.height));
    }
});
