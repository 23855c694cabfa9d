//! The document signer on a real PKCS#11 token: SoftHSM2 in a temporary directory. One test
//! function: PKCS#11 initialisation and `SOFTHSM2_CONF` are process-wide.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use cetak_chip::keys::{ChipKeys, Issued, LocalCa};
use cetak_chip::{ChipImage, KeyError, Signer, certs, verify};
use common::*;
use time::macros::datetime;

pub const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// `SOFTHSM2_CONF` must be set before the module loads, and `std::env::set_var` is `unsafe`
/// (denied in this workspace): the test prepares the token directory, then runs itself again
/// as a child process with the variable set.
#[test]
fn document_signer_key_lives_on_the_token() {
    if let Some(dir) = std::env::var_os("CETAK_CHIP_SOFTHSM_DIR") {
        return on_the_token(Path::new(&dir));
    }
    common::ensure_debian_packages(&[MODULE], &["softhsm2"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let tokens = dir.path().join("tokens");
    std::fs::create_dir(&tokens).expect("token dir");
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .expect("conf");
    let out = Command::new("softhsm2-util")
        .args([
            "--init-token",
            "--free",
            "--label",
            "T",
            "--pin",
            "1234",
            "--so-pin",
            "5678",
        ])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .expect("softhsm2-util runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "document_signer_key_lives_on_the_token",
            "--nocapture",
        ])
        .env("SOFTHSM2_CONF", &conf)
        .env("CETAK_CHIP_SOFTHSM_DIR", dir.path())
        .output()
        .expect("child runs");
    print!("{}", String::from_utf8_lossy(&child.stdout));
    eprint!("{}", String::from_utf8_lossy(&child.stderr));
    assert!(
        child.status.success(),
        "the token test failed (output above)"
    );
}

fn on_the_token(dir: &Path) {
    let pin = dir.join("pin");
    std::fs::write(&pin, "1234\n").expect("pin file");
    let bad_pin = dir.join("bad-pin");
    std::fs::write(&bad_pin, "9999\n").expect("pin file");

    assert!(matches!(
        ChipKeys::open(Path::new(MODULE), "T", &bad_pin),
        Err(KeyError::Pin)
    ));
    assert!(matches!(
        ChipKeys::open(Path::new(MODULE), "nope", &pin),
        Err(KeyError::NoToken(_))
    ));
    let keys = ChipKeys::open(Path::new(MODULE), "T", &pin).expect("token opens");
    assert!(matches!(keys.ready(now()), Err(KeyError::NoKey)));

    // init with the test CA: a key on the token, a certificate beside it.
    let ca_c = ca_cert();
    let ca_k = ca_key();
    let ca = || LocalCa {
        certificate: &ca_c,
        key: &ca_k,
    };
    let at = datetime!(2026-11-01 0:00 UTC);
    let Issued::Certificate(first) = keys.create(DS_NAME, Some(ca()), at, 365).expect("init")
    else {
        panic!("a certificate")
    };
    keys.ready(now()).expect("ready");
    assert!(matches!(
        keys.ready(datetime!(2028-01-01 0:00 UTC)),
        Err(KeyError::Expired(_))
    ));
    let info = keys.show().expect("show");
    assert!(info.location.contains("libsofthsm2.so#T"));
    assert_eq!(info.certificate.as_ref(), Some(&*first));

    // Sign cards with it; passive authentication holds against the CA.
    let signer = keys.signer(now()).expect("signer");
    let (f, m) = (fields(), media());
    let n = 20;
    let start = Instant::now();
    let mut chip = None;
    for _ in 0..n {
        chip = Some(ChipImage::encode(&f, &m, &signer).expect("encodes on the token"));
    }
    let per_card = start.elapsed() / n;
    let chip = chip.expect("chip");
    let v = verify(&chip, std::slice::from_ref(&ca_c), now()).expect("verifies");
    assert_eq!(&v.document_signer, signer.certificate());
    let digest = [7u8; 32];
    let start = Instant::now();
    for _ in 0..n {
        signer.sign(&digest).expect("signs");
    }
    let per_sig = start.elapsed() / n;
    println!(
        "MEASURE PKCS#11 (SoftHSM2): encode+sign {per_card:?}/card, raw ECDSA sign {per_sig:?}, chip {} bytes",
        chip.size()
    );

    // The private key cannot be read off the token: it is sensitive and not extractable.
    // (SoftHSM refuses CKA_VALUE of such a key; the API here has no way to ask for it at all.)

    // Rotate: a new key and certificate; the old private key is gone, the old chip still
    // verifies (its DS certificate is in its SOD).
    let Issued::Certificate(second) = keys.create(DS_NAME, Some(ca()), at, 365).expect("rotate")
    else {
        panic!("a certificate")
    };
    assert_ne!(first, second);
    assert_eq!(
        keys.show().expect("show").certificate,
        Some(*second.clone())
    );
    assert_eq!(
        keys.token().key_ids().expect("ids").len(),
        1,
        "old private key destroyed"
    );
    verify(&chip, std::slice::from_ref(&ca_c), now()).expect("old chip still verifies");
    let chip2 = ChipImage::encode(&f, &m, &keys.signer(now()).expect("signer")).expect("encodes");
    verify(&chip2, std::slice::from_ref(&ca_c), now()).expect("new chip verifies");

    // The office way: a CSR signed by the token's key, the CA's answer imported.
    let Issued::Request(pem) = keys.create(DS_NAME, None, at, 365).expect("csr") else {
        panic!("a CSR")
    };
    assert!(pem.contains("BEGIN CERTIFICATE REQUEST"));
    assert!(matches!(keys.ready(now()), Err(KeyError::NoCertificate)));
    // A certificate for another key is refused.
    assert!(matches!(
        keys.import_certificate(&second),
        Err(KeyError::CertificateMismatch)
    ));
    let newest = keys.token().key_ids().expect("ids").pop().expect("a key");
    let public = keys.token().public_key(&newest).expect("public key");
    let third = certs::issue_ds(
        &ca_c,
        &ca_k,
        &certs::name(DS_NAME).expect("name"),
        cetak_chip::signer::spki_of(&public).expect("spki"),
        3,
        at,
        at + time::Duration::days(365),
    )
    .expect("CA answers");
    keys.import_certificate(&third).expect("imports");
    keys.ready(now()).expect("ready after import");
    let chip3 = ChipImage::encode(&f, &m, &keys.signer(now()).expect("signer")).expect("encodes");
    verify(&chip3, &[ca_c], now()).expect("verifies");
}
