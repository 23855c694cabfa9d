//! `cetak simulate` as a script sees it: the JSON contract, exact replay by seed, what-if
//! comparisons, charts, and clear errors for bad scenarios.

mod common;

use common::{cetak, fails_with, json};

#[test]
fn simulate_json_has_the_contract_fields_and_replays_by_seed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let args = [
        "simulate",
        "--backlog",
        "3000",
        "--days",
        "120",
        "--seed",
        "9",
        "--json",
    ];
    let a = json(&cetak(d, &args));
    for key in [
        "backlog_cleared_on",
        "cards_printed",
        "cards_spoiled",
        "utilisation",
        "invariant_violations",
        "spoiled_by_cause",
        "downtime",
        "daily",
    ] {
        assert!(a.get(key).is_some(), "missing {key}: {a}");
    }
    assert!(
        a["backlog_cleared_on"].is_string(),
        "{}",
        a["backlog_cleared_on"]
    );
    assert_eq!(a["invariant_violations"].as_array().map(Vec::len), Some(0));
    let u = a["utilisation"].as_f64().expect("number");
    assert!(u > 0.0 && u <= 1.0, "{u}");
    let mut b = json(&cetak(d, &args));
    let mut a = a;
    a.as_object_mut().expect("object").remove("seconds");
    b.as_object_mut().expect("object").remove("seconds");
    assert_eq!(a, b, "the same seed replays exactly");
}

#[test]
fn compare_shows_dedup_and_pacing_side_by_side_with_charts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let out = json(&cetak(
        d,
        &[
            "simulate",
            "--backlog",
            "4000",
            "--compare",
            "--charts",
            "charts",
            "--json",
        ],
    ));
    let s = out["scenarios"].as_array().expect("scenarios");
    assert_eq!(s.len(), 4);
    let cleared: Vec<&str> = s
        .iter()
        .map(|o| {
            o["backlog_cleared_on"]
                .as_str()
                .expect("cleared within two years")
        })
        .collect();
    // Without dedup the office prints the duplicates too, and finishes later.
    assert!(cleared[0] < cleared[2], "{cleared:?}");
    for name in ["burndown.svg", "printed.svg", "spoiled.svg"] {
        let svg = std::fs::read_to_string(d.join("charts").join(name)).expect("chart");
        assert!(
            svg.starts_with("<svg") && svg.contains("polyline"),
            "{name}"
        );
    }
}

#[test]
fn bad_scenarios_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(d.join("bad.toml"), "[base]\nprinters = -1\n").expect("write");
    fails_with(
        &cetak(d, &["simulate", "--scenario", "bad.toml"]),
        "bad.toml",
    );
    std::fs::write(d.join("typo.toml"), "[base]\nprinter = 3\n").expect("write");
    fails_with(
        &cetak(d, &["simulate", "--scenario", "typo.toml"]),
        "unknown field",
    );
    fails_with(
        &cetak(d, &["simulate", "--scenario", "missing.toml"]),
        "reading missing.toml",
    );
    fails_with(&cetak(d, &["simulate", "--printers", "0"]), "printers");
    fails_with(
        &cetak(d, &["simulate", "--policy", "fastest"]),
        "invalid value",
    );
    // Bytes that are not text.
    std::fs::write(d.join("bin.toml"), [0xff, 0xfe, 0x00, 0x01]).expect("write");
    fails_with(
        &cetak(d, &["simulate", "--scenario", "bin.toml"]),
        "bin.toml",
    );
}
