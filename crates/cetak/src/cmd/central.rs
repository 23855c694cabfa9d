//! `cetak central …`: the central server on PostgreSQL, and its administration.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;

use super::{Context, print_json};
use crate::text::t;

#[derive(Debug, Subcommand)]
pub enum CentralCommand {
    /// Serve the sync protocol (v2) to offices.
    Serve {
        /// postgres://user@host:port/db
        #[arg(long, env = "CETAK_DATABASE_URL")]
        database_url: String,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: String,
        /// Serve HTTPS with this certificate chain (PEM); without it, plain HTTP for a TLS proxy in front.
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
    /// Register an office; prints its secret token once.
    AddOffice {
        /// postgres://user@host:port/db
        #[arg(long, env = "CETAK_DATABASE_URL")]
        database_url: String,
        /// Region code (the office's kabupaten/kota code, e.g. 1671).
        #[arg(long)]
        region: String,
        /// Office code.
        code: String,
    },
    /// Give an office a new token, or revoke its token.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Queue print-ready records for an office (a CSV in import contract 1.1).
    Load {
        /// postgres://user@host:port/db
        #[arg(long, env = "CETAK_DATABASE_URL")]
        database_url: String,
        /// Region code.
        #[arg(long)]
        region: String,
        /// Office code.
        #[arg(long)]
        office: String,
        /// The CSV file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Make a new token (the old one stops working at once); prints it once.
    Rotate {
        /// postgres://user@host:port/db
        #[arg(long, env = "CETAK_DATABASE_URL")]
        database_url: String,
        /// Region code.
        #[arg(long)]
        region: String,
        /// Office code.
        code: String,
    },
    /// Revoke the office's token (its syncs are refused until a new one is made).
    Revoke {
        /// postgres://user@host:port/db
        #[arg(long, env = "CETAK_DATABASE_URL")]
        database_url: String,
        /// Region code.
        #[arg(long)]
        region: String,
        /// Office code.
        code: String,
    },
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

pub fn run(ctx: &Context, cmd: CentralCommand) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    match cmd {
        CentralCommand::Serve {
            database_url,
            listen,
            tls_cert,
            tls_key,
        } => rt.block_on(async {
            let tls = match (&tls_cert, &tls_key) {
                (Some(c), Some(k)) => Some(cetak_central::tls_acceptor(c, k)?),
                _ => None,
            };
            let pool = cetak_central::pool(&database_url, 8)?;
            cetak_central::migrate(&pool).await?;
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| {
                    format!(
                        "{} {listen}",
                        crate::text::t("membuka alamat", "listening on")
                    )
                })?;
            eprintln!(
                "{} {}://{}/sync/v2",
                t("Server pusat berjalan di", "Central server running at"),
                if tls.is_some() { "https" } else { "http" },
                listener.local_addr()?
            );
            let stop = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            match tls {
                Some(acceptor) => cetak_central::serve_tls(pool, listener, acceptor, stop).await?,
                None => cetak_central::serve(pool, listener, stop).await?,
            }
            anyhow::Ok(())
        })?,
        CentralCommand::AddOffice {
            database_url,
            region,
            code,
        } => {
            let token = rt.block_on(async {
                let pool = cetak_central::pool(&database_url, 2)?;
                cetak_central::migrate(&pool).await?;
                anyhow::Ok(cetak_central::add_office(&pool, &region, &code).await?)
            })?;
            if ctx.json {
                print_json(
                    &serde_json::json!({ "region": region, "office": code, "token": token }),
                )?;
            } else {
                outln!(
                    "{} {region}/{code}: {token}",
                    t("Kantor terdaftar; token", "Office registered; token")
                )?;
            }
        }
        CentralCommand::Token { action } => {
            let (database_url, region, code, rotate) = match action {
                TokenAction::Rotate {
                    database_url,
                    region,
                    code,
                } => (database_url, region, code, true),
                TokenAction::Revoke {
                    database_url,
                    region,
                    code,
                } => (database_url, region, code, false),
            };
            let token = rt.block_on(async {
                let pool = cetak_central::pool(&database_url, 2)?;
                cetak_central::migrate(&pool).await?;
                if rotate {
                    anyhow::Ok(Some(
                        cetak_central::rotate_token(&pool, &region, &code).await?,
                    ))
                } else {
                    cetak_central::revoke_token(&pool, &region, &code).await?;
                    anyhow::Ok(None)
                }
            })?;
            if ctx.json {
                print_json(
                    &serde_json::json!({ "region": region, "office": code, "token": token, "revoked": token.is_none() }),
                )?;
            } else if let Some(token) = token {
                outln!(
                    "{} {region}/{code}: {token}",
                    t("Token baru untuk", "New token for")
                )?;
            } else {
                outln!(
                    "{} {region}/{code} {}",
                    t("Token kantor", "The token of"),
                    t("dicabut", "is revoked")
                )?;
            }
        }
        CentralCommand::Load {
            database_url,
            region,
            office,
            file,
        } => {
            let mut reader = csv::Reader::from_path(&file).with_context(|| {
                format!(
                    "{} {}",
                    crate::text::t("membaca", "reading"),
                    file.display()
                )
            })?;
            let mut rows = Vec::new();
            for rec in reader.records() {
                let rec = rec.with_context(|| {
                    format!(
                        "{} {}",
                        crate::text::t("membaca", "reading"),
                        file.display()
                    )
                })?;
                if rec.len() != cetak_domain::record::COLUMNS.len() {
                    anyhow::bail!(
                        "{}: line {}: {} fields, the import contract has {}",
                        file.display(),
                        rec.position().map_or(0, |p| p.line()),
                        rec.len(),
                        cetak_domain::record::COLUMNS.len()
                    );
                }
                rows.push(rec.iter().map(str::to_string).collect::<Vec<_>>());
            }
            let added = rt.block_on(async {
                let pool = cetak_central::pool(&database_url, 2)?;
                cetak_central::migrate(&pool).await?;
                anyhow::Ok(cetak_central::add_records(&pool, &region, &office, &rows).await?)
            })?;
            if ctx.json {
                print_json(
                    &serde_json::json!({ "office": office, "added": added, "rows": rows.len() }),
                )?;
            } else {
                outln!(
                    "{added} {}",
                    t(
                        "rekaman masuk antrean kantor",
                        "records queued for the office"
                    )
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
