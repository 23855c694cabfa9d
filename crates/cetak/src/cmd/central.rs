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
        /// Contract v2 for a CSV file: the folder with one sub-folder per recording_id holding foto.jpg, tanda_tangan.png and jari-NN.fmr
        #[arg(long, value_name = "DIR")]
        media: Option<PathBuf>,
    },
}

/// The largest media file the centre reads (it keeps what came and lets the office judge it; a
/// record whose media cannot travel in one answer is parked when an office pulls it).
const CENTRE_MEDIA_CAP: usize = 64 * 1024 * 1024;

/// Records per load transaction when each brings a media folder.
const MEDIA_CHUNK: usize = 200;

/// A record's media folder as the centre keeps it: the items that could be read; what could
/// not (unreadable, not a file, an unknown file) is reported as `(recording id, field, code)`.
fn centre_media(
    root: &std::path::Path,
    id: &str,
    problems: &mut Vec<(String, String, String)>,
) -> Vec<(String, Vec<u8>)> {
    let media = cetak_ingest::media::from_dir_capped(root, id, Some(CENTRE_MEDIA_CAP));
    for (code, field, _) in &media.unplaced {
        problems.push((id.to_string(), field.clone(), code.clone()));
    }
    media
        .items
        .into_iter()
        .filter_map(|item| match item.verdict {
            cetak_domain::media::MediaVerdict::Invalid { code, .. } => {
                problems.push((id.to_string(), item.slot.name(), code));
                None
            }
            _ => Some((item.slot.name(), item.bytes)),
        })
        .collect()
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
            media,
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
            let mut problems = Vec::new();
            let mut media_items = 0u64;
            let added = rt.block_on(async {
                let pool = cetak_central::pool(&database_url, 2)?;
                cetak_central::migrate(&pool).await?;
                let Some(root) = &media else {
                    return anyhow::Ok(
                        cetak_central::add_records(&pool, &region, &office, &rows).await?,
                    );
                };
                // Contract v2: each record with its folder, a few hundred at a time (a photo
                // is tens of kilobytes, sometimes megabytes).
                let mut added = 0;
                for chunk in rows.chunks(MEDIA_CHUNK) {
                    let records: Vec<cetak_central::NewRecord> = chunk
                        .iter()
                        .map(|fields| {
                            let id = fields.first().map(String::as_str).unwrap_or("");
                            let items = centre_media(root, id, &mut problems);
                            media_items += items.len() as u64;
                            cetak_central::NewRecord {
                                fields: fields.clone(),
                                media: Some(items),
                            }
                        })
                        .collect();
                    added +=
                        cetak_central::add_records_with_media(&pool, &region, &office, &records)
                            .await?;
                }
                anyhow::Ok(added)
            })?;
            for (id, field, code) in problems.iter().take(20) {
                tracing::warn!(recording_id = id, field, code, "media not kept");
            }
            if ctx.json {
                print_json(&serde_json::json!({
                    "office": office, "added": added, "rows": rows.len(),
                    "media_items": media_items,
                    "media_problems": problems.iter().map(|(id, field, code)| serde_json::json!({
                        "recording_id": id, "field": field, "code": code
                    })).collect::<Vec<_>>(),
                }))?;
            } else {
                if !problems.is_empty() {
                    outln!(
                        "!! {} {}",
                        problems.len(),
                        t(
                            "berkas media tidak dapat dibaca atau tidak dikenal (lihat --json); datanya tetap masuk antrean",
                            "media files could not be read or are not of the layout (see --json); their records are queued all the same"
                        )
                    )?;
                }
                outln!(
                    "{added} {}",
                    t("data masuk antrean kantor", "records queued for the office")
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
