//! `cetak correct list|show|set`: the worklist of recordings that entered with problems.
//!
//! A recording held in `perlu_perbaikan` has a printed field that is not valid. The operator
//! looks at its problems, the row as it arrived and the candidate duplicates data ganda found,
//! and corrects fields one at a time (audited: field, old → new, who, why). The same validation
//! runs again; when no printed field is invalid the recording goes back through data ganda.

use std::process::ExitCode;

use anyhow::Context as _;
use cetak_domain::lifecycle::{Actor, RecordState};
use cetak_store::ProblemRow;

use super::{Context, office_now, open_store, print_json, table};
use crate::text::t;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Recordings waiting for a correction (perlu_perbaikan), oldest first.
    List {
        /// Every recording with an open problem, also those a problem does not hold back
        /// (an empty mother's name) and those resolved as a duplicate.
        #[arg(long)]
        all: bool,
        /// At most this many recordings.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// One recording: its fields, problems, the original row, corrections and candidate
    /// duplicates.
    Show {
        /// The recording_id.
        id: String,
    },
    /// Correct one field (audited); the recording is validated again.
    Set {
        /// The recording_id.
        id: String,
        /// The contract column, e.g. nama, nik, pekerjaan, nama_ibu.
        field: String,
        /// The correct value.
        value: String,
        /// Why (required): where the correct value comes from.
        #[arg(long)]
        reason: String,
    },
}

/// What a problem's reason code means, in both languages (the stored message is the
/// validator's English detail).
fn reason_words(code: &str) -> (&'static str, &'static str) {
    cetak_words::problem(code).unwrap_or(("masalah", "problem"))
}

fn problem_text(p: &ProblemRow) -> String {
    let (id, en) = reason_words(&p.code);
    // The validator's detail is English; in Indonesian the reason's own words say it.
    let detail = t("", &p.message);
    format!(
        "{} ({}): {}{}{}",
        p.code,
        p.field,
        t(id, en),
        if detail.is_empty() {
            String::new()
        } else {
            format!(" — {detail}")
        },
        if p.blocking {
            String::new()
        } else {
            format!(" [{}]", t("tidak menahan cetak", "does not hold printing"))
        }
    )
}

fn state_words(s: RecordState) -> &'static str {
    let (id, en) = s.describe();
    t(id, en)
}

pub fn run(ctx: &Context, cmd: Command) -> anyhow::Result<ExitCode> {
    let mut store = open_store(&ctx.db)?;
    match cmd {
        Command::List { all, limit } => {
            let items = store.correction_list(all, limit)?;
            let (held, minor) = store.correction_counts()?;
            if ctx.json {
                print_json(&serde_json::json!({
                    "perlu_perbaikan": held,
                    "non_blocking_only": minor,
                    "recordings": items,
                }))?;
                return Ok(ExitCode::SUCCESS);
            }
            let mut tb = table(&[
                t("ID perekaman", "recording_id"),
                t("status", "state"),
                "nama",
                t("NIK", "nik"),
                t("masalah", "problems"),
            ]);
            for i in &items {
                tb.add_row(vec![
                    i.recording_id.clone(),
                    super::state_word(i.state).to_string(),
                    i.nama.clone(),
                    i.nik.clone(),
                    i.problems
                        .iter()
                        .map(problem_text)
                        .collect::<Vec<_>>()
                        .join("\n"),
                ]);
            }
            outln!("{tb}")?;
            outln!(
                "{}: {held}. {}: {minor}. {}",
                t("Perlu perbaikan", "Needing correction"),
                t(
                    "Dengan masalah yang tidak menahan cetak",
                    "With problems that do not hold printing"
                ),
                t(
                    "Lihat satu: cetak correct show ID",
                    "See one: cetak correct show ID"
                )
            )?;
        }
        Command::Show { id } => {
            let v = store
                .correction_view(&id)
                .with_context(|| format!("{} {id}", t("perekaman", "recording")))?;
            if ctx.json {
                print_json(&serde_json::to_value(&v)?)?;
                return Ok(ExitCode::SUCCESS);
            }
            outln!(
                "{} {} — {} ({})",
                t("Perekaman", "Recording"),
                v.recording_id,
                super::state_word(v.state),
                state_words(v.state)
            )?;
            if let Some(s) = &v.duplicate_of {
                outln!(
                    "{} {s}",
                    t(
                        "Diselesaikan sebagai data ganda dari",
                        "Resolved as a duplicate of"
                    )
                )?;
            }
            let open: Vec<&ProblemRow> = v
                .problems
                .iter()
                .filter(|p| p.resolved_seq.is_none())
                .collect();
            let mut tb = table(&[
                t("kolom", "field"),
                t("nilai", "value"),
                t("masalah", "problem"),
            ]);
            for (name, value) in &v.fields {
                let problem = open
                    .iter()
                    .filter(|p| p.field == *name)
                    .map(|p| problem_text(p))
                    .collect::<Vec<_>>()
                    .join("\n");
                let mark = if problem.is_empty() { "" } else { " ✗" };
                tb.add_row(vec![format!("{name}{mark}"), value.clone(), problem]);
            }
            outln!("{tb}")?;
            if let Some(o) = &v.original {
                outln!(
                    "{} ({}:{}):\n  {}",
                    t("Baris asli", "Original row"),
                    o.source,
                    o.line,
                    o.raw
                )?;
            }
            if !v.corrections.is_empty() {
                let mut c = table(&[
                    t("kolom", "field"),
                    t("lama → baru", "old → new"),
                    t("oleh", "by"),
                    t("alasan", "why"),
                    t("waktu", "when"),
                ]);
                for r in &v.corrections {
                    c.add_row(vec![
                        r.field.clone(),
                        format!("{} → {}", r.old, r.new),
                        r.actor.clone(),
                        r.reason.clone(),
                        r.at.clone(),
                    ]);
                }
                outln!("{}\n{c}", t("Perbaikan", "Corrections"))?;
            }
            if v.candidates.is_empty() {
                outln!(
                    "{}",
                    t(
                        "Pencarian data ganda terakhir tidak menemukan calon untuk perekaman ini (cetak dedup).",
                        "The latest duplicate search found no candidate for this recording (cetak dedup)."
                    )
                )?;
            } else {
                let mut c = table(&[
                    t("pasangan", "pair"),
                    t("perekaman lain", "other recording"),
                    t("peluang", "probability"),
                    t("jenis", "kind"),
                ]);
                for p in &v.candidates {
                    let other = if p.a == v.recording_id { &p.b } else { &p.a };
                    c.add_row(vec![
                        p.id.to_string(),
                        other.clone(),
                        format!("{:.3}", p.probability),
                        p.kind.clone(),
                    ]);
                }
                outln!("{}\n{c}", t("Calon data ganda", "Candidate duplicates"))?;
            }
        }
        Command::Set {
            id,
            field,
            value,
            reason,
        } => {
            let at = office_now(&store)?;
            let out = store.correct_field(
                &id,
                &field,
                &value,
                cetak_store::Change::new(&Actor(ctx.actor.clone()), at, &reason),
            )?;
            if ctx.json {
                print_json(&serde_json::to_value(&out)?)?;
                return Ok(ExitCode::SUCCESS);
            }
            outln!(
                "{} {}: {} → {} ({} #{})",
                t("Diperbaiki", "Corrected"),
                out.field,
                out.old,
                out.new,
                t("dicatat di log audit", "in the audit log"),
                out.audit_seq
            )?;
            for p in &out.resolved {
                outln!("  ✓ {}", problem_text(p))?;
            }
            for p in &out.open {
                outln!("  ✗ {}", problem_text(p))?;
            }
            if out.state_after != out.state_before {
                outln!(
                    "{}: {} → {} ({})",
                    t("Status", "State"),
                    super::state_word(out.state_before),
                    super::state_word(out.state_after),
                    state_words(out.state_after)
                )?;
            }
            if out.state_after == RecordState::Received {
                outln!(
                    "{}",
                    t(
                        "Semua kolom yang dicetak sudah benar: jalankan cetak dedup, lalu perekaman ini bisa masuk antrean cetak.",
                        "Every printed field is valid: run cetak dedup, then this recording can join the print queue."
                    )
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::reason_words;

    /// Every field problem the validator can report has words in both languages.
    #[test]
    fn every_field_reason_code_has_words() {
        use cetak_domain::ReasonCode::*;
        for code in [
            EmptyField,
            TooLong,
            InvalidCharacters,
            NikLength,
            NikNotDigits,
            NikUnknownProvince,
            NikUnknownKota,
            NikUnknownKecamatan,
            NikInvalidDate,
            NikSerialZero,
            InvalidDate,
            ImplausibleDate,
            InvalidValue,
            InvalidRtRw,
            InvalidTimestamp,
            UnknownKelurahan,
        ] {
            assert_ne!(reason_words(code.as_str()).0, "masalah", "{code}");
        }
    }
}
