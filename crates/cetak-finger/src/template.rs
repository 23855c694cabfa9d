//! One reader and writer for minutiae records. SKELETON: header check only.

use thiserror::Error;

/// Which standard a record follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// ISO/IEC 19794-2:2005 finger minutiae record.
    Iso2005,
    /// ANSI INCITS 378-2004.
    Ansi2004,
}

/// Ridge ending, bifurcation or other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MinutiaKind {
    Other,
    Ending,
    Bifurcation,
}

/// One minutia, in the record's pixel grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Minutia {
    pub kind: MinutiaKind,
    pub x: u16,
    pub y: u16,
    /// Direction in units of 360/256 degrees (the record's own unit).
    pub angle: u8,
    pub quality: u8,
}

/// One finger view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// ISO finger position: 1 right thumb, 2 right index, … 6 left thumb, 7 left index, …
    pub finger: u8,
    pub view_number: u8,
    pub impression: u8,
    pub quality: u8,
    pub minutiae: Vec<Minutia>,
    /// Extended data blocks, kept as read.
    pub extensions: Vec<u8>,
}

/// A whole record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub format: Format,
    pub width: u16,
    pub height: u16,
    pub res_x: u16,
    pub res_y: u16,
    pub views: Vec<View>,
}

/// Why a record was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TemplateError {
    #[error("not a finger minutiae record (no FMR magic)")]
    NotFmr,
    #[error("record truncated: {0}")]
    Truncated(String),
    #[error("malformed record: {0}")]
    Malformed(String),
}

impl TemplateError {
    /// A stable code for the registry and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            TemplateError::NotFmr => "template_not_fmr",
            TemplateError::Truncated(_) => "template_truncated",
            TemplateError::Malformed(_) => "template_malformed",
        }
    }
}

/// Reads a record. SKELETON: checks the magic and version only.
pub fn parse(bytes: &[u8]) -> Result<Template, TemplateError> {
    if bytes.len() < 8 || &bytes[0..4] != b"FMR\0" {
        return Err(TemplateError::NotFmr);
    }
    let format = match &bytes[4..8] {
        b" 20\0" => Format::Iso2005,
        _ => return Err(TemplateError::Malformed("unknown version".into())),
    };
    Ok(Template {
        format,
        width: 0,
        height: 0,
        res_x: 0,
        res_y: 0,
        views: Vec::new(),
    })
}

impl Template {
    /// Writes the record in ISO/IEC 19794-2:2005. SKELETON.
    pub fn to_iso_bytes(&self) -> Vec<u8> {
        let mut out = b"FMR\0 20\0".to_vec();
        out.extend_from_slice(&[0; 16]);
        out
    }
}
