//! Seeded synthetic impressions. SKELETON.

use crate::template::{Format, Template};

/// One impression (an ISO/IEC 19794-2:2005 record) of `finger` of `person`: the same person's
/// impressions share a master finger, each `recording` a new capture of it; different persons
/// (twins included) have different fingers.
pub fn impression(person: u64, finger: u8, recording: u64) -> Vec<u8> {
    let _ = (person, finger, recording);
    Template {
        format: Format::Iso2005,
        width: 0,
        height: 0,
        res_x: 197,
        res_y: 197,
        views: Vec::new(),
    }
    .to_iso_bytes()
}
