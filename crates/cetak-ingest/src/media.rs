//! Import contract v2: the photo, signature and fingerprint templates of a recording, read from
//! an NDJSON line's `foto`, `tanda_tangan` and `sidik_jari` keys or from a media directory
//! (`DIR/<recording_id>/foto.jpg`, `tanda_tangan.png`, `jari-02.fmr`), then checked.
//!
//! Reading never refuses a recording: whatever is wrong with its media becomes a problem of the
//! recording (kept with the bytes that came), so the person is not lost for a bad photo. The
//! checks decode every image and parse every template; they are the costly part of an import
//! with media, so [`check_rows`] runs them on every core.

use std::io::Read;
use std::path::Path;

use base64::Engine as _;
use cetak_domain::media::{MediaItem, MediaSlot, MediaVerdict, RowMedia};
use rayon::prelude::*;
use serde_json::{Map, Value};

use crate::Item;

/// The keys contract v2 adds beside the v1 keys of an NDJSON line.
pub const MEDIA_KEYS: [&str; 3] = ["foto", "tanda_tangan", "sidik_jari"];

/// Largest template file read from a media directory (a two-view record is a few hundred bytes).
pub const TEMPLATE_MAX_BYTES: usize = 64 * 1024;

/// The largest file kept in a slot (a larger one is refused as `media_too_large`).
pub fn limit(slot: MediaSlot) -> usize {
    match slot {
        MediaSlot::Foto => cetak_media::PHOTO_MAX_BYTES,
        MediaSlot::TandaTangan => cetak_media::SIGNATURE_MAX_BYTES,
        MediaSlot::Jari(_) => TEMPLATE_MAX_BYTES,
    }
}

fn invalid(code: &str, message: String) -> MediaVerdict {
    MediaVerdict::Invalid {
        code: code.into(),
        message,
    }
}

/// A finger position as the contract writes it ("2", "02", "7"): ISO codes 1–10.
pub fn finger_position(key: &str) -> Option<u8> {
    let key = key.trim();
    if key.is_empty() || key.len() > 2 || !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    key.parse().ok().filter(|p| (1..=10).contains(p))
}

fn from_base64(slot: MediaSlot, value: &Value) -> MediaItem {
    let (bytes, verdict) = match value {
        Value::String(text) => {
            if text.len() > limit(slot).div_ceil(3) * 4 + 4 {
                (
                    Vec::new(),
                    invalid(
                        "media_too_large",
                        format!(
                            "{} bytes of base64 is more than the {}-byte limit",
                            text.len(),
                            limit(slot)
                        ),
                    ),
                )
            } else {
                match base64::engine::general_purpose::STANDARD.decode(text.trim()) {
                    Ok(b) => (b, MediaVerdict::Unchecked),
                    Err(e) => (
                        text.as_bytes().to_vec(),
                        invalid("media_bad_base64", format!("not base64: {e}")),
                    ),
                }
            }
        }
        other => (
            other.to_string().into_bytes(),
            invalid(
                "media_wrong_type",
                format!("{} must be a base64 string", slot.kind()),
            ),
        ),
    };
    MediaItem {
        slot,
        bytes,
        verdict,
    }
}

/// Takes the v2 keys out of an NDJSON object. `None` when the line has none of them (a v1 line).
pub fn from_json(object: &mut Map<String, Value>) -> Option<RowMedia> {
    if !MEDIA_KEYS.iter().any(|k| object.contains_key(*k)) {
        return None;
    }
    let mut media = RowMedia::default();
    if let Some(v) = object.remove("foto") {
        media.items.push(from_base64(MediaSlot::Foto, &v));
    }
    if let Some(v) = object.remove("tanda_tangan") {
        media.items.push(from_base64(MediaSlot::TandaTangan, &v));
    }
    match object.remove("sidik_jari") {
        None | Some(Value::Null) => {}
        Some(Value::Object(fingers)) => {
            for (key, value) in &fingers {
                match finger_position(key) {
                    Some(p) if media.get(MediaSlot::Jari(p)).is_none() => {
                        media.items.push(from_base64(MediaSlot::Jari(p), value));
                    }
                    Some(p) => media.unplaced.push((
                        "finger_twice".into(),
                        "sidik_jari".into(),
                        format!("finger position {p} is given twice; the first is kept"),
                    )),
                    None => media.unplaced.push((
                        "finger_bad_position".into(),
                        "sidik_jari".into(),
                        format!(
                            "{:?} is not an ISO finger position (1–10, e.g. 2 right index, 7 left index)",
                            key.chars().take(20).collect::<String>()
                        ),
                    )),
                }
            }
        }
        Some(_) => media.unplaced.push((
            "media_wrong_type".into(),
            "sidik_jari".into(),
            "sidik_jari must be an object from finger position to a base64 template".into(),
        )),
    }
    Some(media)
}

/// A recording id that names a directory under the media root and nothing else: no separators,
/// no `.`/`..`, nothing hidden. Recording ids may contain `/` (the contract allows it), and such
/// a recording's media cannot come from a directory.
fn safe_dir_name(recording_id: &str) -> bool {
    !recording_id.is_empty()
        && !recording_id.starts_with('.')
        && !recording_id.contains(['/', '\\'])
        && recording_id.len() <= 128
}

fn slot_of_file(name: &str) -> Option<MediaSlot> {
    match name {
        "foto.jpg" | "foto.jpeg" => Some(MediaSlot::Foto),
        "tanda_tangan.png" | "tanda_tangan.jpg" | "tanda_tangan.jpeg" => {
            Some(MediaSlot::TandaTangan)
        }
        _ => {
            let p = name.strip_prefix("jari-")?.strip_suffix(".fmr")?;
            finger_position(p).map(MediaSlot::Jari)
        }
    }
}

fn read_capped(path: &Path, slot: MediaSlot, cap: usize) -> MediaItem {
    let read = (|| -> std::io::Result<Vec<u8>> {
        let file = std::fs::File::open(path)?;
        let mut bytes = Vec::new();
        file.take(cap as u64 + 1).read_to_end(&mut bytes)?;
        Ok(bytes)
    })();
    let (bytes, verdict) = match read {
        Ok(b) if b.len() > cap => (
            Vec::new(),
            invalid(
                "media_too_large",
                format!("the file is larger than the {cap}-byte limit"),
            ),
        ),
        Ok(b) => (b, MediaVerdict::Unchecked),
        Err(e) => (
            Vec::new(),
            invalid("media_unreadable", format!("the file cannot be read: {e}")),
        ),
    };
    MediaItem {
        slot,
        bytes,
        verdict,
    }
}

/// Reads `root/<recording_id>/`. A missing directory gives empty media (the photo and signature
/// then count as missing); only plain files are read, each at most its slot's limit.
pub fn from_dir(root: &Path, recording_id: &str) -> RowMedia {
    from_dir_capped(root, recording_id, None)
}

/// [`from_dir`] reading each file up to `cap` bytes instead of its slot's limit (the centre
/// keeps what came and lets the office judge it; `None`: the slot's limit).
pub fn from_dir_capped(root: &Path, recording_id: &str, cap: Option<usize>) -> RowMedia {
    let mut media = RowMedia::default();
    if !safe_dir_name(recording_id) {
        media.unplaced.push((
            "media_dir_unsafe_id".into(),
            "recording_id".into(),
            "this recording_id cannot name a media directory (it contains a path separator or starts with a dot)".into(),
        ));
        return media;
    }
    let dir = root.join(recording_id);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return media;
    };
    let mut names: Vec<(String, std::fs::FileType)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().into_string().ok()?, e.file_type().ok()?)))
        .collect();
    names.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, kind) in names {
        let Some(slot) = slot_of_file(&name) else {
            media.unplaced.push((
                "media_unknown_file".into(),
                "media".into(),
                format!(
                    "{:?} is not a file of the media layout (foto.jpg, tanda_tangan.png, jari-NN.fmr)",
                    name.chars().take(60).collect::<String>()
                ),
            ));
            continue;
        };
        if media.get(slot).is_some() {
            media.unplaced.push((
                "media_twice".into(),
                slot.name(),
                format!("{name:?} is a second file for {slot}; the first is kept"),
            ));
            continue;
        }
        if !kind.is_file() {
            media.items.push(MediaItem {
                slot,
                bytes: Vec::new(),
                verdict: invalid(
                    "media_not_a_file",
                    format!("{name:?} is not a plain file (a link or a directory is not read)"),
                ),
            });
            continue;
        }
        media.items.push(read_capped(
            &dir.join(&name),
            slot,
            cap.unwrap_or_else(|| limit(slot)),
        ));
    }
    media
}

/// Judges one item (decodes the image or parses the template). Items already judged at
/// reading (bad base64, too large) keep their verdict.
pub fn check(item: &mut MediaItem) {
    if item.verdict != MediaVerdict::Unchecked {
        return;
    }
    let image = |r: Result<cetak_media::CheckedImage, cetak_media::MediaProblem>| match r {
        Ok(c) => MediaVerdict::Valid {
            mime: c.format.mime().into(),
            width: c.width,
            height: c.height,
        },
        Err(p) => invalid(p.code(), p.to_string()),
    };
    item.verdict = match item.slot {
        MediaSlot::Foto => image(cetak_media::check_photo(&item.bytes)),
        MediaSlot::TandaTangan => image(cetak_media::check_signature(&item.bytes)),
        MediaSlot::Jari(position) => match cetak_finger::template::parse(&item.bytes) {
            Err(e) => invalid(e.code(), e.to_string()),
            Ok(t)
                if !t.views.is_empty()
                    && !t
                        .views
                        .iter()
                        .any(|v| v.finger == position || v.finger == 0) =>
            {
                invalid(
                    "finger_position_mismatch",
                    format!(
                        "the file is for finger position {position} but the template holds position(s) {}",
                        t.views
                            .iter()
                            .map(|v| v.finger.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            }
            Ok(_) => MediaVerdict::Valid {
                mime: "application/x-iso19794-2".into(),
                width: 0,
                height: 0,
            },
        },
    };
}

/// The media of a row, if it has any.
pub fn media_of(item: &mut Item) -> Option<&mut RowMedia> {
    match item {
        Item::Valid { media, .. } | Item::NeedsCorrection { media, .. } => media.as_deref_mut(),
        Item::Rejected { .. } => None,
    }
}

/// Checks every unchecked item of a batch, on all cores.
pub fn check_rows(rows: &mut [Item]) {
    rows.par_iter_mut().for_each(|row| {
        if let Some(m) = media_of(row) {
            m.items.iter_mut().for_each(check);
        }
    });
}

/// Attaches the media directory's content to each readable row of a batch (contract v2 as CSV
/// plus `--media DIR`).
pub fn attach_dir(rows: &mut [Item], root: &Path) {
    rows.par_iter_mut().for_each(|row| {
        let id = match row {
            Item::Valid { record, .. } => record.recording_id.clone(),
            Item::NeedsCorrection { draft, .. } => draft.recording_id().to_string(),
            Item::Rejected { .. } => return,
        };
        if let Item::Valid { media, .. } | Item::NeedsCorrection { media, .. } = row {
            *media = Some(Box::new(from_dir(root, &id)));
        }
    });
}
