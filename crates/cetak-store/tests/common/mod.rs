//! What the store's media and chip-queue tests share: a checked media item, a valid row.
#![allow(dead_code)]

use cetak_domain::media::{MediaItem, MediaSlot, MediaVerdict, RowMedia};
use cetak_domain::record::{EXAMPLE_ROW, Record};
use cetak_store::ImportRow;

/// A media item as the intake leaves it: checked by `cetak_ingest::media::check`.
pub fn item(slot: MediaSlot, bytes: Vec<u8>) -> MediaItem {
    let mut i = MediaItem {
        slot,
        bytes,
        verdict: MediaVerdict::Unchecked,
    };
    cetak_ingest::media::check(&mut i);
    i
}

/// A valid row of [`EXAMPLE_ROW`] with this recording id and NIK (the same time of recording
/// for all, so the queue orders by id), carrying `media`.
pub fn row(id: &str, nik: &str, media: Option<RowMedia>) -> ImportRow {
    let mut f = EXAMPLE_ROW.map(str::to_string);
    f[0] = id.to_string();
    f[1] = nik.to_string();
    let refs: [&str; 22] = std::array::from_fn(|i| f[i].as_str());
    ImportRow::Valid {
        line: 2,
        record: Record::validate(&refs).expect("valid row"),
        raw: f.join(",").into_bytes(),
        media: media.map(Box::new),
    }
}
