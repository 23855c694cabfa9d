//! Every refusal reason with a crafted input, acceptance of the generator's output, and no panic
//! over many seeded mutations of valid files.

use cetak_media::image::{self, ExtendedColorType, ImageEncoder};
use cetak_media::{
    CheckedImage, ImageFormat, MAX_SIDE, MediaProblem, PHOTO_MAX_BYTES, SIGNATURE_MAX_BYTES,
    check_photo, check_signature, decode_image, decode_rgba, synth,
};

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let rgb: Vec<u8> = (0..w * h)
        .flat_map(|i| {
            let (x, y) = (i % w, i / w);
            [(x * 7) as u8, (y * 5) as u8, ((x + y) * 3) as u8]
        })
        .collect();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .write_image(&rgb, w, h, ExtendedColorType::Rgb8)
        .expect("encode jpeg");
    out
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let rgba: Vec<u8> = (0..w * h)
        .flat_map(|i| [0, 0, 0, if i % 7 == 0 { 255 } else { 0 }])
        .collect();
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(&rgba, w, h, ExtendedColorType::Rgba8)
        .expect("encode png");
    out
}

fn code<T>(r: Result<T, MediaProblem>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

/// CRC-32 (ISO-HDLC), for patching PNG chunks.
fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// A valid JPEG whose frame header is patched to claim `w` × `h`.
fn jpeg_claiming(w: u16, h: u16) -> Vec<u8> {
    let mut b = synth::portrait(1, 1);
    let sof = b
        .windows(2)
        .position(|x| x[0] == 0xFF && (x[1] == 0xC0 || x[1] == 0xC2))
        .expect("SOF marker");
    // FF C0, length (2), precision (1), height (2), width (2).
    b[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
    b[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
    b
}

/// A PNG header (signature + IHDR with a valid CRC) claiming `w` × `h`, and nothing else.
fn png_header_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = b"IHDR".to_vec();
    chunk.extend_from_slice(&w.to_be_bytes());
    chunk.extend_from_slice(&h.to_be_bytes());
    chunk.extend_from_slice(&[8, 6, 0, 0, 0]);
    b.extend_from_slice(&13u32.to_be_bytes());
    b.extend_from_slice(&chunk);
    b.extend_from_slice(&crc32(&chunk).to_be_bytes());
    b
}

#[test]
fn empty_is_refused() {
    assert_eq!(check_photo(&[]), Err(MediaProblem::Empty));
    assert_eq!(check_signature(&[]), Err(MediaProblem::Empty));
    assert_eq!(code(decode_rgba(&[])), "media_empty");
}

#[test]
fn huge_files_are_refused_before_decoding() {
    let mut big = synth::portrait(3, 0);
    big.resize(PHOTO_MAX_BYTES + 1, 0);
    assert_eq!(
        check_photo(&big),
        Err(MediaProblem::TooLarge {
            size: PHOTO_MAX_BYTES + 1,
            limit: PHOTO_MAX_BYTES
        })
    );
    let mut sig = synth::signature(3, 0);
    sig.resize(SIGNATURE_MAX_BYTES + 1, 0);
    assert_eq!(code(check_signature(&sig)), "media_too_large");
}

#[test]
fn png_given_as_photo_is_the_wrong_format() {
    let e = check_photo(&synth::signature(1, 1)).expect_err("png photo");
    assert_eq!(
        e,
        MediaProblem::WrongFormat {
            found: "PNG",
            expected: "JPEG"
        }
    );
    assert_eq!(e.to_string(), "a PNG image where JPEG is required");
}

#[test]
fn random_bytes_and_other_formats_are_not_images() {
    let mut x = 0x1234_5678_9ABC_DEF0u64;
    let random: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    for bytes in [
        random.as_slice(),
        b"GIF89a\x01\x00\x01\x00",
        b"%PDF-1.7\n",
        b"\xFF\xD8",
    ] {
        assert_eq!(code(check_photo(bytes)), "media_not_image");
        assert_eq!(code(check_signature(bytes)), "media_not_image");
    }
    // The magic alone, or a broken header after it, cannot be decoded.
    assert_eq!(
        code(check_photo(b"\xFF\xD8\xFF\xE0garbage")),
        "media_undecodable"
    );
    assert_eq!(
        code(check_signature(b"\x89PNG\r\n\x1a\ngarbage!")),
        "media_undecodable"
    );
}

#[test]
fn the_jpeg_decoder_alone_would_accept_a_truncated_file() {
    // Why the end-of-image check exists: the decoder pads a cut-off scan instead of failing.
    let full = synth::portrait(5, 0);
    let cut = &full[..full.len() * 3 / 4];
    assert!(image::load_from_memory(cut).is_ok());
    assert_eq!(
        check_photo(cut),
        Err(MediaProblem::Truncated { format: "JPEG" })
    );
}

#[test]
fn truncated_jpeg_is_refused_at_every_offset() {
    let full = synth::portrait(7, 2);
    assert!(check_photo(&full).is_ok());
    let sos = full
        .windows(2)
        .rposition(|w| w == [0xFF, 0xDA])
        .expect("SOS");
    let mut offsets: Vec<usize> = (1..20).map(|k| full.len() * k / 20).collect();
    offsets.extend([
        1,
        2,
        3,
        10,
        sos,
        sos + 2,
        sos + 20,
        full.len() - 2,
        full.len() - 1,
    ]);
    for n in offsets {
        let cut = &full[..n];
        let c = code(check_photo(cut));
        assert_ne!(c, "ok", "accepted a JPEG cut at {n} of {}", full.len());
        if n >= sos + 20 {
            assert_eq!(c, "media_truncated", "cut at {n}");
        }
        assert_ne!(code(decode_rgba(cut)), "ok", "decoded a JPEG cut at {n}");
        assert_ne!(code(check_signature(cut)), "ok");
    }
    // Bytes after the end marker are tolerated.
    let mut tail = full.clone();
    tail.extend_from_slice(b"\0\0trailer");
    assert!(check_photo(&tail).is_ok());
}

#[test]
fn truncated_png_is_refused_at_every_offset() {
    let full = synth::signature(7, 2);
    assert!(check_signature(&full).is_ok());
    let mut offsets: Vec<usize> = (1..20).map(|k| full.len() * k / 20).collect();
    offsets.extend([8, 20, 33, full.len() - 12, full.len() - 1]);
    for n in offsets {
        let cut = &full[..n];
        assert_ne!(
            code(check_signature(cut)),
            "ok",
            "accepted a PNG cut at {n}"
        );
        assert_ne!(code(decode_rgba(cut)), "ok", "decoded a PNG cut at {n}");
    }
    // Only the IEND chunk missing: the pixels are complete, but the transfer was not.
    assert_eq!(
        check_signature(&full[..full.len() - 12]),
        Err(MediaProblem::Truncated { format: "PNG" })
    );
}

#[test]
fn decompression_bombs_are_refused_from_the_header() {
    let bomb = jpeg_claiming(60000, 60000);
    assert!(bomb.len() < 30_000);
    assert_eq!(
        check_photo(&bomb),
        Err(MediaProblem::TooManyPixels {
            width: 60000,
            height: 60000,
            max: MAX_SIDE
        })
    );
    assert_eq!(code(check_signature(&bomb)), "media_too_many_pixels");
    assert_eq!(code(decode_rgba(&bomb)), "media_too_many_pixels");
    // Refused from the header: a 60000 × 60000 buffer (10.8 GB) is never allocated (the
    // error names the claimed size, which only the header gives).

    let png_bomb = png_header_claiming(100_000, 50_000);
    assert_eq!(png_bomb.len(), 33);
    assert_eq!(
        check_signature(&png_bomb),
        Err(MediaProblem::TooManyPixels {
            width: 100_000,
            height: 50_000,
            max: MAX_SIDE
        })
    );
    assert_eq!(code(check_photo(&png_bomb)), "media_too_many_pixels");
    assert_eq!(code(decode_rgba(&png_bomb)), "media_too_many_pixels");
    // One side over the limit is enough.
    assert_eq!(
        code(check_signature(&png_header_claiming(MAX_SIDE + 1, 100))),
        "media_too_many_pixels"
    );
    // At the limit the size passes (the header-only file then fails to decode).
    let at_limit = code(check_signature(&png_header_claiming(MAX_SIDE, 1000)));
    assert!(
        !["ok", "media_too_many_pixels"].contains(&at_limit),
        "{at_limit}"
    );
}

#[test]
fn small_photos_are_refused() {
    assert_eq!(
        check_photo(&jpeg(150, 200)),
        Err(MediaProblem::TooSmall {
            width: 150,
            height: 200,
            min_width: 194,
            min_height: 259
        })
    );
    assert_eq!(code(check_photo(&jpeg(193, 259))), "photo_too_small");
    assert_eq!(code(check_photo(&jpeg(194, 258))), "photo_too_small");
    assert_eq!(
        check_photo(&jpeg(194, 259)),
        Ok(CheckedImage {
            format: ImageFormat::Jpeg,
            width: 194,
            height: 259
        })
    );
}

#[test]
fn landscape_and_too_narrow_photos_are_refused() {
    assert_eq!(
        check_photo(&jpeg(400, 300)),
        Err(MediaProblem::BadAspect {
            width: 400,
            height: 300
        })
    );
    assert_eq!(code(check_photo(&jpeg(300, 300))), "photo_bad_aspect");
    assert_eq!(code(check_photo(&jpeg(200, 400))), "photo_bad_aspect");
    assert_eq!(code(check_photo(&jpeg(260, 400))), "ok");
    assert_eq!(code(check_photo(&jpeg(360, 400))), "ok");
}

#[test]
fn signature_shape_rules() {
    assert_eq!(code(check_signature(&png(300, 100))), "ok");
    assert_eq!(
        check_signature(&jpeg(300, 100)).map(|c| c.format),
        Ok(ImageFormat::Jpeg)
    );
    assert_eq!(
        check_signature(&png(50, 30)),
        Err(MediaProblem::SignatureTooSmall {
            width: 50,
            height: 30,
            min_width: 60,
            min_height: 20
        })
    );
    assert_eq!(code(check_signature(&png(200, 19))), "signature_too_small");
    assert_eq!(
        check_signature(&png(100, 200)),
        Err(MediaProblem::SignatureBadAspect {
            width: 100,
            height: 200
        })
    );
    assert_eq!(
        code(check_signature(&png(100, 100))),
        "signature_bad_aspect"
    );
    assert_eq!(
        code(check_signature(&png(900, 100))),
        "signature_bad_aspect"
    );
    assert_eq!(code(check_signature(&png(800, 100))), "ok");
}

#[test]
fn codes_are_stable_distinct_and_listed() {
    let problems = [
        MediaProblem::Empty,
        MediaProblem::TooLarge { size: 3, limit: 2 },
        MediaProblem::NotAnImage,
        MediaProblem::WrongFormat {
            found: "PNG",
            expected: "JPEG",
        },
        MediaProblem::Undecodable("x".into()),
        MediaProblem::Truncated { format: "JPEG" },
        MediaProblem::TooManyPixels {
            width: 1,
            height: 1,
            max: 1,
        },
        MediaProblem::TooSmall {
            width: 1,
            height: 1,
            min_width: 2,
            min_height: 2,
        },
        MediaProblem::BadAspect {
            width: 1,
            height: 1,
        },
        MediaProblem::SignatureTooSmall {
            width: 1,
            height: 1,
            min_width: 2,
            min_height: 2,
        },
        MediaProblem::SignatureBadAspect {
            width: 1,
            height: 1,
        },
    ];
    let codes: Vec<&str> = problems.iter().map(MediaProblem::code).collect();
    assert_eq!(codes, MediaProblem::CODES);
    let mut unique = codes.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), codes.len());
    for p in &problems {
        let msg = p.to_string();
        assert!(msg.is_ascii() || msg.contains('×'), "{msg}");
        assert!(msg.len() > 8, "{msg}");
    }
}

#[test]
fn decode_rgba_gives_pixels_under_the_same_limits() {
    let img = decode_rgba(&synth::portrait(2, 0)).expect("portrait");
    assert_eq!(img.dimensions(), (300, 400));
    let sig = decode_rgba(&synth::signature(2, 0)).expect("signature");
    assert_eq!(sig.dimensions(), (360, 120));
    // Transparent background, some ink.
    assert_eq!(sig.get_pixel(0, 0)[3], 0);
    assert!(sig.pixels().any(|p| p[3] == 255));
    // No photo rules here: a small landscape image decodes.
    assert!(decode_image(&jpeg(40, 20)).is_ok());
}

/// SplitMix64 for the mutations.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(base: &[u8], r: &mut Rng) -> Vec<u8> {
    let mut m = base.to_vec();
    for _ in 0..1 + r.below(3) {
        match r.below(6) {
            0 | 1 => {
                let i = r.below(m.len());
                m[i] ^= 1 << r.below(8);
            }
            2 => {
                let i = r.below(m.len());
                m[i] = [0x00, 0xFF, 0xD9, 0xDA, 0x7F][r.below(5)];
            }
            3 => {
                let n = r.below(m.len());
                m.truncate(n.max(1));
            }
            4 => {
                let i = r.below(m.len());
                let byte = r.next() as u8;
                m.insert(i, byte);
            }
            _ => {
                // Header bytes are where the interesting fields are.
                let i = r.below(m.len().min(64));
                m[i] = r.next() as u8;
            }
        }
    }
    m
}

#[test]
fn mutations_of_valid_files_never_panic() {
    // Small files for volume (the decoders see every mutation), full-size ones for realism.
    let small = [jpeg(80, 30), png(80, 30), jpeg(20, 30)];
    let full = [synth::portrait(11, 0), synth::signature(11, 0)];
    let mut r = Rng(0xC0FFEE);
    let mut accepted = 0usize;
    for i in 0..100_000usize {
        let base: &[u8] = if i % 100 == 0 {
            &full[(i / 100) % 2]
        } else {
            &small[i % 3]
        };
        let m = mutate(base, &mut r);
        if check_signature(&m).is_ok() {
            accepted += 1;
        }
        let _ = check_photo(&m);
        if i % 10 == 0 {
            let _ = decode_rgba(&m);
        }
    }
    // Most mutations of entropy-coded data still decode; the point is that nothing panicked.
    assert!(accepted > 0);
}
