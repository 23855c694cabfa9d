//! `cetak media list|export|attach|erase`: the photo, signature and fingerprint templates of a
//! recording. Looking at one (`export`) is audited, attaching one is audited and runs the same
//! checks as an import, and erasing (UU PDP) removes the content for good.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use cetak_domain::lifecycle::Actor;
use cetak_domain::media::{MediaItem, MediaSlot, MediaVerdict};

use super::{Context, office_now, open_store, print_json, table};
use crate::text::t;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// The media of one recording: each slot, its size, whether it is valid and why not.
    List {
        /// The recording id.
        recording_id: String,
    },
    /// Write one photo, signature or template to a file (the view is audited: who, which,
    /// why).
    Export {
        /// The recording id.
        recording_id: String,
        /// foto, tanda_tangan or jari-NN (e.g. jari-02).
        slot: String,
        /// File to write.
        #[arg(long)]
        out: PathBuf,
        /// Why it is looked at (kept in the audit log).
        #[arg(long)]
        reason: String,
    },
    /// Attach a new photo, signature or template to a recording that has no card yet (audited;
    /// checked like an import; closes the slot's problems when valid).
    Attach {
        /// The recording id.
        recording_id: String,
        /// foto, tanda_tangan or jari-NN (e.g. jari-02).
        slot: String,
        /// The file: a JPEG photo, a PNG or JPEG signature, an ISO/IEC 19794-2 template.
        file: PathBuf,
        /// Why (kept in the audit log).
        #[arg(long)]
        reason: String,
    },
    /// Erase a recording's photo, signature and fingerprints for good (UU PDP request;
    /// audited; a recording without a card then waits for new media).
    Erase {
        /// The recording id.
        recording_id: String,
        /// Why, e.g. the request's reference (kept in the audit log).
        #[arg(long)]
        reason: String,
    },
}

fn slot(name: &str) -> anyhow::Result<MediaSlot> {
    MediaSlot::parse(name.trim()).with_context(|| {
        format!(
            "{name:?}: {}",
            t(
                "isian media adalah foto, tanda_tangan atau jari-01 … jari-10",
                "a media slot is foto, tanda_tangan or jari-01 … jari-10"
            )
        )
    })
}

fn size_words(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    } else if bytes >= 1024 {
        format!("{:.0} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

pub fn run(ctx: &Context, cmd: Command) -> anyhow::Result<ExitCode> {
    let mut store = open_store(&ctx.db)?;
    let actor = Actor(ctx.actor.clone());
    match cmd {
        Command::List { recording_id } => {
            // Fails clearly for an unknown recording.
            store.record_state(&recording_id)?;
            let items = store.media_list(&recording_id)?;
            if ctx.json {
                print_json(&serde_json::json!({"recording_id": recording_id, "media": items}))?;
                return Ok(ExitCode::SUCCESS);
            }
            if items.is_empty() {
                outln!(
                    "{} {recording_id} {}",
                    t("Perekaman", "Recording"),
                    t(
                        "tidak punya foto, tanda tangan atau sidik jari tersimpan",
                        "has no stored photo, signature or fingerprints"
                    )
                )?;
                return Ok(ExitCode::SUCCESS);
            }
            let mut tb = table(&[
                t("isian", "slot"),
                t("sah", "valid"),
                t("ukuran", "size"),
                t("jenis", "type"),
                t("piksel", "pixels"),
                t("masalah", "problem"),
            ]);
            for m in &items {
                tb.add_row(vec![
                    m.slot.clone(),
                    if m.valid {
                        t("ya", "yes")
                    } else {
                        t("tidak", "no")
                    }
                    .to_string(),
                    size_words(m.size),
                    m.mime.clone(),
                    if m.width > 0 {
                        format!("{}×{}", m.width, m.height)
                    } else {
                        String::new()
                    },
                    m.problem
                        .as_deref()
                        .map(|c| super::reason_word(c).unwrap_or(c).to_string())
                        .unwrap_or_default(),
                ]);
            }
            outln!("{tb}")?;
        }
        Command::Export {
            recording_id,
            slot: name,
            out,
            reason,
        } => {
            let slot = slot(&name)?;
            if reason.trim().is_empty() {
                bail!(
                    "{}",
                    t("--reason tidak boleh kosong", "--reason must not be empty")
                );
            }
            let at = office_now(&store)?;
            store.record_state(&recording_id)?;
            let Some((mime, bytes)) = store.media_view(&recording_id, slot, &actor, &reason, at)?
            else {
                bail!(
                    "{} {recording_id} {} {slot}",
                    t("perekaman", "recording"),
                    t("tidak punya", "has no")
                );
            };
            super::write_atomic(&out, &bytes)?;
            if ctx.json {
                print_json(&serde_json::json!({
                    "recording_id": recording_id, "slot": slot.name(), "mime": mime,
                    "bytes": bytes.len(), "out": out,
                }))?;
            } else {
                outln!(
                    "{} {} ({mime}, {}) {} {}",
                    slot,
                    recording_id,
                    size_words(bytes.len() as u64),
                    t("ditulis ke", "written to"),
                    out.display()
                )?;
            }
        }
        Command::Attach {
            recording_id,
            slot: name,
            file,
            reason,
        } => {
            let slot = slot(&name)?;
            let cap = match slot {
                MediaSlot::Foto => cetak_media::PHOTO_MAX_BYTES,
                MediaSlot::TandaTangan => cetak_media::SIGNATURE_MAX_BYTES,
                MediaSlot::Jari(_) => cetak_ingest::media::TEMPLATE_MAX_BYTES,
            };
            let mut bytes = Vec::new();
            std::fs::File::open(&file)
                .with_context(|| {
                    format!(
                        "{} {}",
                        t("tidak dapat membuka", "cannot open"),
                        file.display()
                    )
                })?
                .take(cap as u64 + 1)
                .read_to_end(&mut bytes)
                .with_context(|| {
                    format!(
                        "{} {}",
                        t("tidak dapat membaca", "cannot read"),
                        file.display()
                    )
                })?;
            if bytes.len() > cap {
                bail!(
                    "{}: {} {cap} {}",
                    file.display(),
                    t("lebih besar dari batas", "larger than the limit of"),
                    t("bita", "bytes")
                );
            }
            let mut item = MediaItem {
                slot,
                bytes,
                verdict: MediaVerdict::Unchecked,
            };
            cetak_ingest::media::check(&mut item);
            if let MediaVerdict::Invalid { code, message } = &item.verdict {
                // Refused before anything is written: an operator attaching a file wants a
                // usable one, not a new problem on the recording.
                bail!(
                    "{}: {} ({message})",
                    file.display(),
                    super::reason_word(code).unwrap_or(code)
                );
            }
            let at = office_now(&store)?;
            let o = store.media_attach(
                &recording_id,
                &item,
                cetak_store::Change::new(&actor, at, &reason),
            )?;
            if ctx.json {
                print_json(&serde_json::to_value(&o)?)?;
            } else {
                outln!(
                    "{} {} {recording_id}. {}: {} → {}",
                    slot,
                    t("dilampirkan ke", "attached to"),
                    t("Status", "State"),
                    super::state_word(o.state_before),
                    super::state_word(o.state_after)
                )?;
            }
        }
        Command::Erase {
            recording_id,
            reason,
        } => {
            let at = office_now(&store)?;
            let o =
                store.media_erase(&recording_id, cetak_store::Change::new(&actor, at, &reason))?;
            if ctx.json {
                print_json(&serde_json::to_value(&o)?)?;
            } else {
                outln!(
                    "{} {recording_id}: {} {}, {} {} ({}). {} {}",
                    t("Dihapus dari", "Erased from"),
                    o.links,
                    t("tautan", "links"),
                    o.contents,
                    t("isi", "contents"),
                    size_words(o.bytes),
                    t("Entri audit", "Audit entry"),
                    o.audit_seq
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    /// Every code the media checks and the reader can give has words in both languages.
    #[test]
    fn every_media_problem_code_has_words() {
        let finger = [
            "template_not_fmr",
            "template_truncated",
            "template_malformed",
            "template_too_large",
            "template_bad_version",
            "template_length_mismatch",
            "template_trailing_garbage",
            "template_minutia_out_of_bounds",
            "template_bad_minutia",
            "template_bad_field",
            "template_bad_extension",
        ];
        let reader = [
            "foto_missing",
            "tanda_tangan_missing",
            "media_bad_base64",
            "media_wrong_type",
            "media_unreadable",
            "media_not_a_file",
            "media_unknown_file",
            "media_twice",
            "media_damaged",
            "media_unknown_slot",
            "media_dir_unsafe_id",
            "media_unchecked",
            "finger_bad_position",
            "finger_twice",
            "finger_position_mismatch",
        ];
        for code in cetak_media::MediaProblem::CODES
            .iter()
            .chain(finger.iter())
            .chain(reader.iter())
        {
            assert!(cetak_words::problem(code).is_some(), "{code} has no words");
        }
        // The finger codes above are the reader's: a code it gives must be in the list.
        let e = cetak_finger::template::parse(b"nope").expect_err("not a template");
        assert!(finger.contains(&e.code()));
    }
}
