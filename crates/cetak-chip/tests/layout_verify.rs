//! Layout goldens and passive authentication, in memory (no reader, no token).

mod common;

use std::time::Instant;

use cetak_chip::{ChipImage, VerifyError, sod, verify};
use common::*;
use time::macros::datetime;

fn encode() -> ChipImage {
    ChipImage::encode(&fields(), &media(), &ds_signer()).expect("encodes")
}

#[test]
fn dg1_golden_is_byte_identical() {
    let chip = encode();
    let dg1 = chip.dg(1).expect("DG1");
    // 61 81 D7, C0 01 "1", C1 10 "1671014508900001", …
    assert_eq!(
        hex(&dg1[..24]),
        "6181d7c00131c11031363731303134353038393030303031"
    );
    assert_eq!(sha256_hex(dg1), GOLDEN[0].1, "DG1");
}

const GOLDEN: [(&str, &str); 6] = [
    (
        "DG1",
        "0990977850717cd5c800c48da4923b70a994c37d69772cf905fb490f362c4682",
    ),
    (
        "DG2",
        "37dd2facaf0bb15d7dbc73511e6c229856b61b54f02f189a305c8a0626bc48c4",
    ),
    (
        "DG3",
        "bdfcfac311d5f6524a755793372922f45e80b94e6ca15c295ad73bc8e11bfbbe",
    ),
    (
        "DG7",
        "9d0ac72b6977a1e392c30219e9a63cf4c7fda9aa64484645d608aacd078ad95d",
    ),
    (
        "EF.COM",
        "6294a6eeb3ec9a5ab791f2f62204ad96f1900ba763e958ea13b7979d430226c9",
    ),
    (
        "EF.SOD",
        "af3ed12a0003848a1643c08138b834238a7bb35eeb437329a245e49d3b14b2b4",
    ),
];

#[test]
fn every_file_golden_is_byte_identical() {
    let chip = encode();
    let got = [
        sha256_hex(chip.dg(1).expect("DG1")),
        sha256_hex(chip.dg(2).expect("DG2")),
        sha256_hex(chip.dg(3).expect("DG3")),
        sha256_hex(chip.dg(7).expect("DG7")),
        sha256_hex(&chip.com),
        sha256_hex(&chip.sod),
    ];
    for ((name, _), got) in GOLDEN.iter().zip(&got) {
        println!("(\"{name}\", \"{got}\"),");
    }
    for ((name, want), got) in GOLDEN.iter().zip(&got) {
        assert_eq!(want, got, "{name}");
    }
    assert_eq!(
        hex(&chip.com),
        "60165f0104303130385f36063034303030305c0461756367"
    );
}

#[test]
fn layout_reads_back() {
    let chip = encode();
    let f = chip.fields().expect("DG1 reads");
    assert_eq!(f, fields());
    assert_eq!(f.get("berlaku_hingga"), "SEUMUR HIDUP");
    assert_eq!(chip.media().expect("media reads"), media());
    let dump = chip.to_dump();
    assert!(dump.starts_with(b"CETAKCHIP1"));
    assert_eq!(ChipImage::from_dump(&dump).expect("dump reads"), chip);
}

#[test]
fn sod_structure_parses() {
    let chip = encode();
    let parsed = sod::parse(&chip.sod).expect("SOD parses");
    let numbers: Vec<u8> = parsed
        .lso
        .data_group_hash_values
        .iter()
        .map(|h| h.data_group_number)
        .collect();
    assert_eq!(numbers, [1, 2, 3, 7]);
    assert_eq!(parsed.lso.version, 0);
    assert_eq!(parsed.signed_data.signer_infos.0.len(), 1);
    assert!(parsed.signed_data.certificates.is_some());
}

#[test]
fn good_chip_verifies() {
    let chip = encode();
    let v = verify(&chip, &[ca_cert()], now()).expect("passive authentication holds");
    assert_eq!(v.groups, [1, 2, 3, 7]);
    assert!(v.ca_subject.contains("Test CSCA"));
}

#[test]
fn flipped_byte_in_dg2_is_named() {
    let mut chip = encode();
    let dg2 = chip.dgs.get_mut(&2).expect("DG2");
    let mid = dg2.len() / 2;
    dg2[mid] ^= 0x01;
    let e = verify(&chip, &[ca_cert()], now()).expect_err("altered");
    assert_eq!(e, VerifyError::DataGroupAltered(2));
    assert_eq!(e.code(), "dg_altered");
}

#[test]
fn missing_and_unsigned_groups_are_named() {
    let mut chip = encode();
    chip.dgs.remove(&3);
    assert_eq!(
        verify(&chip, &[ca_cert()], now()).expect_err("missing"),
        VerifyError::DataGroupMissing(3)
    );
}

#[test]
fn wrong_ca_is_an_unknown_signer() {
    let chip = encode();
    let (_, other) = other_ca();
    let e = verify(&chip, &[other], now()).expect_err("wrong CA");
    assert!(matches!(e, VerifyError::UnknownSigner { .. }), "{e:?}");
    assert_eq!(e.code(), "ds_unknown_issuer");
    let e = verify(&chip, &[], now()).expect_err("no CA");
    assert!(matches!(e, VerifyError::UnknownSigner { .. }), "{e:?}");
}

#[test]
fn expired_and_future_ds_certificates_are_named() {
    let signer = ds_signer_valid(
        datetime!(2020-01-01 0:00 UTC),
        datetime!(2025-01-01 0:00 UTC),
    );
    let chip = ChipImage::encode(&fields(), &media(), &signer).expect("encodes");
    let e = verify(&chip, &[ca_cert()], now()).expect_err("expired");
    assert!(matches!(e, VerifyError::Expired { .. }), "{e:?}");
    assert_eq!(e.code(), "ds_expired");
    // Valid when checked inside its validity.
    verify(&chip, &[ca_cert()], datetime!(2024-06-01 0:00 UTC)).expect("valid then");
    let e = verify(&chip, &[ca_cert()], datetime!(2019-06-01 0:00 UTC)).expect_err("early");
    assert!(matches!(e, VerifyError::NotYetValid { .. }), "{e:?}");
}

#[test]
fn a_replaced_sod_signature_is_bad() {
    // The SOD of another card (other content) cannot vouch for this one; a SOD whose
    // signature bytes changed fails the signature.
    let mut chip = encode();
    let n = chip.sod.len();
    chip.sod[n - 5] ^= 0x40;
    let e = verify(&chip, &[ca_cert()], now()).expect_err("bad signature");
    assert!(
        matches!(e, VerifyError::BadSignature | VerifyError::Malformed(_)),
        "{e:?}"
    );
}

#[test]
fn truncated_and_garbage_sods_are_clear_errors() {
    let chip = encode();
    for cut in [0, 1, 2, 10, chip.sod.len() / 2, chip.sod.len() - 1] {
        let mut c = chip.clone();
        c.sod.truncate(cut);
        let e = verify(&c, &[ca_cert()], now()).expect_err("truncated");
        assert!(e.is_malformed(), "cut {cut}: {e:?}");
        assert_eq!(e.code(), "chip_malformed");
    }
    let mut c = chip.clone();
    c.sod = (0..2000u32).map(|i| (i * 31 % 256) as u8).collect();
    assert!(
        verify(&c, &[ca_cert()], now())
            .expect_err("garbage")
            .is_malformed()
    );
    // Every truncation of the dump is an error, never a panic.
    let dump = chip.to_dump();
    for cut in (0..dump.len()).step_by(97) {
        assert!(ChipImage::from_dump(&dump[..cut]).is_err(), "cut {cut}");
    }
}

#[test]
fn bad_input_is_refused_before_signing() {
    let mut f = fields();
    f.set("nik", "12345");
    assert_eq!(
        ChipImage::encode(&f, &media(), &ds_signer())
            .expect_err("bad NIK")
            .code(),
        "chip_input"
    );
    let mut m = media();
    m.foto = b"not a jpeg".to_vec();
    assert!(ChipImage::encode(&fields(), &m, &ds_signer()).is_err());
}

#[test]
fn measure_signing_and_verification() {
    let signer = ds_signer();
    let (f, m) = (fields(), media());
    let n = 50;
    let start = Instant::now();
    let mut chip = None;
    for _ in 0..n {
        chip = Some(ChipImage::encode(&f, &m, &signer).expect("encodes"));
    }
    let per_card = start.elapsed() / n;
    let chip = chip.expect("a chip");
    let start = Instant::now();
    for _ in 0..n {
        verify(&chip, &[ca_cert()], now()).expect("verifies");
    }
    let per_verify = start.elapsed() / n;
    println!(
        "MEASURE software signer: encode+sign {per_card:?}/card, verify {per_verify:?}/card, chip {} bytes (DG1 {}, DG2 {}, DG3 {}, DG7 {}, SOD {})",
        chip.size(),
        chip.dgs[&1].len(),
        chip.dgs[&2].len(),
        chip.dgs[&3].len(),
        chip.dgs[&7].len(),
        chip.sod.len()
    );
}
