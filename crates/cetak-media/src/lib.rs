//! The face photo and the signature of a recording (import contract v2).
//!
//! Every image is decoded before it is accepted: the format is read from the bytes, never from a
//! file name. A problem is reported with a stable [`MediaProblem::code`] that the registry keeps
//! beside the original bytes, so nothing is lost and the correction worklist can say why.
//!
//! Decoding is bounded, because the bytes come from the field: the header is read first and an
//! image larger than [`MAX_SIDE`] on either side is refused before any pixel buffer exists (a
//! "decompression bomb" of a few hundred bytes that claims 60000 × 60000 pixels costs nothing),
//! and the decoder runs under [`image::Limits`] ([`MAX_DECODE_ALLOC`]). The JPEG decoder pads a
//! cut-off file with grey instead of failing, so a JPEG whose last scan has no end-of-image
//! marker (`FF D9`) and a PNG without its `IEND` chunk are refused as [`MediaProblem::Truncated`]:
//! a half-transferred photo must not end up on a card.
//!
//! The card renderer (`cetak-card`) decodes with [`decode_image`] / [`decode_rgba`] under the same
//! limits; [`synth`] draws seeded portraits and signatures (never real faces) for the generator
//! and tests.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageError, ImageReader, Limits};
use thiserror::Error;

pub mod synth;

/// The `image` crate this crate decodes with, for callers that work on the decoded pixels.
pub use image;

/// The photo box on the card (`cetak-card`) is 194 × 259 pixels at 300 dpi (16.4 × 21.9 mm). A
/// photo smaller than this would be enlarged on the card (blurred), so it is refused.
pub const PHOTO_MIN_WIDTH: u32 = 194;
/// See [`PHOTO_MIN_WIDTH`].
pub const PHOTO_MIN_HEIGHT: u32 = 259;
/// Narrowest photo accepted, width / height (a portrait).
pub const PHOTO_MIN_ASPECT: f32 = 0.6;
/// Widest photo accepted, width / height (still a portrait; the card box is 0.75).
pub const PHOTO_MAX_ASPECT: f32 = 0.9;
/// Largest photo file accepted, bytes.
pub const PHOTO_MAX_BYTES: usize = 2 * 1024 * 1024;
/// Largest signature file accepted, bytes.
pub const SIGNATURE_MAX_BYTES: usize = 512 * 1024;
/// Smallest signature accepted, pixels (the signature box is about 180 × 98 px at 300 dpi).
pub const SIGNATURE_MIN_WIDTH: u32 = 60;
/// See [`SIGNATURE_MIN_WIDTH`].
pub const SIGNATURE_MIN_HEIGHT: u32 = 20;
/// A signature is wider than tall, at most this many times.
pub const SIGNATURE_MAX_ASPECT: f32 = 8.0;
/// Largest width or height decoded at all, pixels (photo or signature).
pub const MAX_SIDE: u32 = 4000;
/// Most memory the decoder may reserve for one image, bytes (a 4000 × 4000 RGBA image is 61 MiB).
pub const MAX_DECODE_ALLOC: u64 = 80 * 1024 * 1024;

/// The encodings the contract allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Jpeg,
    Png,
}

impl ImageFormat {
    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
        }
    }

    /// The name used in messages ("JPEG", "PNG").
    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "JPEG",
            ImageFormat::Png => "PNG",
        }
    }

    fn to_image(self) -> image::ImageFormat {
        match self {
            ImageFormat::Jpeg => image::ImageFormat::Jpeg,
            ImageFormat::Png => image::ImageFormat::Png,
        }
    }
}

/// What the checks learned about an accepted image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckedImage {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
}

/// Why an image was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MediaProblem {
    #[error("empty file")]
    Empty,
    #[error("{size} bytes is more than the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
    #[error("not a JPEG or PNG image")]
    NotAnImage,
    #[error("a {found} image where {expected} is required")]
    WrongFormat {
        found: &'static str,
        expected: &'static str,
    },
    #[error("the image cannot be decoded: {0}")]
    Undecodable(String),
    #[error("the {format} file is cut off (no end marker): an incomplete transfer?")]
    Truncated { format: &'static str },
    #[error(
        "{width}×{height} pixels is too large to decode (at most {max}×{max} pixels and 80 MiB)"
    )]
    TooManyPixels { width: u32, height: u32, max: u32 },
    #[error(
        "{width}×{height} pixels is smaller than {min_width}×{min_height} (the photo box at 300 dpi)"
    )]
    TooSmall {
        width: u32,
        height: u32,
        min_width: u32,
        min_height: u32,
    },
    #[error("{width}×{height} is not a portrait photo (width:height must be between 0.6 and 0.9)")]
    BadAspect { width: u32, height: u32 },
    #[error("a {width}×{height} signature is smaller than {min_width}×{min_height} pixels")]
    SignatureTooSmall {
        width: u32,
        height: u32,
        min_width: u32,
        min_height: u32,
    },
    #[error(
        "a {width}×{height} signature has the wrong shape (it must be wider than tall, at most 8:1)"
    )]
    SignatureBadAspect { width: u32, height: u32 },
}

impl MediaProblem {
    /// Every code [`MediaProblem::code`] can return, for translation tables and their tests.
    pub const CODES: &'static [&'static str] = &[
        "media_empty",
        "media_too_large",
        "media_not_image",
        "media_wrong_format",
        "media_undecodable",
        "media_truncated",
        "media_too_many_pixels",
        "photo_too_small",
        "photo_bad_aspect",
        "signature_too_small",
        "signature_bad_aspect",
    ];

    /// A stable code for the registry, the worklist and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            MediaProblem::Empty => "media_empty",
            MediaProblem::TooLarge { .. } => "media_too_large",
            MediaProblem::NotAnImage => "media_not_image",
            MediaProblem::WrongFormat { .. } => "media_wrong_format",
            MediaProblem::Undecodable(_) => "media_undecodable",
            MediaProblem::Truncated { .. } => "media_truncated",
            MediaProblem::TooManyPixels { .. } => "media_too_many_pixels",
            MediaProblem::TooSmall { .. } => "photo_too_small",
            MediaProblem::BadAspect { .. } => "photo_bad_aspect",
            MediaProblem::SignatureTooSmall { .. } => "signature_too_small",
            MediaProblem::SignatureBadAspect { .. } => "signature_bad_aspect",
        }
    }
}

/// The format, from the magic bytes.
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else {
        None
    }
}

fn limits() -> Limits {
    let mut l = Limits::default();
    l.max_image_width = Some(MAX_SIDE);
    l.max_image_height = Some(MAX_SIDE);
    l.max_alloc = Some(MAX_DECODE_ALLOC);
    l
}

fn rfind2(hay: &[u8], needle: [u8; 2]) -> Option<usize> {
    hay.windows(2).rposition(|w| w == needle)
}

/// Whether the file ends properly: a JPEG has an end-of-image marker after its last
/// start-of-scan (markers cannot occur inside entropy-coded data, `FF` is stuffed there, so a
/// thumbnail's `FF D9` in an APP segment does not count); a PNG has its `IEND` chunk. Trailing
/// bytes after the end marker are tolerated.
fn is_complete(bytes: &[u8], format: ImageFormat) -> bool {
    match format {
        ImageFormat::Jpeg => match rfind2(bytes, [0xFF, 0xDA]) {
            Some(sos) => bytes[sos..].windows(2).any(|w| w == [0xFF, 0xD9]),
            None => false,
        },
        ImageFormat::Png => {
            const IEND: &[u8] = b"\0\0\0\0IEND\xAE\x42\x60\x82";
            bytes.ends_with(IEND) || bytes.windows(IEND.len()).any(|w| w == IEND)
        }
    }
}

/// The size a header claims, read again without limits only to say it in the refusal. A PNG's
/// IHDR is at a fixed place (the PNG decoder wants more than a header before it says anything);
/// a JPEG's frame header is found by the decoder, which reads headers only here.
fn claimed_dimensions(bytes: &[u8], format: ImageFormat) -> Option<(u32, u32)> {
    match format {
        ImageFormat::Png => {
            let ihdr = bytes.get(12..24).filter(|h| h.starts_with(b"IHDR"))?;
            let w = u32::from_be_bytes(ihdr[4..8].try_into().ok()?);
            let h = u32::from_be_bytes(ihdr[8..12].try_into().ok()?);
            Some((w, h))
        }
        ImageFormat::Jpeg => {
            let mut header = ImageReader::with_format(Cursor::new(bytes), format.to_image());
            header.no_limits();
            header.into_dimensions().ok()
        }
    }
}

/// A file whose header has been read: its format and size, and the decoder (limits set).
struct Opened<'a> {
    format: ImageFormat,
    width: u32,
    height: u32,
    decoder: Box<dyn ImageDecoder + 'a>,
}

/// Sniffs and reads the header, refusing an image larger than [`MAX_SIDE`] before any pixel
/// buffer is allocated.
fn open(bytes: &[u8], max_bytes: Option<usize>) -> Result<Opened<'_>, MediaProblem> {
    if bytes.is_empty() {
        return Err(MediaProblem::Empty);
    }
    if let Some(limit) = max_bytes
        && bytes.len() > limit
    {
        return Err(MediaProblem::TooLarge {
            size: bytes.len(),
            limit,
        });
    }
    let format = sniff(bytes).ok_or(MediaProblem::NotAnImage)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.to_image());
    reader.limits(limits());
    match reader.into_decoder() {
        Ok(decoder) => {
            let (width, height) = decoder.dimensions();
            Ok(Opened {
                format,
                width,
                height,
                decoder: Box::new(decoder),
            })
        }
        Err(ImageError::Limits(_)) => {
            // Read the header again without limits, only to say how large it claims to be.
            let (width, height) = claimed_dimensions(bytes, format).unwrap_or((0, 0));
            Err(MediaProblem::TooManyPixels {
                width,
                height,
                max: MAX_SIDE,
            })
        }
        Err(e) => Err(MediaProblem::Undecodable(e.to_string())),
    }
}

impl Opened<'_> {
    /// Checks that the file is complete, then decodes every pixel (under the limits).
    fn decode(self, bytes: &[u8]) -> Result<DynamicImage, MediaProblem> {
        if !is_complete(bytes, self.format) {
            return Err(MediaProblem::Truncated {
                format: self.format.name(),
            });
        }
        let (width, height, max) = (self.width, self.height, MAX_SIDE);
        DynamicImage::from_decoder(self.decoder).map_err(|e| match e {
            ImageError::Limits(_) => MediaProblem::TooManyPixels { width, height, max },
            e => MediaProblem::Undecodable(e.to_string()),
        })
    }

    fn checked(&self) -> CheckedImage {
        CheckedImage {
            format: self.format,
            width: self.width,
            height: self.height,
        }
    }
}

/// Checks a face photo: a JPEG, complete and decodable, at least the photo box at 300 dpi
/// ([`PHOTO_MIN_WIDTH`] × [`PHOTO_MIN_HEIGHT`]), portrait (width:height 0.6 to 0.9), at most
/// [`MAX_SIDE`] pixels a side and [`PHOTO_MAX_BYTES`].
pub fn check_photo(bytes: &[u8]) -> Result<CheckedImage, MediaProblem> {
    let opened = open(bytes, Some(PHOTO_MAX_BYTES))?;
    if opened.format != ImageFormat::Jpeg {
        return Err(MediaProblem::WrongFormat {
            found: opened.format.name(),
            expected: ImageFormat::Jpeg.name(),
        });
    }
    let checked = opened.checked();
    let (width, height) = (checked.width, checked.height);
    if width < PHOTO_MIN_WIDTH || height < PHOTO_MIN_HEIGHT {
        return Err(MediaProblem::TooSmall {
            width,
            height,
            min_width: PHOTO_MIN_WIDTH,
            min_height: PHOTO_MIN_HEIGHT,
        });
    }
    let aspect = width as f32 / height as f32;
    if !(PHOTO_MIN_ASPECT..=PHOTO_MAX_ASPECT).contains(&aspect) {
        return Err(MediaProblem::BadAspect { width, height });
    }
    opened.decode(bytes)?;
    Ok(checked)
}

/// Checks a signature: a PNG or JPEG, complete and decodable, at least
/// [`SIGNATURE_MIN_WIDTH`] × [`SIGNATURE_MIN_HEIGHT`], wider than tall but at most
/// [`SIGNATURE_MAX_ASPECT`]:1, at most [`MAX_SIDE`] pixels a side and [`SIGNATURE_MAX_BYTES`].
pub fn check_signature(bytes: &[u8]) -> Result<CheckedImage, MediaProblem> {
    let opened = open(bytes, Some(SIGNATURE_MAX_BYTES))?;
    let checked = opened.checked();
    let (width, height) = (checked.width, checked.height);
    if width < SIGNATURE_MIN_WIDTH || height < SIGNATURE_MIN_HEIGHT {
        return Err(MediaProblem::SignatureTooSmall {
            width,
            height,
            min_width: SIGNATURE_MIN_WIDTH,
            min_height: SIGNATURE_MIN_HEIGHT,
        });
    }
    if width <= height || width as f32 > SIGNATURE_MAX_ASPECT * height as f32 {
        return Err(MediaProblem::SignatureBadAspect { width, height });
    }
    opened.decode(bytes)?;
    Ok(checked)
}

/// Decodes a JPEG or PNG under the same limits as the checks (size, completeness, allocation),
/// without the photo or signature rules. For the card renderer, which gets bytes that were
/// checked at import; this is its guard, not a second rule book.
pub fn decode_image(bytes: &[u8]) -> Result<DynamicImage, MediaProblem> {
    open(bytes, None)?.decode(bytes)
}

/// [`decode_image`], as 8-bit RGBA.
pub fn decode_rgba(bytes: &[u8]) -> Result<image::RgbaImage, MediaProblem> {
    decode_image(bytes).map(DynamicImage::into_rgba8)
}
