//! `cetak finger match` and `cetak finger search` from the outside: the CSV contract (input
//! order, a genuine pair above an impostor), a bad record is exit 2 naming the file, and a
//! search finds the mate.

mod common;

use std::path::Path;

use cetak_finger::synth;
use common::{cetak, json, ok};

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).expect("write");
}

fn rows(out: &str) -> Vec<Vec<String>> {
    out.lines()
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

#[test]
fn match_scores_pairs_in_input_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    write(p, "a0.dat", &synth::impression(1, 2, 0));
    write(p, "a1.dat", &synth::impression(1, 2, 1));
    write(p, "b0.dat", &synth::impression(2, 2, 0));
    write(
        p,
        "pairs.csv",
        b"probe,candidate\na0.dat,b0.dat\na0.dat,a1.dat\na1.dat,a0.dat\nb0.dat,b0.dat\n",
    );
    let out = ok(&cetak(p, &["finger", "match", "--pairs", "pairs.csv"]));
    let r = rows(&out);
    assert_eq!(r[0], ["probe", "candidate", "score"]);
    let got: Vec<(&str, &str)> = r[1..]
        .iter()
        .map(|row| (row[0].as_str(), row[1].as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("a0.dat", "b0.dat"),
            ("a0.dat", "a1.dat"),
            ("a1.dat", "a0.dat"),
            ("b0.dat", "b0.dat")
        ]
    );
    let score = |i: usize| -> f64 { r[i][2].parse().expect("a number") };
    assert!(
        score(2) > score(1),
        "genuine {} vs impostor {}",
        score(2),
        score(1)
    );
    assert!(score(3) > score(1));
    assert!((score(4) - 100.0).abs() < 1e-6, "self {}", score(4));
    // One thread, and JSON, say the same.
    let one = ok(&cetak(
        p,
        &["finger", "match", "--pairs", "pairs.csv", "--threads", "1"],
    ));
    assert_eq!(one, out);
    let v = json(&cetak(
        p,
        &["--json", "finger", "match", "--pairs", "pairs.csv"],
    ));
    assert_eq!(v["pairs"][1]["candidate"], "a1.dat");
    // Needs no database.
    assert!(!p.join("x.db").exists());
}

#[test]
fn a_bad_record_is_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    write(p, "a0.dat", &synth::impression(1, 2, 0));
    write(p, "bad.dat", b"FMR\0 20\0 not really a record");
    write(
        p,
        "pairs.csv",
        b"probe,candidate\na0.dat,a0.dat\na0.dat,bad.dat\n",
    );
    let out = cetak(p, &["finger", "match", "--pairs", "pairs.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing printed before the error");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.dat"), "{err}");

    write(p, "pairs.csv", b"probe,candidate\nmissing.dat,a0.dat\n");
    let out = cetak(p, &["finger", "match", "--pairs", "pairs.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.dat"));

    write(p, "pairs.csv", b"left,right\na0.dat,a0.dat\n");
    let out = cetak(p, &["finger", "match", "--pairs", "pairs.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("probe,candidate"));
}

#[test]
fn search_finds_the_mate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    std::fs::create_dir(p.join("gallery")).expect("mkdir");
    for person in 0..40u64 {
        write(
            &p.join("gallery"),
            &format!("p{person:02}.dat"),
            &synth::impression_with(person, 7, 0, synth::Quality::Good),
        );
    }
    write(
        p,
        "probe.dat",
        &synth::impression_with(13, 7, 1, synth::Quality::Good),
    );
    let out = ok(&cetak(
        p,
        &[
            "finger",
            "search",
            "--gallery",
            "gallery",
            "--probe",
            "probe.dat",
            "--top",
            "3",
        ],
    ));
    let r = rows(&out);
    assert_eq!(r[0], ["file", "score"]);
    assert_eq!(r[1][0], "p13.dat", "{out}");
    assert!(r.len() <= 4);
    let v = json(&cetak(
        p,
        &[
            "--json",
            "finger",
            "search",
            "--gallery",
            "gallery",
            "--probe",
            "probe.dat",
        ],
    ));
    assert_eq!(v["candidates"][0]["file"], "p13.dat");
    assert_eq!(v["gallery"], 40);

    let out = cetak(
        p,
        &[
            "finger",
            "search",
            "--gallery",
            "gallery",
            "--probe",
            "nope.dat",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.dat"));
}
