//! Any bytes: `check_photo` returns, never panics, never allocates past the limits; what it
//! accepts, the card renderer can decode.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = cetak_media::check_photo(data) {
        let img = cetak_media::decode_rgba(data).expect("accepted photo decodes");
        assert_eq!(img.dimensions(), (c.width, c.height));
    }
});
