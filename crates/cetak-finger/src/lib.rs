//! Fingerprint minutiae templates (issue 17 brings them in, issue 18 matches them).
//!
//! Why a crate of its own: the registry stores and compares minutiae, never images, and it must
//! both accept records from enrolment hardware (so one strict, panic-free reader for the two
//! record formats in use, ISO/IEC 19794-2:2005 and ANSI INCITS 378-2004: [`template`]) and
//! produce realistic records for synthetic residents (so a seeded generator of repeat captures:
//! [`synth`]).

pub mod index;
pub mod matcher;
pub mod synth;
pub mod template;

pub use index::Gallery;
pub use matcher::{Features, Probe, score};
pub use template::{Format, Minutia, MinutiaKind, Template, TemplateError, View};
