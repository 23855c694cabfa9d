//! The chip's real peers for the binary's tests: pcscd with the vpcd virtual reader, the
//! E-KTP test card (`cetak_chip::testcard`) as the card on it, a SoftHSM2 token with the
//! document-signer key issued by a test CA, and an office whose printer has the encoder.
//!
//! pcscd's socket and vpcd's port are system-wide: every test holds a process-wide mutex and
//! the file lock `/tmp/cetak-chip-vpcd.lock` (shared with `cetak-chip`'s own tests) for its
//! whole run ([`pcscd`]). Missing packages are installed (as root) or the test fails loudly —
//! never skipped.

use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use cetak_chip::testcard::{Fault, TestCard, VPCD_PORT};
use cetak_chip::{SigningKey, certs};
use time::macros::datetime;

use super::{cetak, cetak_env, json, ok, softhsm_token};

/// The vpcd reader's name.
pub const READER: &str = "Virtual PCD 00 00";
/// SoftHSM2's PKCS#11 module.
pub const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
static SERIAL: Mutex<()> = Mutex::new(());

/// Installs Debian `packages` when any of `present` is missing (as root), or fails loudly.
pub fn ensure_debian_packages(present: &[&str], packages: &[&str]) {
    if present.iter().all(|p| Path::new(p).exists()) {
        return;
    }
    let list = packages.join(" ");
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    assert!(root, "{list} missing: apt-get install -y {list}");
    let ok = Command::new("apt-get")
        .args(["install", "-y", "-qq"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok && present.iter().all(|p| Path::new(p).exists()),
        "apt-get install {list} failed"
    );
}

pub struct Pcscd {
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

/// Only this process's share of the reader, for a test that runs a program which takes the
/// system-wide reader lock itself (`cetak demo`): holding that lock here would stall it.
pub fn in_process_turn() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// pcscd with the vpcd driver (as `shared/pcsc/start-virtual-reader.sh` does).
pub fn pcscd() -> Pcscd {
    let guard = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let lock = File::create("/tmp/cetak-chip-vpcd.lock").expect("lock file");
    lock.lock().expect("system-wide vpcd lock");
    ensure_debian_packages(
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
            .stdout(Stdio::null())
            .stderr(Stdio::null())
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

/// A blank in the encoder: the test card, seen by the reader. vpcd takes a new card only once
/// it has noticed the last one gone: a card it has not seen within 10 s is inserted again
/// (three tries), never assumed.
pub fn insert(fault: Fault) -> TestCard {
    for _ in 0..2 {
        if let Some(card) = try_insert(fault) {
            return card;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    try_insert(fault).expect("card seen by the reader")
}

fn try_insert(fault: Fault) -> Option<TestCard> {
    // A test that failed earlier dropped its card without `pull`: wait for the reader to see it go.
    if let Ok(enc) = cetak_chip::Encoder::open(READER, Duration::from_secs(5)) {
        let _ = enc.wait_for_empty(Duration::from_secs(10));
    }
    let card = TestCard::insert(VPCD_PORT, fault).expect("card connects to vpcd");
    let enc = {
        // Up to 100 tries, 100 ms apart, for pcscd to list the reader.
        let mut tries = 0;
        loop {
            tries += 1;
            match cetak_chip::Encoder::open(READER, Duration::from_secs(5)) {
                Ok(e) => break e,
                Err(e) if tries > 100 => panic!("reader: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    };
    enc.wait_for_card(Duration::from_secs(10))
        .ok()
        .map(|()| card)
}

/// Pulls the card and waits until the reader says it is gone: a reader that still shows the
/// last card would let the next `insert` see a stale card (the CI failure of stop 24).
pub fn pull(card: TestCard) {
    drop(card);
    let enc = cetak_chip::Encoder::open(READER, Duration::from_secs(5)).expect("reader");
    assert!(
        enc.wait_for_empty(Duration::from_secs(10))
            .expect("reader status"),
        "the reader still shows a card 10 s after it was pulled"
    );
}

pub fn key(b: u8) -> SigningKey {
    SigningKey::from_bytes(&[b; 32].into()).expect("scalar")
}

/// A print-ready office with media, a test CA, a SoftHSM2 token with the document-signer key
/// issued by it, blanks 1..=50 and printer P1 with the chip encoder. Returns the environment
/// the commands need.
pub fn office_with_encoder(dir: &Path, rows: &str) -> Vec<(&'static str, String)> {
    ensure_debian_packages(&[MODULE, "/usr/bin/softhsm2-util"], &["softhsm2"]);
    json(&cetak(
        dir,
        &[
            "gen", "--rows", rows, "--seed", "31", "--out", "data", "--media", "--json",
        ],
    ));
    json(&cetak(
        dir,
        &[
            "--create",
            "import",
            "data/recordings.csv",
            "--media",
            "data/media",
            "--json",
        ],
    ));
    json(&cetak(dir, &["dedup", "--json"]));
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
    let conf = softhsm_token(dir);
    let env = vec![
        ("SOFTHSM2_CONF", conf.display().to_string()),
        ("CETAK_CHIP_TOKEN", "T".to_string()),
        ("CETAK_CHIP_PIN_FILE", dir.join("pin").display().to_string()),
        ("CETAK_PKCS11_MODULE", MODULE.to_string()),
    ];
    let envs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    ok(&cetak_env(
        dir,
        &[
            "chip",
            "keys",
            "init",
            "--ca-cert",
            "ca.pem",
            "--ca-key",
            "ca-key.pem",
        ],
        &envs,
    ));
    ok(&cetak(
        dir,
        &[
            "stock", "receive", "--first", "1", "--last", "50", "--ref", "R1",
        ],
    ));
    let encoder = format!("pcsc:{READER}");
    ok(&cetak(
        dir,
        &[
            "printer",
            "add",
            "P1",
            "--uri",
            "dir:printer-P1",
            "--cards-per-day",
            "100",
            "--encoder",
            &encoder,
        ],
    ));
    env
}
