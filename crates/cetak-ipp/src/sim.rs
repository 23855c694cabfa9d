//! A real simulated card printer for tests: CUPS's `ippeveprinter` (Debian `cups-ipp-utils`)
//! with CR80 card media, on a free loopback port, with a fake card engine that can jam, report
//! an open cover, or be slow.
//!
//! Layout of the directory given to [`SimPrinter::start`]:
//! - `spool/` — ippeveprinter's spool (`<job-id>-<job-name, lower-cased, non-alphanumerics as _>.<ext>`,
//!   kept with `-k`);
//! - `out/` — what the engine "printed": `<job-name>__<job-uuid>.<ext>` (job name with characters
//!   outside `[A-Za-z0-9._-]` replaced by `_`), written atomically;
//! - `fault` — read by the engine when a job starts (`none`, `jam`, `cover`, `slow N`);
//! - `printer.log` — ippeveprinter's output, appended across restarts;
//! - `sim/` — the attributes file and the engine script, written from copies built into this crate;
//! - `keys/` — ippeveprinter's TLS credentials (`-K`): a self-signed `localhost.crt` and its key,
//!   made by ippeveprinter at the first TLS connection and kept across restarts. The same port
//!   answers `ipp://` and `ipps://` (ippeveprinter starts TLS when the first byte is a TLS
//!   handshake): [`SimPrinter::ipps_uri`] is the URI with that certificate pinned.
//!
//! Facts seen with CUPS 2.4 `ippeveprinter` (see the crate README): Print-Job answers as soon as
//! the document is spooled (job `pending`); completed jobs are forgotten about 60 s after they
//! finish; after a restart job ids start again at 1 and old jobs are gone; with an empty hopper
//! it still accepts jobs and holds them in `processing` until media is loaded again.

use std::fs;
use std::io::Write as _;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::PrinterClient;

const CONF: &str = include_str!("../sim/cardprinter.conf");
const ENGINE: &str = include_str!("../sim/card-engine.sh");
/// The media name declared in `cardprinter.conf`.
pub const CR80_MEDIA: &str = "custom_cr80_53.98x85.6mm";
const SYSTEM_BUS_SOCKET: &str = "/run/dbus/system_bus_socket";
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// Serialises D-Bus start-up between printers started from parallel tests.
static DBUS_LOCK: Mutex<()> = Mutex::new(());

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A program is missing; the message names the Debian package.
    #[error("{0}")]
    NotInstalled(String),
    /// The system D-Bus could not be started (ippeveprinter dies without one).
    #[error("cannot start the system D-Bus: {0}")]
    Dbus(String),
    /// ippeveprinter exited or never answered.
    #[error(
        "ippeveprinter did not come up on port {port}: {why}\n--- printer.log (tail) ---\n{log}"
    )]
    NotReady {
        /// The port it was started on.
        port: u16,
        /// What went wrong.
        why: String,
        /// The end of its log.
        log: String,
    },
    /// Files or processes.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> SimError {
    let what = what.into();
    move |source| SimError::Io { what, source }
}

/// A fault the fake card engine injects into the jobs that start after it is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Print normally (about 0.5 s per card).
    None,
    /// The card jams: printer reason `media-jam`, the job ends `aborted`.
    Jam,
    /// The cover is open: printer reason `cover-open`, the job ends `aborted`.
    CoverOpen,
    /// Take this many seconds per card, then print normally.
    Slow(u32),
}

impl Fault {
    fn as_file(self) -> String {
        match self {
            Fault::None => "none\n".into(),
            Fault::Jam => "jam\n".into(),
            Fault::CoverOpen => "cover\n".into(),
            Fault::Slow(secs) => format!("slow {secs}\n"),
        }
    }
}

/// A running `ippeveprinter` with CR80 media, killed on drop.
#[derive(Debug)]
pub struct SimPrinter {
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl SimPrinter {
    /// Start a printer using `dir` (created if needed) on a free loopback port, and wait until
    /// it answers Get-Printer-Attributes.
    pub fn start(dir: &Path) -> Result<SimPrinter, SimError> {
        let program = find_program("ippeveprinter", "cups-ipp-utils")?;
        ensure_system_dbus()?;
        fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
        let dir = dir
            .canonicalize()
            .map_err(io(format!("resolving {}", dir.display())))?;
        for sub in ["spool", "out", "sim", "keys"] {
            fs::create_dir_all(dir.join(sub)).map_err(io(format!("creating {sub}/")))?;
        }
        write_file(&dir.join("sim/cardprinter.conf"), CONF, 0o644)?;
        write_file(&dir.join("sim/card-engine.sh"), ENGINE, 0o755)?;
        write_file(&dir.join("fault"), &Fault::None.as_file(), 0o644)?;

        let mut last = None;
        for _ in 0..5 {
            let port = free_port()?;
            let mut printer = SimPrinter {
                dir: dir.clone(),
                port,
                child: None,
            };
            match printer.spawn(&program) {
                Ok(()) => return Ok(printer),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| SimError::NotReady {
            port: 0,
            why: "no attempt made".into(),
            log: String::new(),
        }))
    }

    /// `ipp://localhost:PORT/ipp/print`.
    pub fn uri(&self) -> String {
        format!("ipp://localhost:{}/ipp/print", self.port)
    }

    /// `ipps://localhost:PORT/ipp/print#sha256=…`: the same printer over TLS, its certificate
    /// pinned (the fingerprint of the certificate ippeveprinter keeps in `keys/`, read from
    /// the file — not from what the printer presents).
    pub fn ipps_uri(&self) -> Result<String, SimError> {
        Ok(format!(
            "ipps://localhost:{}/ipp/print#sha256={}",
            self.port,
            self.certificate_sha256()?
        ))
    }

    /// The SHA-256 fingerprint (hex) of the printer's TLS certificate, `keys/localhost.crt`.
    /// ippeveprinter makes it at the first TLS connection: if it is not there yet, one
    /// handshake (refused: nothing is pinned yet) makes it.
    pub fn certificate_sha256(&self) -> Result<String, SimError> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject as _;
        let path = self.dir.join("keys/localhost.crt");
        if !path.exists() {
            let nobody = "0".repeat(64);
            let client = PrinterClient::new(
                &format!("ipps://localhost:{}/ipp/print#sha256={nobody}", self.port),
                Duration::from_secs(20),
            )
            .map_err(|e| self.not_ready(e.to_string()))?;
            // Refused as untrusted: the point was to make the printer write its certificate.
            let _ = client.status();
        }
        let der = CertificateDer::from_pem_file(&path).map_err(|e| {
            self.not_ready(format!("no TLS certificate in {}: {e}", path.display()))
        })?;
        Ok(crate::tls::fingerprint_hex(&crate::tls::fingerprint(
            der.as_ref(),
        )))
    }

    /// The loopback port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory given to [`SimPrinter::start`] (canonical).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the fake engine puts printed cards.
    pub fn out_dir(&self) -> PathBuf {
        self.dir.join("out")
    }

    /// ippeveprinter's log (appended across restarts).
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("printer.log")
    }

    /// The cards printed so far (file names in `out/`, sorted).
    pub fn printed(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.out_dir())
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| !n.starts_with('.'))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// Set the fault for jobs that start from now on.
    ///
    /// # Panics
    /// If the fault file cannot be written (the test cannot go on meaningfully).
    pub fn set_fault(&self, fault: Fault) {
        if let Err(e) = write_file(&self.dir.join("fault"), &fault.as_file(), 0o644) {
            panic!("SimPrinter::set_fault({fault:?}): {e}");
        }
    }

    /// Empty (or refill) the card hopper through ippeveprinter's `/media` web form.
    ///
    /// # Panics
    /// If the printer does not accept the form (e.g. it was killed).
    pub fn set_media_empty(&self, empty: bool) {
        if let Err(e) = self.try_set_media_empty(empty) {
            panic!("SimPrinter::set_media_empty({empty}): {e}");
        }
    }

    /// [`SimPrinter::set_media_empty`] returning the error instead of panicking.
    pub fn try_set_media_empty(&self, empty: bool) -> Result<(), crate::IppError> {
        let client = PrinterClient::new(
            &format!("http://localhost:{}/", self.port),
            Duration::from_secs(5),
        )?;
        let level = if empty { 0 } else { 250 };
        let status = client.http_get(&format!(
            "/media?size0={CR80_MEDIA}&type0=cardstock&level0={level}"
        ))?;
        if status == 200 {
            Ok(())
        } else {
            Err(crate::IppError::Http {
                status,
                reason: "media form".into(),
            })
        }
    }

    /// SIGKILL the printer and everything it started (the card engine, its `sleep`): a crash
    /// in the middle of a job. Returns once the port refuses connections.
    pub fn kill(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // The printer leads its own process group (see `spawn`); its engine children are in it.
        let group = format!("-{}", child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = child.kill();
        let _ = child.wait();
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until && port_open(self.port) {
            sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL only the printer's controller (ippeveprinter), leaving a card engine that is
    /// feeding a card running: like a printer whose network board reboots while the card is
    /// still going through. The card comes out; the restarted printer knows nothing of it.
    pub fn kill_controller_only(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = child.kill();
        let _ = child.wait();
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until && port_open(self.port) {
            sleep(Duration::from_millis(20));
        }
    }

    /// Start the controller again after [`kill_controller_only`](Self::kill_controller_only),
    /// without touching a card engine that still runs.
    pub fn start_controller(&mut self) -> Result<(), SimError> {
        let program = find_program("ippeveprinter", "cups-ipp-utils")?;
        ensure_system_dbus()?;
        // The old socket may linger for a moment; try a few times.
        let mut last = None;
        for _ in 0..3 {
            match self.spawn(&program) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    last = Some(e);
                    sleep(Duration::from_millis(300));
                }
            }
        }
        Err(last.unwrap_or_else(|| SimError::NotReady {
            port: self.port,
            why: "no attempt made".into(),
            log: String::new(),
        }))
    }

    /// The physical feed log: one line per card the engine took from the hopper, in order —
    /// `fed <job-name>` (it went through) or `jam <job-name>` (taken, stuck in transport). A
    /// job that fails before feeding (cover open) takes no card.
    pub fn feed_log(&self) -> Vec<(String, String)> {
        fs::read_to_string(self.dir.join("feed.log"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(k, n)| (k.to_string(), n.to_string()))
            .collect()
    }

    /// Start the printer again on the same port with the same directory (after [`kill`](Self::kill),
    /// or killing it first). Its job list starts empty and job ids start again at 1.
    pub fn restart(&mut self) -> Result<(), SimError> {
        self.kill();
        self.start_controller()
    }

    /// Whether the ippeveprinter process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.as_mut().map(|c| c.try_wait()), Some(Ok(None)))
    }

    fn spawn(&mut self, program: &Path) -> Result<(), SimError> {
        let log_path = self.log_path();
        let mut log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(io(format!("opening {}", log_path.display())))?;
        let _ = writeln!(log, "=== cetak-ipp sim: starting on port {} ===", self.port);
        let log_err = log.try_clone().map_err(io("cloning log handle"))?;
        let child = Command::new(program)
            .arg("-p")
            .arg(self.port.to_string())
            .args(["-n", "localhost", "-r", "off", "-k", "-d"])
            .arg(self.dir.join("spool"))
            .arg("-K")
            .arg(self.dir.join("keys"))
            .arg("-a")
            .arg(self.dir.join("sim/cardprinter.conf"))
            .arg("-c")
            .arg(self.dir.join("sim/card-engine.sh"))
            .arg(format!("Card Printer {}", self.port))
            .env("CARD_PRINTER_DIR", &self.dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .process_group(0)
            .spawn()
            .map_err(io(format!("starting {}", program.display())))?;
        self.child = Some(child);

        let client = PrinterClient::new(&self.uri(), Duration::from_secs(2)).map_err(|e| {
            SimError::NotReady {
                port: self.port,
                why: e.to_string(),
                log: String::new(),
            }
        })?;
        let until = Instant::now() + READY_TIMEOUT;
        let mut last_error: String;
        loop {
            if let Some(Ok(Some(exit))) = self.child.as_mut().map(|c| c.try_wait()) {
                self.child = None;
                return Err(self.not_ready(format!("exited with {exit}")));
            }
            match client.status() {
                Ok(_) => return Ok(()),
                Err(e) => last_error = e.to_string(),
            }
            if Instant::now() >= until {
                self.kill();
                return Err(self.not_ready(format!(
                    "no answer within {READY_TIMEOUT:?} (last: {last_error})"
                )));
            }
            sleep(Duration::from_millis(50));
        }
    }

    fn not_ready(&self, why: String) -> SimError {
        let log = fs::read_to_string(self.log_path()).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(20).collect();
        SimError::NotReady {
            port: self.port,
            why,
            log: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
        }
    }
}

impl Drop for SimPrinter {
    fn drop(&mut self) {
        self.kill();
    }
}

fn write_file(path: &Path, contents: &str, mode: u32) -> Result<(), SimError> {
    let tmp = path.with_extension("tmp-write");
    fs::write(&tmp, contents).map_err(io(format!("writing {}", tmp.display())))?;
    fs::set_permissions(&tmp, fs::Permissions::from_mode(mode))
        .map_err(io(format!("chmod {}", tmp.display())))?;
    fs::rename(&tmp, path).map_err(io(format!("renaming to {}", path.display())))
}

fn free_port() -> Result<u16, SimError> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(io("finding a free port"))?;
    let port = listener
        .local_addr()
        .map_err(io("finding a free port"))?
        .port();
    Ok(port)
}

fn port_open(port: u16) -> bool {
    TcpStream::connect_timeout(
        &(Ipv4Addr::LOCALHOST, port).into(),
        Duration::from_millis(200),
    )
    .is_ok()
}

/// Find `name` on PATH or in the usual system directories (ippeveprinter lives in /usr/sbin,
/// which a non-root PATH may lack).
fn find_program(name: &str, package: &str) -> Result<PathBuf, SimError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/bin", "/sbin", "/bin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            SimError::NotInstalled(format!(
                "`{name}` not found: install the Debian package `{package}` \
                 (apt-get install cups-ipp-utils dbus)"
            ))
        })
}

/// ippeveprinter dies with "Unable to initialize DNS-SD" without a system bus: start one if
/// there is none (needs root, as in CI here).
fn ensure_system_dbus() -> Result<(), SimError> {
    let socket = Path::new(SYSTEM_BUS_SOCKET);
    let alive = || UnixStream::connect(socket).is_ok();
    if alive() {
        return Ok(());
    }
    let _guard = DBUS_LOCK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if alive() {
        return Ok(());
    }
    let daemon = find_program("dbus-daemon", "dbus")?;
    fs::create_dir_all("/run/dbus").map_err(|e| SimError::Dbus(format!("mkdir /run/dbus: {e}")))?;
    // A daemon that died (e.g. SIGKILL) leaves its socket and pid file behind; both block a new
    // one. Nothing answers on that socket (checked above), so they are stale.
    let _ = fs::remove_file(socket);
    let _ = fs::remove_file("/run/dbus/pid");
    let out = Command::new(&daemon)
        .args(["--system", "--fork"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| SimError::Dbus(format!("running {}: {e}", daemon.display())))?;
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        if alive() {
            return Ok(());
        }
        sleep(Duration::from_millis(20));
    }
    Err(SimError::Dbus(format!(
        "`dbus-daemon --system --fork` did not open {SYSTEM_BUS_SOCKET} (needs root): {} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr).trim()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_program_names_the_package() {
        let err = find_program("no-such-printer-program", "cups-ipp-utils").expect_err("missing");
        assert!(matches!(err, SimError::NotInstalled(_)));
        assert!(err.to_string().contains("cups-ipp-utils"), "{err}");
    }

    #[test]
    fn fault_file_format() {
        assert_eq!(Fault::Slow(7).as_file(), "slow 7\n");
        assert_eq!(Fault::CoverOpen.as_file(), "cover\n");
    }
}
