//! The PC/SC encoder against a real pcscd with the vpcd virtual reader and the Rust test card.
//!
//! pcscd's socket and vpcd's port are system-wide: every test holds a process-wide mutex and a
//! file lock (`/tmp/cetak-chip-vpcd.lock`) for its whole run, so tests here (and other test
//! binaries on the machine) run one at a time. Each test starts its own pcscd and stops it.
//! Missing packages are installed (as root) or the test fails loudly — never skipped.

mod common;

use std::fs::File;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use cetak_chip::testcard::{Fault, TestCard, VPCD_PORT};
use cetak_chip::{CardError, ChipImage, Encoder};
use common::*;

const READER: &str = "Virtual PCD 00 00";
static SERIAL: Mutex<()> = Mutex::new(());

struct Pcscd {
    child: Option<Child>,
    _lock: File,
    _guard: MutexGuard<'static, ()>,
}

impl Drop for Pcscd {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Starts pcscd with the vpcd driver (as `shared/pcsc/start-virtual-reader.sh` does).
fn pcscd() -> Pcscd {
    let guard = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let lock = File::create("/tmp/cetak-chip-vpcd.lock").expect("lock file");
    lock.lock().expect("system-wide vpcd lock");
    common::ensure_debian_packages(
        &["/etc/reader.conf.d/vpcd", "/usr/sbin/pcscd"],
        &["pcscd", "vsmartcard-vpcd"],
    );
    let sock = Path::new("/run/pcscd/pcscd.comm");
    let running = Command::new("pgrep")
        .args(["-x", "pcscd"])
        .output()
        .is_ok_and(|o| o.status.success());
    let child = if running && sock.exists() {
        None
    } else {
        let _ = std::fs::remove_file(sock);
        let c = Command::new("pcscd")
            .args(["--foreground", "--auto-exit"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("pcscd starts");
        // Up to 200 looks, 50 ms apart: a pcscd that never makes its socket fails the test.
        let mut looks = 0;
        while !sock.exists() {
            looks += 1;
            assert!(looks <= 200, "pcscd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(c)
    };
    Pcscd {
        child,
        _lock: lock,
        _guard: guard,
    }
}

fn encoder(timeout: Duration) -> Encoder {
    // Up to 100 tries, 100 ms apart, for pcscd to list the reader.
    let mut tries = 0;
    loop {
        tries += 1;
        match Encoder::open(READER, timeout) {
            Ok(e) => return e,
            Err(e) if tries > 100 => panic!("reader: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

fn chip() -> ChipImage {
    ChipImage::encode(&fields(), &media(), &ds_signer()).expect("encodes")
}

/// A new card goes in only once the reader shows the last test's card gone; otherwise a
/// stale "present" could be taken for this one.
fn insert(enc: &Encoder, fault: Fault) -> TestCard {
    assert!(
        enc.wait_for_empty(Duration::from_secs(10))
            .expect("reader status"),
        "the reader still shows the last card"
    );
    let card = TestCard::insert(VPCD_PORT, fault).expect("card connects to vpcd");
    enc.wait_for_card(Duration::from_secs(10))
        .expect("card seen");
    card
}

#[test]
fn write_read_back_and_verify() {
    let _d = pcscd();
    let enc = encoder(Duration::from_secs(10));
    let card = insert(&enc, Fault::None);
    let chip = chip();
    let start = Instant::now();
    let report = enc
        .encode(&chip, &[ca_cert()], now())
        .expect("encodes and verifies");
    let total = start.elapsed();
    assert_eq!(report.verified.groups, [1, 2, 3, 7]);
    assert_eq!(card.files().len(), 6);
    println!(
        "MEASURE virtual reader: encode+verify {total:?} (write {:?}, read back {:?}), {} bytes in {} APDUs",
        report.write, report.read, report.bytes, report.apdus
    );
}

#[test]
fn no_card_is_typed() {
    let _d = pcscd();
    let enc = encoder(Duration::from_secs(2));
    assert!(matches!(
        enc.wait_for_card(Duration::from_millis(300)),
        Err(CardError::NoCard)
    ));
    let e = enc.write(&chip()).expect_err("no card");
    assert!(matches!(e, CardError::NoCard), "{e:?}");
    assert_eq!(e.code(), "card_absent");
}

#[test]
fn card_removed_mid_write_is_typed() {
    let _d = pcscd();
    let enc = encoder(Duration::from_secs(10));
    let _card = insert(&enc, Fault::RemoveAtWrite(30));
    let e = enc.write(&chip()).expect_err("removed");
    assert!(matches!(e, CardError::CardRemoved(_)), "{e:?}");
    assert_eq!(e.code(), "card_removed");
}

#[test]
fn refused_write_is_typed() {
    let _d = pcscd();
    let enc = encoder(Duration::from_secs(10));
    let _card = insert(&enc, Fault::RefuseWrites);
    let e = enc.write(&chip()).expect_err("refused");
    assert!(
        matches!(
            e,
            CardError::WriteRefused {
                fid: 0x011E,
                sw: 0x6581
            }
        ),
        "{e:?}"
    );
}

#[test]
fn wrong_card_type_is_typed() {
    let _d = pcscd();
    let enc = encoder(Duration::from_secs(10));
    let _card = insert(&enc, Fault::WrongCard);
    let e = enc.write(&chip()).expect_err("wrong card");
    match &e {
        CardError::WrongCardType { atr } => assert_eq!(atr, "3B8780014D454D4F52594C"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn slow_card_within_and_over_the_timeout() {
    let _d = pcscd();
    let chip = chip();
    {
        let enc = encoder(Duration::from_secs(20));
        let _card = insert(&enc, Fault::Slow(Duration::from_millis(2)));
        let start = Instant::now();
        enc.encode(&chip, &[ca_cert()], now())
            .expect("slow but in time");
        println!(
            "MEASURE slow card (2 ms/APDU): encode+verify {:?}",
            start.elapsed()
        );
    }
    // Let pcscd see the first card leave before the next one comes.
    std::thread::sleep(Duration::from_millis(1500));
    let enc = encoder(Duration::from_millis(500));
    let _card = insert(&enc, Fault::Slow(Duration::from_millis(20)));
    let e = enc.write(&chip).expect_err("too slow");
    assert!(matches!(e, CardError::Timeout(_)), "{e:?}");
    assert_eq!(e.code(), "card_timeout");
}
