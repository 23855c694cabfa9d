//! Fixed test material: a signing CA, a document signer, a resident and her media — all fixed,
//! so that the layout and EF.SOD are byte-for-byte goldens.
#![allow(dead_code)]

use std::collections::BTreeMap;

use cetak_chip::{CardFields, CardMedia, Certificate, SoftwareSigner, certs};
use p256::ecdsa::SigningKey;
use time::OffsetDateTime;
use time::macros::datetime;

pub const CA_NAME: &str = "CN=Test CSCA Dukcapil,O=Kementerian Dalam Negeri,C=ID";
pub const DS_NAME: &str = "CN=Document Signer Disdukcapil Kota Palembang,O=Disdukcapil,C=ID";

pub fn key(byte: u8) -> SigningKey {
    SigningKey::from_bytes(&[byte; 32].into()).expect("a valid scalar")
}

pub fn ca_key() -> SigningKey {
    key(0x11)
}

pub fn ca_cert() -> Certificate {
    certs::self_signed_ca(
        &ca_key(),
        CA_NAME,
        datetime!(2020-01-01 0:00 UTC),
        datetime!(2040-01-01 0:00 UTC),
    )
    .expect("CA")
}

/// A second CA with the same name and another key (a forged chain).
pub fn other_ca() -> (SigningKey, Certificate) {
    let k = key(0x33);
    let c = certs::self_signed_ca(
        &k,
        CA_NAME,
        datetime!(2020-01-01 0:00 UTC),
        datetime!(2040-01-01 0:00 UTC),
    )
    .expect("CA");
    (k, c)
}

pub fn ds_signer_valid(from: OffsetDateTime, to: OffsetDateTime) -> SoftwareSigner {
    let k = key(0x22);
    let spki = cetak_chip::signer::spki_of(k.verifying_key()).expect("spki");
    let cert = certs::issue_ds(
        &ca_cert(),
        &ca_key(),
        &certs::name(DS_NAME).expect("name"),
        spki,
        0x2026_0001,
        from,
        to,
    )
    .expect("DS certificate");
    SoftwareSigner::new(k, cert)
}

pub fn ds_signer() -> SoftwareSigner {
    ds_signer_valid(
        datetime!(2026-01-01 0:00 UTC),
        datetime!(2029-01-01 0:00 UTC),
    )
}

/// The moment of the checks: inside every validity above.
pub fn now() -> OffsetDateTime {
    datetime!(2026-11-30 9:00 UTC)
}

pub fn fields() -> CardFields {
    let row = cetak_chip_test_row();
    CardFields::from_record(&row)
}

fn cetak_chip_test_row() -> Vec<(&'static str, &'static str)> {
    vec![
        ("recording_id", "PLG00000001"),
        ("nik", "1671014508900001"),
        ("nama", "SITI AMINAH"),
        ("tempat_lahir", "PALEMBANG"),
        ("tanggal_lahir", "1990-08-05"),
        ("jenis_kelamin", "PEREMPUAN"),
        ("golongan_darah", "O"),
        ("alamat", "JL. MERDEKA NO. 12"),
        ("rt", "003"),
        ("rw", "004"),
        ("kelurahan", "35 ILIR"),
        ("kecamatan", "ILIR BARAT II"),
        ("kabupaten_kota", "KOTA PALEMBANG"),
        ("provinsi", "SUMATERA SELATAN"),
        ("agama", "ISLAM"),
        ("status_perkawinan", "KAWIN"),
        ("pekerjaan", "MENGURUS RUMAH TANGGA"),
        ("kewarganegaraan", "WNI"),
        ("nama_ibu", "FATIMAH"),
    ]
}

fn filler(seed: u8, n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| {
            (i as u32)
                .wrapping_mul(2_654_435_761)
                .rotate_left(seed as u32) as u8
        })
        .collect()
}

/// Media of realistic sizes: a 14 KB "JPEG", a 3 KB "PNG", two 19794-2 records.
pub fn media() -> CardMedia {
    let mut foto = vec![0xFF, 0xD8, 0xFF, 0xE0];
    foto.extend(filler(3, 14_000));
    foto.extend([0xFF, 0xD9]);
    let mut tanda_tangan = b"\x89PNG\r\n\x1a\n".to_vec();
    tanda_tangan.extend(filler(5, 3_000));
    let mut jari = BTreeMap::new();
    for pos in [2u8, 7] {
        let mut t = b"FMR\0 20\0".to_vec();
        t.extend(filler(pos, 600));
        jari.insert(pos, t);
    }
    CardMedia {
        foto,
        tanda_tangan,
        jari,
    }
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(b))
}

/// Installs Debian `packages` when any of `present` is missing (as root), or fails loudly —
/// a chip test never skips because a tool is absent.
pub fn ensure_debian_packages(present: &[&str], packages: &[&str]) {
    if present.iter().all(|p| std::path::Path::new(p).exists()) {
        return;
    }
    let list = packages.join(" ");
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    assert!(root, "{list} missing: apt-get install -y {list}");
    let ok = std::process::Command::new("apt-get")
        .args(["install", "-y", "-qq"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok && present.iter().all(|p| std::path::Path::new(p).exists()),
        "apt-get install {list} failed"
    );
}
