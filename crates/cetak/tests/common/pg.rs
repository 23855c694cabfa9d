//! A real PostgreSQL for tests: `initdb` + `pg_ctl` as user `nobody` (PostgreSQL refuses to
//! run as root) on a free loopback port, stopped and removed on drop.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Postgres {
    dir: PathBuf,
    bin: PathBuf,
    pub port: u16,
}

fn bin_dir() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    found.sort();
    found
        .pop()
        .filter(|p| p.join("initdb").exists())
        .unwrap_or_else(|| {
            panic!("PostgreSQL server binaries not found: apt-get install postgresql")
        })
}

fn as_nobody(cmd: &str) -> std::process::Output {
    if nix_is_root() {
        Command::new("runuser")
            .args(["-u", "nobody", "--", "sh", "-c", cmd])
            .output()
    } else {
        Command::new("sh").args(["-c", cmd]).output()
    }
    .expect("run a PostgreSQL command")
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl Postgres {
    pub fn start(parent: &Path) -> Postgres {
        let bin = bin_dir();
        let dir = parent.join("pg");
        std::fs::create_dir_all(&dir).expect("pg dir");
        // nobody must own its data directory and reach it through the parents.
        let _ = Command::new("chmod")
            .args(["755", parent.to_str().expect("path")])
            .status();
        let _ = Command::new("chown")
            .args(["-R", "nobody", dir.to_str().expect("path")])
            .status();
        let data = dir.join("data");
        let out = as_nobody(&format!(
            "{}/initdb -D {} -U cetak --auth=trust -E UTF8 --no-locale >/dev/null",
            bin.display(),
            data.display()
        ));
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let out = as_nobody(&format!(
            "{}/pg_ctl -D {} -l {}/log -w -o \"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=on\" start",
            bin.display(),
            data.display(),
            dir.display()
        ));
        assert!(
            out.status.success(),
            "pg_ctl start: {} {}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(dir.join("log")).unwrap_or_default()
        );
        Postgres { dir, bin, port }
    }

    pub fn url(&self) -> String {
        format!("postgres://cetak@127.0.0.1:{}/postgres", self.port)
    }

    /// Run SQL through psql and return its output (tab-separated, no headers).
    pub fn sql(&self, query: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args(["-At", "-d", &self.url(), "-c", query])
            .output()
            .expect("psql");
        assert!(
            out.status.success(),
            "psql: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Postgres {
    /// A plain-SQL backup of the whole database (`pg_dump --clean`).
    pub fn dump(&self, file: &Path) {
        let out = Command::new(self.bin.join("pg_dump"))
            .args(["--clean", "--if-exists", "-d", &self.url(), "-f"])
            .arg(file)
            .output()
            .expect("pg_dump");
        assert!(
            out.status.success(),
            "pg_dump: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Put a [`Postgres::dump`] back: everything written since is gone.
    pub fn restore(&self, file: &Path) {
        let out = Command::new(self.bin.join("psql"))
            .args(["-q", "-v", "ON_ERROR_STOP=1", "-d", &self.url(), "-f"])
            .arg(file)
            .output()
            .expect("psql");
        assert!(
            out.status.success(),
            "restore: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        as_nobody(&format!(
            "{}/pg_ctl -D {} -m immediate stop >/dev/null 2>&1",
            self.bin.display(),
            self.dir.join("data").display()
        ));
    }
}
