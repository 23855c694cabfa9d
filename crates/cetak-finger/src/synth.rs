//! Seeded synthetic impressions. SKELETON.

use crate::template::{Format, Template};

/// One impression.
pub fn impression(person: u64, finger: u8, recording: u64) -> Vec<u8> {
    let _ = (person, finger, recording);
    Template {
        format: Format::Iso2005,
        product: 0,
        equipment: 0,
        width: 0,
        height: 0,
        res_x: 197,
        res_y: 197,
        views: Vec::new(),
    }
    .to_iso_bytes()
}
