//! `cetak audit verify|head|log`.

use std::process::ExitCode;

use super::{Context, open_store, print_json, table};
use crate::text::t;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Check the whole hash chain; exits 1 naming the first bad entry.
    Verify {
        /// The head recorded earlier (`cetak audit head`), to catch entries cut off the end.
        #[arg(long)]
        expect_head: Option<String>,
    },
    /// The newest entry's position and hash: write it into the signed monthly report.
    Head,
    /// The newest entries.
    Log {
        /// Only entries about this record or file.
        #[arg(long)]
        subject: Option<String>,
        /// At most this many entries.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

pub fn run(ctx: &Context, cmd: Command) -> anyhow::Result<ExitCode> {
    let store = open_store(&ctx.db)?;
    match cmd {
        Command::Verify { expect_head } => match store.audit_verify(expect_head.as_deref())? {
            Ok(report) => {
                if ctx.json {
                    print_json(
                        &serde_json::json!({ "ok": true, "entries": report.entries, "head": report.head }),
                    )?;
                } else {
                    println!(
                        "{} {} {}; head {}",
                        t("Rantai audit utuh:", "Audit chain intact:"),
                        report.entries,
                        t("entri", "entries"),
                        report.head
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(brk) => {
                if ctx.json {
                    print_json(
                        &serde_json::json!({ "ok": false, "first_bad_entry": brk.seq(), "problem": brk.to_string() }),
                    )?;
                } else {
                    eprintln!("{} {brk}", t("RANTAI AUDIT RUSAK:", "AUDIT CHAIN BROKEN:"));
                }
                Ok(ExitCode::from(1))
            }
        },
        Command::Head => {
            let (seq, head) = store.audit_head()?;
            if ctx.json {
                print_json(&serde_json::json!({ "seq": seq, "head": head }))?;
            } else {
                println!("{seq} {head}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Log { subject, limit } => {
            let entries = store.audit_list(subject.as_deref(), limit)?;
            if ctx.json {
                print_json(&serde_json::to_value(&entries)?)?;
            } else {
                let mut tb = table(&[
                    "#",
                    t("waktu", "at"),
                    t("oleh", "actor"),
                    t("tindakan", "action"),
                    t("subjek", "subject"),
                    t("alasan", "reason"),
                ]);
                for e in entries {
                    tb.add_row(vec![
                        e.seq.to_string(),
                        e.at,
                        e.actor,
                        e.action,
                        e.subject,
                        e.reason,
                    ]);
                }
                println!("{tb}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
