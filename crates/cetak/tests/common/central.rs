//! `cetak central serve` for tests: on a free loopback port over a harness PostgreSQL,
//! killable (SIGKILL) and restartable on the same port, stopped on drop.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::pg::Postgres;
use super::{cetak, cetak_env, free_port, json};

pub struct Centre {
    child: Option<Child>,
    pub port: u16,
    dir: PathBuf,
    database_url: String,
    pub url: String,
}

impl Centre {
    pub fn start(dir: &Path, pg: &Postgres) -> Centre {
        let port = free_port();
        let mut c = Centre {
            child: None,
            port,
            dir: dir.to_path_buf(),
            database_url: pg.url(),
            url: format!("http://127.0.0.1:{port}"),
        };
        c.up();
        c
    }

    /// Start (again) on the same port; returns once it accepts connections.
    pub fn up(&mut self) {
        let child = Command::new(env!("CARGO_BIN_EXE_cetak"))
            .current_dir(&self.dir)
            .args([
                "central",
                "serve",
                "--database-url",
                &self.database_url,
                "--listen",
                &format!("127.0.0.1:{}", self.port),
            ])
            .stderr(Stdio::null())
            .spawn()
            .expect("central starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "central did not come up");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL: no graceful shutdown, open transactions are rolled back by PostgreSQL.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Centre {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Register an office in region 1671; its token.
pub fn add_office(dir: &Path, pg: &Postgres, code: &str) -> String {
    let v = json(&cetak(
        dir,
        &[
            "central",
            "add-office",
            "--database-url",
            &pg.url(),
            "--region",
            "1671",
            code,
            "--json",
        ],
    ));
    v["token"].as_str().expect("token").to_string()
}

/// One `cetak sync` round against `centre` (creating the office database `db`), with `extra`
/// arguments (e.g. `--retries 2`); its JSON and whether it finished (exit 0; 3 = stopped).
pub fn sync_with(
    dir: &Path,
    db: &str,
    centre: &str,
    token: &str,
    extra: &[&str],
) -> (serde_json::Value, bool) {
    let mut args = vec![
        "--db",
        db,
        "--create",
        "sync",
        "--central",
        centre,
        "--insecure-http",
        "--json",
    ];
    args.extend_from_slice(extra);
    let out = cetak_env(dir, &args, &[("CETAK_OFFICE_TOKEN", token)]);
    let code = out.status.code();
    assert!(
        matches!(code, Some(0) | Some(3)),
        "exit {code:?}\nstdout {}\nstderr {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    (v, code == Some(0))
}

/// `rows` generated recordings without duplicates in `dir/out` (with `out/media` when `media`).
pub fn backlog(dir: &Path, rows: u64, seed: u64, out: &str, media: bool) {
    let (rows, seed) = (rows.to_string(), seed.to_string());
    let mut args = vec![
        "gen",
        "--rows",
        &rows,
        "--seed",
        &seed,
        "--duplicate-share",
        "0",
        "--out",
        out,
        "--json",
    ];
    if media {
        args.push("--media");
    }
    json(&cetak(dir, &args));
}

/// Queue a CSV (and with `media`, its media folder) for an office at the centre
/// (`cetak central load`); the loader's JSON.
pub fn central_load(
    dir: &Path,
    pg: &Postgres,
    office: &str,
    csv: &str,
    media: Option<&str>,
) -> serde_json::Value {
    let url = pg.url();
    let mut args = vec![
        "central",
        "load",
        "--database-url",
        &url,
        "--region",
        "1671",
        "--office",
        office,
        csv,
        "--json",
    ];
    if let Some(m) = media {
        args.extend(["--media", m]);
    }
    json(&cetak(dir, &args))
}
