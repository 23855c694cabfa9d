//! `cetak gen --media`: the person on each generated recording, in the media-folder layout of
//! import contract v2 (`DIR/<recording_id>/foto.jpg`, `tanda_tangan.png`, `jari-02.fmr`,
//! `jari-07.fmr`).
//!
//! Everything is drawn or synthesised from seeds (no real face or finger): one person gives
//! the same portrait, signature and fingers in every recording (each recording a new capture:
//! framing, stroke, impression), and twins, being different persons, differ.

use std::io::{self, Write};
use std::path::Path;

use rayon::prelude::*;

/// The index fingers the chip keeps (ISO positions): right index, left index.
pub const FINGERS: [u8; 2] = [2, 7];

fn mix(a: u64, b: &[u8]) -> u64 {
    let mut h = blake3::Hasher::new();
    h.update(&a.to_le_bytes());
    h.update(b);
    let mut out = [0u8; 8];
    out.copy_from_slice(&h.finalize().as_bytes()[..8]);
    u64::from_le_bytes(out)
}

/// What one recording gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaPlan {
    /// Leave out the signature (an office mistake: the pad was not used).
    pub without_signature: bool,
}

/// Writes the media folder of each `(recording_id, person_id)` under `root`, in parallel.
/// `office_errors` leaves the signature out of about one recording in a hundred, as a desk
/// sometimes does. `progress` is called with the number of folders written so far.
pub fn write_media(
    seed: u64,
    recordings: &[(String, String)],
    root: &Path,
    office_errors: bool,
    progress: &(dyn Fn(u64) + Sync),
) -> io::Result<u64> {
    std::fs::create_dir_all(root)?;
    let done = std::sync::atomic::AtomicU64::new(0);
    recordings
        .par_iter()
        .try_for_each(|(recording_id, person_id)| -> io::Result<()> {
            let person = mix(seed, person_id.as_bytes());
            let recording = mix(seed ^ 0x006d_6564_6961, recording_id.as_bytes());
            let plan = MediaPlan {
                without_signature: office_errors && recording.is_multiple_of(100),
            };
            let dir = root.join(recording_id);
            std::fs::create_dir_all(&dir)?;
            write_file(
                &dir.join("foto.jpg"),
                &cetak_media::synth::portrait(person, recording),
            )?;
            if !plan.without_signature {
                write_file(
                    &dir.join("tanda_tangan.png"),
                    &cetak_media::synth::signature(person, recording),
                )?;
            }
            for finger in FINGERS {
                write_file(
                    &dir.join(format!("jari-{finger:02}.fmr")),
                    &cetak_finger::synth::impression(person, finger, recording),
                )?;
            }
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if n.is_multiple_of(1000) {
                progress(n);
            }
            Ok(())
        })?;
    Ok(recordings.len() as u64)
}

fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)
}

/// Reads `truth.csv` (`recording_id,person_id`) back.
pub fn read_truth(path: &Path) -> io::Result<Vec<(String, String)>> {
    let mut rdr = csv::Reader::from_path(path).map_err(io::Error::other)?;
    let mut out = Vec::new();
    for row in rdr.records() {
        let row = row.map_err(io::Error::other)?;
        if let (Some(r), Some(p)) = (row.get(0), row.get(1)) {
            out.push((r.to_string(), p.to_string()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_person_keeps_a_portrait_seed_and_twins_do_not_share_one() {
        assert_eq!(mix(7, b"P000000001"), mix(7, b"P000000001"));
        assert_ne!(mix(7, b"P000000001"), mix(7, b"P000000002"));
        assert_ne!(mix(7, b"P000000001"), mix(8, b"P000000001"));
    }

    #[test]
    fn each_recording_gets_the_layout_of_contract_v2() {
        let dir = tempfile::tempdir().expect("temp dir");
        let recs = vec![
            ("R1".to_string(), "P1".to_string()),
            ("R2".to_string(), "P1".to_string()),
        ];
        let n = write_media(1, &recs, dir.path(), false, &|_| {}).expect("written");
        assert_eq!(n, 2);
        for r in ["R1", "R2"] {
            for f in ["foto.jpg", "tanda_tangan.png", "jari-02.fmr", "jari-07.fmr"] {
                assert!(dir.path().join(r).join(f).is_file(), "{r}/{f}");
            }
        }
        let a = std::fs::read(dir.path().join("R1/foto.jpg")).expect("read");
        let b = std::fs::read(dir.path().join("R2/foto.jpg")).expect("read");
        assert_ne!(a, b, "each recording is a new capture");
    }
}
