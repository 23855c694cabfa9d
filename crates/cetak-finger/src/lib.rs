//! Fingerprint minutiae templates (issue 17 brings them in, issue 18 matches them).
//!
//! SKELETON: [`template`] is the interface the registry uses; the full reader and writer
//! (ISO/IEC 19794-2:2005 and ANSI INCITS 378-2004), its goldens and fuzz target, and the
//! impression generator in [`synth`] are being written.

pub mod synth;
pub mod template;

pub use template::{Format, Minutia, MinutiaKind, Template, TemplateError, View};
