//! Issue 18, item 4, from the outside: `gen --media`, `import --media`, `dedup`, and the
//! clusters compared with `truth.csv`. With prints, twins (different persons with one birth
//! date, mother and address) stay apart and residents who moved in under a new NIK are found.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{cetak, json, ok};

/// `col → value` per row of a CSV file written by cetak (no quoted commas in the columns read).
fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).expect("csv");
    let head: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    r.records()
        .map(|row| {
            let row = row.expect("row");
            head.iter()
                .cloned()
                .zip(row.iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn with_prints_twins_stay_apart_and_moved_residents_are_linked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ok(&cetak(
        d,
        &[
            "gen", "--rows", "600", "--seed", "18", "--out", "data", "--media",
        ],
    ));
    ok(&cetak(d, &["init"]));
    let import = json(&cetak(
        d,
        &[
            "import",
            "data/recordings.csv",
            "--media",
            "data/media",
            "--json",
        ],
    ));
    assert_eq!(import["imported"], 600, "{import}");
    let dedup = json(&cetak(d, &["dedup", "--json"]));
    assert_eq!(dedup["prints"]["recordings_with_prints"], 600, "{dedup}");
    assert!(
        dedup["prints"]["pairs_compared"].as_u64().expect("count") > 0,
        "{dedup}"
    );
    ok(&cetak(
        d,
        &["export", "clusters", "--format", "csv", "--out", "c.csv"],
    ));
    let person: HashMap<String, String> = rows(&d.join("data/truth.csv"))
        .into_iter()
        .map(|r| (r["recording_id"].clone(), r["person_id"].clone()))
        .collect();
    let cluster: HashMap<String, String> = rows(&d.join("c.csv"))
        .into_iter()
        .map(|r| (r["recording_id"].clone(), r["cluster_id"].clone()))
        .collect();
    let cluster_of = |id: &str| cluster.get(id).cloned().expect("clustered");
    let recs = rows(&d.join("data/recordings.csv"));
    let (mut twins, mut moved, mut moved_found) = (0, 0, 0);
    for (i, a) in recs.iter().enumerate() {
        for b in &recs[i + 1..] {
            let (ia, ib) = (&a["recording_id"], &b["recording_id"]);
            let same_person = person[ia] == person[ib];
            let same_cluster = cluster_of(ia) == cluster_of(ib);
            let twin_shaped = a["tanggal_lahir"] == b["tanggal_lahir"]
                && a["nama_ibu"] == b["nama_ibu"]
                && a["alamat"] == b["alamat"]
                && !a["nama_ibu"].is_empty();
            if !same_person && twin_shaped {
                twins += 1;
                assert!(!same_cluster, "twins {ia} / {ib} linked");
            }
            if same_person && a["nik"] != b["nik"] && a["alamat"] != b["alamat"] {
                moved += 1;
                moved_found += usize::from(same_cluster);
            }
        }
    }
    assert!(twins >= 3, "the set has twins: {twins}");
    assert!(moved >= 5, "the set has moved residents: {moved}");
    assert_eq!(moved_found, moved, "every moved resident is linked");
}
