//! `cetak chip verify` on dump files and `cetak chip keys` on a SoftHSM2 token.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use cetak_chip::{CardFields, CardMedia, ChipImage, SigningKey, SoftwareSigner, certs};
use time::macros::datetime;

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

fn cetak(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cetak"));
    c.current_dir(dir).args(["--lang", "en"]).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("cetak runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn key(b: u8) -> SigningKey {
    SigningKey::from_bytes(&[b; 32].into()).expect("scalar")
}

/// A CA (files in `dir`) and a chip signed by a DS certificate it issued.
fn setup(dir: &Path) -> ChipImage {
    let ca_key = key(0x11);
    let ca = certs::self_signed_ca(
        &ca_key,
        "CN=Test CSCA,O=Kemendagri,C=ID",
        datetime!(2020-01-01 0:00 UTC),
        datetime!(2060-01-01 0:00 UTC),
    )
    .expect("CA");
    std::fs::write(dir.join("ca.pem"), certs::to_pem(&ca).expect("pem")).expect("write");
    std::fs::write(
        dir.join("ca-key.pem"),
        certs::key_to_pem(&ca_key).expect("pem"),
    )
    .expect("write");
    let ds_key = key(0x22);
    let ds = certs::issue_ds(
        &ca,
        &ca_key,
        &certs::name("CN=DS Palembang,C=ID").expect("name"),
        cetak_chip::signer::spki_of(ds_key.verifying_key()).expect("spki"),
        7,
        datetime!(2020-01-01 0:00 UTC),
        datetime!(2060-01-01 0:00 UTC),
    )
    .expect("DS");
    let row = cetak_domain::record::COLUMNS
        .iter()
        .copied()
        .zip(cetak_domain::record::EXAMPLE_ROW)
        .collect::<Vec<_>>();
    let mut media = CardMedia {
        foto: vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9],
        tanda_tangan: b"\x89PNG\r\n\x1a\n....".to_vec(),
        ..Default::default()
    };
    media.jari.insert(2, b"FMR\0 20\0 two".to_vec());
    media.jari.insert(7, b"FMR\0 20\0 seven".to_vec());
    ChipImage::encode(
        &CardFields::from_record(&row),
        &media,
        &SoftwareSigner::new(ds_key, ds),
    )
    .expect("chip")
}

#[test]
fn verify_a_dump_exits_0_1_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    let chip = setup(p);
    std::fs::write(p.join("good.chip"), chip.to_dump()).expect("write");
    let o = cetak(
        p,
        &["chip", "verify", "--from", "good.chip", "--trust", "ca.pem"],
        &[],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("1671014508900001") && out.contains("SITI AMINAH"),
        "{out}"
    );
    assert!(
        out.contains("[2, 7]") && out.contains("Passive authentication holds"),
        "{out}"
    );

    let mut bad = chip.clone();
    if let Some(dg2) = bad.dgs.get_mut(&2) {
        let n = dg2.len() - 3;
        dg2[n] ^= 1;
    }
    std::fs::write(p.join("bad.chip"), bad.to_dump()).expect("write");
    let o = cetak(
        p,
        &["chip", "verify", "--from", "bad.chip", "--trust", "ca.pem"],
        &[],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("DG2") && out.contains("dg_altered"), "{out}");

    // No trust anchor given: the signer is unknown.
    let o = cetak(p, &["chip", "verify", "--from", "good.chip"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("ds_unknown_issuer"));

    let mut dump = chip.to_dump();
    dump.truncate(dump.len() - 100);
    std::fs::write(p.join("cut.chip"), dump).expect("write");
    std::fs::write(p.join("junk.chip"), b"hello").expect("write");
    for f in ["cut.chip", "junk.chip"] {
        let o = cetak(
            p,
            &["chip", "verify", "--from", f, "--trust", "ca.pem"],
            &[],
        );
        assert_eq!(o.status.code(), Some(2), "{f}: {}", text(&o));
        assert!(text(&o).contains("malformed"), "{}", text(&o));
    }
    let o = cetak(
        p,
        &[
            "chip",
            "verify",
            "--from",
            "good.chip",
            "--json",
            "--trust",
            "ca.pem",
        ],
        &[],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["fields"]["nik"], "1671014508900001");
    assert_eq!(v["passive_authentication"], true);
}

#[test]
fn keys_init_show_rotate_on_softhsm() {
    assert!(
        Path::new(MODULE).exists(),
        "SoftHSM2 is missing: apt-get install -y softhsm2 (scripts/test installs it)"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    setup(p);
    let conf = common::softhsm_token(p);
    let env = [("SOFTHSM2_CONF", conf.as_path())];
    let token = ["--module", MODULE, "--token", "T", "--pin-file", "pin"];

    let o = cetak(p, &[&["chip", "keys", "show"][..], &token].concat(), &env);
    assert_ne!(o.status.code(), Some(0), "no key yet: {}", text(&o));

    let issue = [
        "--ca-cert",
        "ca.pem",
        "--ca-key",
        "ca-key.pem",
        "--subject",
        "CN=DS Test,C=ID",
    ];
    let o = cetak(
        p,
        &[&["chip", "keys", "init"][..], &token, &issue].concat(),
        &env,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = cetak(p, &[&["chip", "keys", "show"][..], &token].concat(), &env);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("CN=DS Test") && out.contains("CN=Test CSCA") && out.contains("Ready"),
        "{out}"
    );
    assert!(out.contains("libsofthsm2.so#T"), "{out}");
    let serial = |s: &str| {
        s.lines()
            .find(|l| l.starts_with("Serial"))
            .map(String::from)
    };
    let first = serial(&out);

    let o = cetak(
        p,
        &[&["chip", "keys", "rotate"][..], &token, &issue].concat(),
        &env,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = cetak(p, &[&["chip", "keys", "show"][..], &token].concat(), &env);
    assert_ne!(serial(&text(&o)), first, "a new certificate");

    let o = cetak(
        p,
        &[
            &["chip", "keys", "init"][..],
            &token,
            &["--csr-out", "ds.csr"],
        ]
        .concat(),
        &env,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let csr = std::fs::read_to_string(p.join("ds.csr")).expect("csr");
    assert!(csr.contains("BEGIN CERTIFICATE REQUEST"));
}
