//! `cetak audit verify|head|log`.

use std::process::ExitCode;

use anyhow::Context as _;
use cetak_domain::audit::ChainBreak;

use super::{Context, open_store, print_json, table};
use crate::text::{t, tr};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Check the whole hash chain; exits 1 naming the first bad entry.
    Verify {
        /// The head recorded earlier, to catch entries cut off the end: what `cetak audit head`
        /// printed (`SEQ HASH`, quoted) or the hash alone.
        #[arg(long, value_name = "HEAD")]
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

/// A head as the supervisor wrote it down: `SEQ HASH` (what `cetak audit head` prints) or the
/// bare hash; 64 hexadecimal digits.
#[derive(Debug, PartialEq, Eq)]
pub struct ExpectedHead {
    pub seq: Option<u64>,
    pub hash: String,
}

/// Parse `--expect-head`; `None` when it is neither form (a usage error, not tampering).
pub fn parse_expected_head(s: &str) -> Option<ExpectedHead> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let (seq, hash) = match parts.as_slice() {
        [hash] => (None, *hash),
        [seq, hash] => (Some(seq.parse::<u64>().ok()?), *hash),
        _ => return None,
    };
    (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then(|| ExpectedHead {
        seq,
        hash: hash.to_ascii_lowercase(),
    })
}

/// What broke, in the interface's language (English as the domain words it).
fn chain_break_words(brk: &ChainBreak) -> String {
    if crate::text::english() {
        return brk.to_string();
    }
    match brk {
        ChainBreak::Edited { seq } => {
            format!("entri audit {seq} telah diubah: isinya tidak cocok dengan hash-nya")
        }
        ChainBreak::Missing { expected, found } => format!(
            "entri audit {expected} hilang (dihapus?); entri berikutnya yang ada adalah {found}"
        ),
        ChainBreak::OutOfOrder { seq } => format!(
            "entri audit {seq} tidak menyambung dengan entri {} (entri dihapus atau diubah urutannya)",
            seq.saturating_sub(1)
        ),
        ChainBreak::HeadMismatch { last_seq } => format!(
            "log berakhir di entri {last_seq}, bukan di head yang dicatat (entri terpotong atau diganti)"
        ),
    }
}

pub fn run(ctx: &Context, cmd: Command) -> anyhow::Result<ExitCode> {
    // A malformed argument is the operator's typo, never a broken chain: refuse it (exit 2)
    // before reading the log.
    let expected = match &cmd {
        Command::Verify {
            expect_head: Some(s),
        } => Some(parse_expected_head(s).with_context(|| {
            format!(
                "{} {s:?}: {}",
                t("--expect-head tidak dikenali", "--expect-head not understood"),
                t(
                    "berikan keluaran `cetak audit head` (\"NOMOR HASH\") atau hash-nya saja (64 digit heksadesimal)",
                    "give the output of `cetak audit head` (\"SEQ HASH\") or the hash alone (64 hexadecimal digits)"
                )
            )
        })?),
        _ => None,
    };
    let store = open_store(&ctx.db)?;
    match cmd {
        Command::Verify { .. } => match store
            .audit_verify(expected.as_ref().map(|e| e.hash.as_str()))?
            .and_then(|report| match expected.as_ref().and_then(|e| e.seq) {
                // The right hash with another position: the log ends elsewhere than written.
                Some(seq) if seq != report.entries => Err(ChainBreak::HeadMismatch {
                    last_seq: report.entries,
                }),
                _ => Ok(report),
            }) {
            Ok(report) => {
                if ctx.json {
                    print_json(
                        &serde_json::json!({ "ok": true, "entries": report.entries, "head": report.head }),
                    )?;
                } else {
                    outln!(
                        "{} {} {}; {} {}",
                        t("Rantai audit utuh:", "Audit chain intact:"),
                        report.entries,
                        t("entri", "entries"),
                        t("hash terakhir", "head"),
                        report.head
                    )?;
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(brk) => {
                if ctx.json {
                    print_json(
                        &serde_json::json!({ "ok": false, "first_bad_entry": brk.seq(), "problem": brk.to_string() }),
                    )?;
                } else {
                    eprintln!(
                        "{} {}",
                        t("RANTAI AUDIT RUSAK:", "AUDIT CHAIN BROKEN:"),
                        chain_break_words(&brk)
                    );
                }
                Ok(ExitCode::from(1))
            }
        },
        Command::Head => {
            let (seq, head) = store.audit_head()?;
            if ctx.json {
                print_json(&serde_json::json!({ "seq": seq, "head": head }))?;
            } else {
                outln!("{seq} {head}")?;
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
                // The stored codes and sentences in the office's words (one catalogue with the
                // pages); a reason a person typed, or one the catalogue does not know, as written.
                for e in entries {
                    tb.add_row(vec![
                        e.seq.to_string(),
                        e.at,
                        tr(cetak_words::actor(&e.actor)),
                        tr(cetak_words::action(&e.action)),
                        tr(cetak_words::subject(&e.subject)),
                        tr(cetak_words::reason(&e.reason)),
                    ]);
                }
                outln!("{tb}")?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
