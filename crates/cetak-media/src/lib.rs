//! The face photo and the signature of a recording (import contract v2).
//!
//! Every image is decoded before it is accepted: the format is read from the bytes, never from a
//! file name. A problem is reported with a stable [`MediaProblem::code`] that the registry keeps
//! beside the original bytes, so nothing is lost and the correction worklist can say why.
//!
//! SKELETON: the checks below are the interface; the full rules, the generator and the fuzz
//! targets are being written (issue 17).

use thiserror::Error;

/// The photo box on the card (`cetak-card`) is 194 × 259 pixels at 300 dpi (16.4 × 21.9 mm). A
/// photo smaller than this would be enlarged on the card (blurred), so it is refused.
pub const PHOTO_MIN_WIDTH: u32 = 194;
/// See [`PHOTO_MIN_WIDTH`].
pub const PHOTO_MIN_HEIGHT: u32 = 259;
/// Largest photo file accepted, bytes.
pub const PHOTO_MAX_BYTES: usize = 2 * 1024 * 1024;
/// Largest signature file accepted, bytes.
pub const SIGNATURE_MAX_BYTES: usize = 512 * 1024;

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
}

impl MediaProblem {
    /// A stable code for the registry, the worklist and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            MediaProblem::Empty => "media_empty",
            MediaProblem::TooLarge { .. } => "media_too_large",
            MediaProblem::NotAnImage => "media_not_image",
            MediaProblem::WrongFormat { .. } => "media_wrong_format",
            MediaProblem::Undecodable(_) => "media_undecodable",
            MediaProblem::TooSmall { .. } => "photo_too_small",
            MediaProblem::BadAspect { .. } => "photo_bad_aspect",
        }
    }
}

fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else {
        None
    }
}

fn decode(bytes: &[u8], format: ImageFormat) -> Result<image::DynamicImage, MediaProblem> {
    let f = match format {
        ImageFormat::Jpeg => image::ImageFormat::Jpeg,
        ImageFormat::Png => image::ImageFormat::Png,
    };
    image::load_from_memory_with_format(bytes, f)
        .map_err(|e| MediaProblem::Undecodable(e.to_string()))
}

/// Checks a face photo: a JPEG, decodable, at least the photo box at 300 dpi, portrait.
pub fn check_photo(bytes: &[u8]) -> Result<CheckedImage, MediaProblem> {
    if bytes.is_empty() {
        return Err(MediaProblem::Empty);
    }
    if bytes.len() > PHOTO_MAX_BYTES {
        return Err(MediaProblem::TooLarge {
            size: bytes.len(),
            limit: PHOTO_MAX_BYTES,
        });
    }
    let format = sniff(bytes).ok_or(MediaProblem::NotAnImage)?;
    if format != ImageFormat::Jpeg {
        return Err(MediaProblem::WrongFormat {
            found: "PNG",
            expected: "JPEG",
        });
    }
    let img = decode(bytes, format)?;
    let (width, height) = (img.width(), img.height());
    if width < PHOTO_MIN_WIDTH || height < PHOTO_MIN_HEIGHT {
        return Err(MediaProblem::TooSmall {
            width,
            height,
            min_width: PHOTO_MIN_WIDTH,
            min_height: PHOTO_MIN_HEIGHT,
        });
    }
    let aspect = width as f32 / height as f32;
    if !(0.6..=0.9).contains(&aspect) {
        return Err(MediaProblem::BadAspect { width, height });
    }
    Ok(CheckedImage {
        format,
        width,
        height,
    })
}

/// Checks a signature: a PNG or JPEG, decodable.
pub fn check_signature(bytes: &[u8]) -> Result<CheckedImage, MediaProblem> {
    if bytes.is_empty() {
        return Err(MediaProblem::Empty);
    }
    if bytes.len() > SIGNATURE_MAX_BYTES {
        return Err(MediaProblem::TooLarge {
            size: bytes.len(),
            limit: SIGNATURE_MAX_BYTES,
        });
    }
    let format = sniff(bytes).ok_or(MediaProblem::NotAnImage)?;
    let img = decode(bytes, format)?;
    Ok(CheckedImage {
        format,
        width: img.width(),
        height: img.height(),
    })
}

/// Seeded, drawn (never real) portraits and signatures for the generator and tests.
pub mod synth {
    /// A drawn portrait (JPEG) for `person`; `recording` varies the capture (light, framing)
    /// while the person stays recognisably the same. SKELETON: a flat image for now.
    pub fn portrait(person: u64, recording: u64) -> Vec<u8> {
        let shade = ((person ^ recording) % 200) as u8 + 30;
        let img = image::RgbImage::from_pixel(300, 400, image::Rgb([shade, 120, 90]));
        let mut out = std::io::Cursor::new(Vec::new());
        let _ = image::DynamicImage::ImageRgb8(img).write_to(&mut out, image::ImageFormat::Jpeg);
        out.into_inner()
    }

    /// A drawn signature (PNG) for `person`, each `recording` a slightly different stroke.
    /// SKELETON: a flat image for now.
    pub fn signature(person: u64, recording: u64) -> Vec<u8> {
        let shade = ((person.wrapping_add(recording)) % 100) as u8;
        let img = image::GrayImage::from_pixel(300, 120, image::Luma([155 + shade]));
        let mut out = std::io::Cursor::new(Vec::new());
        let _ = image::DynamicImage::ImageLuma8(img).write_to(&mut out, image::ImageFormat::Png);
        out.into_inner()
    }
}
