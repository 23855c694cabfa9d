//! `cetak serve` (the office server) and `cetak user add`.

use std::io::{BufRead, IsTerminal};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use cetak_domain::access::Role;
use cetak_domain::lifecycle::Actor;
use cetak_web::{PrintRunner, ServerConfig};
use clap::{Args as ClapArgs, Subcommand};

use super::{Context, open_store, print_json};
use crate::text::t;

#[derive(Debug, ClapArgs)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Resident lookups allowed per client address per minute (0: no limit, for load tests).
    #[arg(long, default_value_t = 30)]
    pub resident_per_minute: u32,
    /// Mark cookies Secure (when a TLS proxy is in front).
    #[arg(long)]
    pub secure_cookies: bool,
    /// Sync with this centre in the background (see `cetak sync`).
    #[arg(long, env = "CETAK_CENTRAL")]
    pub central: Option<String>,
    /// This office's token for the centre.
    #[arg(long, env = "CETAK_OFFICE_TOKEN")]
    pub token: Option<String>,
    /// Seconds between sync rounds while the link is up.
    #[arg(long, default_value_t = 60)]
    pub sync_every_s: u64,
}

/// What "Start printing" on the print page runs: `cetak print run` on the same database.
pub fn print_runner(db: &Path) -> PrintRunner {
    let db = db.to_path_buf();
    Arc::new(move || {
        let mut store = cetak_store::Store::open(&db).map_err(|e| e.to_string())?;
        let args = super::print::RunArgs {
            max_cards: None,
            request_timeout_s: 10.0,
            poll_ms: 200,
            job_timeout_s: 300.0,
            no_wait: false,
        };
        let s = super::print::spool_run(&mut store, &args, false).map_err(|e| format!("{e:#}"))?;
        Ok(format!(
            "{} sent, {} completed, {} to inspect, stopped: {}",
            s.started, s.completed, s.to_inspect, s.stopped_because
        ))
    })
}

/// What a supervisor's decision on the review page triggers: a dedup run honouring it.
pub fn dedup_runner(db: &Path) -> PrintRunner {
    let db = db.to_path_buf();
    Arc::new(move || {
        let mut store = cetak_store::Store::open(&db).map_err(|e| e.to_string())?;
        let report = super::dedup::dedup(
            &mut store,
            &cetak_dedup::Config::default(),
            &cetak_domain::lifecycle::Actor::system("dedup"),
        )
        .map_err(|e| format!("{e:#}"))?;
        Ok(format!("{} unique", report.summary.unique))
    })
}

pub fn run_serve(ctx: &Context, a: ServeArgs) -> anyhow::Result<ExitCode> {
    serve_blocking(&ctx.db, &a)?;
    Ok(ExitCode::SUCCESS)
}

/// Serve until Ctrl-C or SIGTERM; requests in flight finish first.
pub fn serve_blocking(db: &Path, a: &ServeArgs) -> anyhow::Result<()> {
    // Create and migrate the database before the first request.
    drop(open_store(db)?);
    if let (Some(central), Some(token)) = (&a.central, &a.token) {
        super::sync::background(
            db.to_path_buf(),
            central.clone(),
            token.clone(),
            std::time::Duration::from_secs(a.sync_every_s.max(1)),
        );
    }
    let config = ServerConfig {
        db: db.to_path_buf(),
        resident_per_minute: a.resident_per_minute,
        secure_cookies: a.secure_cookies,
        print_runner: Some(print_runner(db)),
        dedup_runner: Some(dedup_runner(db)),
        connections: 4,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&a.listen)
            .await
            .with_context(|| format!("listening on {}", a.listen))?;
        let addr = listener.local_addr()?;
        eprintln!(
            "{} http://{addr}/  ({}: http://{addr}/cek)",
            t("Server kantor berjalan di", "Office server running at"),
            t("halaman warga", "resident page")
        );
        cetak_web::serve(config, listener, shutdown_signal()).await?;
        eprintln!(
            "{}",
            t("Server berhenti dengan rapi.", "Server stopped cleanly.")
        );
        anyhow::Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. The password comes from CETAK_PASSWORD, or one line piped in on
    /// stdin; otherwise (a terminal, or nothing piped in) a random one is made and printed once.
    Add {
        /// Login name.
        name: String,
        /// operator, supervisor or admin.
        #[arg(long, value_parser = ["operator", "supervisor", "admin"])]
        role: String,
    },
    /// The accounts.
    List,
}

/// A readable random password (16 characters).
pub fn random_password() -> String {
    let token = cetak_web::auth::random_token();
    token[..16].to_string()
}

/// Create a user with a hashed password (shared with the demo).
pub fn add_user(
    store: &mut cetak_store::Store,
    name: &str,
    role: Role,
    password: &str,
    actor: &str,
) -> anyhow::Result<()> {
    if password.chars().count() < 10 {
        bail!(
            "{}",
            t(
                "kata sandi minimal 10 karakter",
                "a password needs at least 10 characters"
            )
        );
    }
    let hash = cetak_web::hash_password(password).map_err(anyhow::Error::msg)?;
    store.user_add(name, role, &hash, &Actor(actor.to_string()), super::now())?;
    Ok(())
}

pub fn run_user(ctx: &Context, cmd: UserCommand) -> anyhow::Result<ExitCode> {
    let mut store = open_store(&ctx.db)?;
    match cmd {
        UserCommand::Add { name, role } => {
            let role = Role::parse(&role).context(t("peran tidak dikenal", "unknown role"))?;
            // CETAK_PASSWORD, else one line piped in on stdin, else (a terminal, or nothing
            // piped: an empty stdin) a random one, printed once.
            let piped = match std::env::var("CETAK_PASSWORD") {
                Ok(p) => Some(p),
                Err(_) if !std::io::stdin().is_terminal() => {
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line)?;
                    let line = line.trim_end_matches(['\r', '\n']);
                    (!line.is_empty()).then(|| line.to_string())
                }
                Err(_) => None,
            };
            let (password, generated) = match piped {
                Some(p) => (p, false),
                None => (random_password(), true),
            };
            add_user(&mut store, &name, role, &password, &ctx.actor)?;
            if ctx.json {
                print_json(
                    &serde_json::json!({ "name": name, "role": role, "password": generated.then_some(&password) }),
                )?;
            } else if generated {
                outln!(
                    "{} {name} ({}) — {}: {password}",
                    t("Pengguna dibuat:", "User created:"),
                    role.as_str(),
                    t("kata sandi (catat sekarang)", "password (note it now)")
                )?;
            } else {
                outln!(
                    "{} {name} ({})",
                    t("Pengguna dibuat:", "User created:"),
                    role.as_str()
                )?;
            }
        }
        UserCommand::List => {
            let users = store.users()?;
            if ctx.json {
                print_json(&serde_json::json!({ "users": users }))?;
            } else {
                for u in users {
                    outln!(
                        "{}\t{}\t{}",
                        u.name,
                        u.role.as_str(),
                        if u.disabled {
                            t("nonaktif", "disabled")
                        } else {
                            ""
                        }
                    )?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
