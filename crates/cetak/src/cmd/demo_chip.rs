//! The demo's chip encoder: a SoftHSM2 token in the demo folder holding the document-signer
//! key, a demo signing CA (`chip-ca.pem`), and the virtual card (`cetak_chip::testcard`) in the
//! reader of `pcscd` with `vsmartcard-vpcd` — so the first day's cards are encoded, read back,
//! verified and only then printed, exactly as in an office with an encoder station. Only the
//! world is simulated (the card and the HSM); the print run is the office's own.

use std::fs::File;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use cetak_chip::keys::{ChipKeys, LocalCa};
use cetak_chip::testcard::{Fault, TestCard, VPCD_PORT};
use cetak_chip::{Encoder, SigningKey, certs};
use cetak_office::chip::ChipSetup;
use rand::RngCore as _;
use time::OffsetDateTime;

use crate::text::t;

/// The reader `vsmartcard-vpcd` gives pcscd.
pub const DEMO_READER: &str = "Virtual PCD 00 00";
/// The label of the demo's token.
pub const DEMO_TOKEN: &str = "cetak-demo";
/// SoftHSM2's PKCS#11 module as Debian installs it.
const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
/// The virtual reader is one per machine: whoever puts a card in it holds this lock (the chip
/// tests take the same one).
const READER_LOCK: &str = "/tmp/cetak-chip-vpcd.lock";
const PCSCD_SOCKET: &str = "/run/pcscd/pcscd.comm";

/// Whether `cetak demo` encodes chips.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ChipMode {
    // When pcscd, vsmartcard-vpcd and SoftHSM2 are installed; otherwise say what is missing.
    // (Plain comments: variant docs would change clap's help layout, which is translated.)
    Auto,
    // Always; fail when something is missing.
    On,
    // Never: the cards get blank chips.
    Off,
}

/// The Debian packages the virtual encoder needs that this machine lacks.
pub fn missing_packages() -> Vec<&'static str> {
    let mut missing = Vec::new();
    if !Path::new(MODULE).exists() || !on_path("softhsm2-util") {
        missing.push("softhsm2");
    }
    if !on_path("pcscd") {
        missing.push("pcscd");
    }
    if !Path::new("/usr/lib/pcsc/drivers/serial/libifdvpcd.so").exists()
        || !Path::new("/etc/reader.conf.d/vpcd").exists()
    {
        missing.push("vsmartcard-vpcd");
    }
    missing
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths)
            .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
            .any(|p| p.join(program).is_file())
    })
}

/// The token configuration in the demo folder (absolute: the folder may not exist yet).
pub fn token_conf(dir: &Path) -> anyhow::Result<PathBuf> {
    Ok(std::path::absolute(dir)
        .context("demo folder")?
        .join("softhsm2.conf"))
}

/// SoftHSM2 finds its tokens only through `SOFTHSM2_CONF`, and a process must not change its
/// own environment once threads may read it; so the demo starts itself again, at once, with the
/// variable naming the demo folder's configuration. Returns when it is already so; otherwise
/// only when the new start failed.
pub fn restart_with_token_conf(dir: &Path) -> anyhow::Result<()> {
    let conf = token_conf(dir)?;
    if std::env::var_os("SOFTHSM2_CONF").as_deref() == Some(conf.as_os_str()) {
        return Ok(());
    }
    let exe = std::env::current_exe().context("the program's own path")?;
    tracing::debug!(conf = %conf.display(), "demo restarts itself with SOFTHSM2_CONF");
    let err = Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("SOFTHSM2_CONF", &conf)
        .exec();
    Err(err).context(t(
        "menjalankan ulang demo dengan SOFTHSM2_CONF",
        "restarting the demo with SOFTHSM2_CONF",
    ))
}

/// The encoder station while the demo prints: keep it alive as long as cards are encoded.
pub struct DemoEncoder {
    /// For `RunArgs::chip`.
    pub setup: ChipSetup,
    /// The demo signing CA's certificate (`chip-ca.pem`).
    pub ca: PathBuf,
    /// The token's PIN file.
    pub pin_file: PathBuf,
    /// The token configuration (`SOFTHSM2_CONF`).
    pub conf: PathBuf,
    card: Option<TestCard>,
    pcscd: Option<Child>,
    _lock: File,
}

impl Drop for DemoEncoder {
    fn drop(&mut self) {
        // Pull the card before the reader lock goes, so the next user finds the slot empty.
        drop(self.card.take());
        if let Ok(enc) = Encoder::open(DEMO_READER, Duration::from_secs(2)) {
            let _ = enc.wait_for_empty(Duration::from_secs(5));
        }
        if let Some(mut c) = self.pcscd.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn random_digits(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| char::from(b'0' + (rng.next_u32() % 10) as u8))
        .collect()
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("{} {}", t("menulis", "writing"), path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

/// The token with the document-signer key (issued by a new demo CA), pcscd, and a blank in
/// the virtual encoder.
pub fn prepare(dir: &Path, now: OffsetDateTime) -> anyhow::Result<DemoEncoder> {
    let conf = token_conf(dir)?;
    let dir = conf.parent().context("demo folder")?.to_path_buf();
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens)
        .with_context(|| format!("{} {}", t("membuat", "creating"), tokens.display()))?;
    std::fs::write(
        &conf,
        format!(
            "# The demo's SoftHSM2 token (cetak demo). Use: SOFTHSM2_CONF={}\n\
             directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            conf.display(),
            tokens.display()
        ),
    )?;
    let pin = random_digits(8);
    let so_pin = random_digits(8);
    let init = Command::new("softhsm2-util")
        .args(["--init-token", "--free", "--label", DEMO_TOKEN])
        .args(["--pin", &pin, "--so-pin", &so_pin])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .context("softhsm2-util")?;
    if !init.status.success() {
        bail!(
            "softhsm2-util --init-token: {}",
            String::from_utf8_lossy(&init.stderr).trim()
        );
    }
    let pin_file = dir.join("chip-pin");
    write_private(&pin_file, &format!("{pin}\n"))?;

    // The demo's own signing CA; in an office the CA is above it and only its certificate is
    // here (`cetak chip keys init --csr-out`).
    let ca_key = loop {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        if let Ok(k) = SigningKey::from_bytes(&bytes.into()) {
            break k;
        }
    };
    let ca_cert = certs::self_signed_ca(
        &ca_key,
        "CN=CSCA Demo,O=Kemendagri (demo),C=ID",
        now - time::Duration::days(1),
        now + time::Duration::days(3650),
    )?;
    let ca = dir.join("chip-ca.pem");
    std::fs::write(&ca, certs::to_pem(&ca_cert)?)?;
    write_private(&dir.join("chip-ca-key.pem"), &certs::key_to_pem(&ca_key)?)?;
    let keys = ChipKeys::open(Path::new(MODULE), DEMO_TOKEN, &pin_file)
        .context(t("membuka token kunci", "opening the key token"))?;
    keys.create(
        "CN=Document Signer Disdukcapil Kota Palembang (demo),O=Disdukcapil,C=ID",
        Some(LocalCa {
            certificate: &ca_cert,
            key: &ca_key,
        }),
        now,
        365,
    )?;
    drop(keys);

    let lock = File::create(READER_LOCK)
        .with_context(|| format!("{} {READER_LOCK}", t("membuka", "opening")))?;
    lock.lock()
        .context(t("mengunci pembaca virtual", "locking the virtual reader"))?;
    let pcscd = start_pcscd()?;
    let enc = open_reader()?;
    if !enc.wait_for_empty(Duration::from_secs(10))? {
        bail!(t(
            "pembaca virtual masih berisi kartu lain",
            "the virtual reader still holds another card"
        ));
    }
    let card = TestCard::insert(VPCD_PORT, Fault::None).context(t(
        "memasukkan kartu virtual ke vpcd",
        "inserting the virtual card into vpcd",
    ))?;
    enc.wait_for_card(Duration::from_secs(10)).context(t(
        "kartu virtual tidak terlihat",
        "the virtual card is not seen",
    ))?;
    Ok(DemoEncoder {
        setup: ChipSetup {
            module: MODULE.into(),
            token: DEMO_TOKEN.into(),
            pin_file: pin_file.clone(),
            trust: vec![ca.clone()],
            card_wait: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
        },
        ca,
        pin_file,
        conf,
        card: Some(card),
        pcscd,
        _lock: lock,
    })
}

/// pcscd, when it is not running already (it needs to be root to make its socket).
fn start_pcscd() -> anyhow::Result<Option<Child>> {
    let sock = Path::new(PCSCD_SOCKET);
    let running = Command::new("pgrep")
        .args(["-x", "pcscd"])
        .output()
        .is_ok_and(|o| o.status.success());
    if running && sock.exists() {
        return Ok(None);
    }
    let _ = std::fs::remove_file(sock);
    let mut child = Command::new("pcscd")
        .args(["--foreground", "--auto-exit"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context(t("menjalankan pcscd", "starting pcscd"))?;
    let start = Instant::now();
    while !sock.exists() {
        // Not root, or another pcscd in the way: it ends at once; say so without waiting.
        if let Ok(Some(status)) = child.try_wait() {
            bail!(
                "{} ({status})",
                t(
                    "pcscd berhenti saat dijalankan (perlu root untuk /run/pcscd)",
                    "pcscd ended as it started (it needs root for /run/pcscd)"
                )
            );
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            bail!(t(
                "pcscd tidak siap dalam 10 detik (perlu root untuk /run/pcscd)",
                "pcscd was not ready within 10 s (it needs root for /run/pcscd)"
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(Some(child))
}

/// The virtual reader, given pcscd a moment to list it.
fn open_reader() -> anyhow::Result<Encoder> {
    let start = Instant::now();
    loop {
        match Encoder::open(DEMO_READER, Duration::from_secs(10)) {
            Ok(e) => return Ok(e),
            Err(e) if start.elapsed() > Duration::from_secs(10) => {
                return Err(anyhow::Error::new(e).context(format!(
                    "{} {DEMO_READER}",
                    t("pembaca tidak ada:", "no reader:")
                )));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}
