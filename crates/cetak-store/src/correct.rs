//! Recordings that entered with problems: the correction worklist, audited corrections that
//! run the same validation again, and moving readable rows out of an older quarantine.

use crate::Change;
use cetak_domain::lifecycle::{Actor, Event, RecordState};
use cetak_domain::record::{COLUMNS, Checked, Record};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use time::OffsetDateTime;

use crate::audit::{self, AuditEntry};
use crate::{PairView, Result, Store, StoreError, rfc3339};

/// One problem of a recording, as kept.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ProblemRow {
    /// Reason code (the quarantine's codes).
    pub code: String,
    /// The column at fault.
    pub field: String,
    /// Sentence for the operator.
    pub message: String,
    /// The field as it was when the problem was found.
    pub original: String,
    /// Whether it keeps the record from being printed.
    pub blocking: bool,
    /// Closed by a correction (the audit entry's position), or open.
    pub resolved_seq: Option<u64>,
}

/// A recording on the correction worklist.
#[derive(Debug, Clone, Serialize)]
pub struct CorrectionItem {
    /// The enrollment's id.
    pub recording_id: String,
    /// Its state (`perlu_perbaikan` unless resolved otherwise).
    pub state: RecordState,
    /// Name as stored.
    pub nama: String,
    /// NIK as stored.
    pub nik: String,
    /// Its open problems.
    pub problems: Vec<ProblemRow>,
}

/// A field an operator corrected.
#[derive(Debug, Clone, Serialize)]
pub struct CorrectionRow {
    /// Column.
    pub field: String,
    /// Before.
    pub old: String,
    /// After.
    pub new: String,
    /// Who.
    pub actor: String,
    /// Why.
    pub reason: String,
    /// When.
    pub at: String,
}

/// The original row of a recording that entered with problems.
#[derive(Debug, Clone, Serialize)]
pub struct OriginalRow {
    /// File it came from.
    pub source: String,
    /// Line in that file.
    pub line: u64,
    /// The bytes (lossy UTF-8 for display).
    pub raw: String,
}

/// Everything a person needs to correct one recording.
#[derive(Debug, Clone, Serialize)]
pub struct CorrectionView {
    /// The enrollment's id.
    pub recording_id: String,
    /// Its state.
    pub state: RecordState,
    /// The surviving recording when it was resolved as a duplicate.
    pub duplicate_of: Option<String>,
    /// Fields in contract order, as stored.
    pub fields: Vec<(&'static str, String)>,
    /// Every problem, open and resolved.
    pub problems: Vec<ProblemRow>,
    /// The row as it arrived.
    pub original: Option<OriginalRow>,
    /// Corrections made so far.
    pub corrections: Vec<CorrectionRow>,
    /// Pairs data ganda found with it (candidate duplicates).
    pub candidates: Vec<PairView>,
}

/// What one correction did.
#[derive(Debug, Clone, Serialize)]
pub struct CorrectionOutcome {
    /// The enrollment's id.
    pub recording_id: String,
    /// Column corrected.
    pub field: &'static str,
    /// Before.
    pub old: String,
    /// After, normalised where valid.
    pub new: String,
    /// Problems this correction closed.
    pub resolved: Vec<ProblemRow>,
    /// Problems still open (new ones included).
    pub open: Vec<ProblemRow>,
    /// State before.
    pub state_before: RecordState,
    /// State after (`received` when every printed field became valid: back through data ganda).
    pub state_after: RecordState,
    /// The correction's audit entry.
    pub audit_seq: u64,
}

/// What moving readable rows out of quarantine did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct ReadmitReport {
    /// Quarantined rows looked at (not yet moved; file-shape problems and conflicts left out).
    pub examined: u64,
    /// Moved into the registry (each keeps its problems; its quarantine row names the record).
    pub moved: u64,
    /// Of `moved`: held in `perlu_perbaikan` (a printed field is not valid).
    pub held_for_correction: u64,
    /// Left in quarantine: not readable as a recording under the new rules, too many problems
    /// to be a row in contract order (another column order?), or its id already registered.
    pub left: u64,
    /// The audit entry that records the move (absent when nothing moved).
    pub audit_seq: Option<u64>,
}

/// States in which a recording may be corrected: it has no card and is not queued.
const CORRECTABLE: [RecordState; 5] = [
    RecordState::NeedsCorrection,
    RecordState::Received,
    RecordState::Unique,
    RecordState::Duplicate,
    RecordState::AwaitingDecision,
];

/// Quarantine codes of rows that could never be read as a recording (and conflicts, which
/// are about the registry, not the row).
const NOT_READMITTED: &str = "'invalid_utf8', 'nul_byte', 'field_count', 'record_too_large', \
    'unterminated_quote', 'invalid_json', 'wrong_type', 'missing_field', 'unknown_field', \
    'conflicting_recording'";

fn problem_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ProblemRow> {
    Ok(ProblemRow {
        code: r.get(0)?,
        field: r.get(1)?,
        message: r.get(2)?,
        original: r.get(3)?,
        blocking: r.get(4)?,
        resolved_seq: r.get::<_, Option<i64>>(5)?.map(|s| s as u64),
    })
}

fn parse_state(s: &str) -> Result<RecordState> {
    RecordState::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown record state {s:?}")))
}

fn open_problems(
    conn: &rusqlite::Connection,
    recording_id: &str,
) -> Result<Vec<(i64, ProblemRow)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT code, field, message, original, blocking, resolved_seq, id FROM record_problems
         WHERE recording_id = ?1 AND resolved_seq IS NULL ORDER BY id",
    )?;
    let rows = stmt.query_map([recording_id], |r| Ok((r.get(6)?, problem_row(r)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl Store {
    /// The correction worklist: recordings held in `perlu_perbaikan` (or, with `all`, every
    /// recording with an open problem, non-blocking ones and resolved duplicates included),
    /// oldest first.
    pub fn correction_list(&self, all: bool, limit: u32) -> Result<Vec<CorrectionItem>> {
        let mut stmt = self.conn.prepare(
            "SELECT r.recording_id, r.state, r.nama, r.nik FROM records r
             WHERE EXISTS (SELECT 1 FROM record_problems p
                           WHERE p.recording_id = r.recording_id AND p.resolved_seq IS NULL)
               AND (?1 OR r.state = 'perlu_perbaikan')
             ORDER BY r.id LIMIT ?2",
        )?;
        let heads: Vec<(String, String, String, String)> = stmt
            .query_map(params![all, limit], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<Result<_, _>>()?;
        heads
            .into_iter()
            .map(|(recording_id, state, nama, nik)| {
                let problems = open_problems(&self.conn, &recording_id)?
                    .into_iter()
                    .map(|(_, p)| p)
                    .collect();
                Ok(CorrectionItem {
                    state: parse_state(&state)?,
                    recording_id,
                    nama,
                    nik,
                    problems,
                })
            })
            .collect()
    }

    /// Recordings per kind of open problem: (held in perlu_perbaikan, with non-blocking
    /// problems only).
    pub fn correction_counts(&self) -> Result<(u64, u64)> {
        Ok(self.conn.query_row(
            "SELECT
               (SELECT count(*) FROM records WHERE state = 'perlu_perbaikan'),
               (SELECT count(DISTINCT recording_id) FROM record_problems p WHERE resolved_seq IS NULL
                  AND NOT EXISTS (SELECT 1 FROM record_problems q WHERE q.recording_id = p.recording_id
                                  AND q.resolved_seq IS NULL AND q.blocking))",
            [],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
        )?)
    }

    /// One recording with its problems, original row, corrections and candidate duplicates.
    pub fn correction_view(&self, recording_id: &str) -> Result<CorrectionView> {
        let (state, duplicate_of): (String, Option<String>) = self
            .conn
            .query_row(
                "SELECT state, duplicate_of FROM records WHERE recording_id = ?1",
                [recording_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| StoreError::NoSuchRecord(recording_id.to_string()))?;
        let fields = self.record_fields(recording_id)?;
        let problems = self
            .conn
            .prepare(
                "SELECT code, field, message, original, blocking, resolved_seq FROM record_problems
                 WHERE recording_id = ?1 ORDER BY id",
            )?
            .query_map([recording_id], problem_row)?
            .collect::<Result<_, _>>()?;
        let original = self
            .conn
            .query_row(
                "SELECT source, line, raw FROM record_originals WHERE recording_id = ?1",
                [recording_id],
                |r| {
                    let raw: Vec<u8> = r.get(2)?;
                    Ok(OriginalRow {
                        source: r.get(0)?,
                        line: r.get::<_, i64>(1)? as u64,
                        raw: String::from_utf8_lossy(&raw).into_owned(),
                    })
                },
            )
            .optional()?;
        let corrections = self
            .conn
            .prepare(
                "SELECT field, old, new, actor, reason, at FROM record_corrections
                 WHERE recording_id = ?1 ORDER BY id",
            )?
            .query_map([recording_id], |r| {
                Ok(CorrectionRow {
                    field: r.get(0)?,
                    old: r.get(1)?,
                    new: r.get(2)?,
                    actor: r.get(3)?,
                    reason: r.get(4)?,
                    at: r.get(5)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let ids: Vec<i64> = self
            .conn
            .prepare("SELECT id FROM dedup_pairs WHERE a = ?1 OR b = ?1 ORDER BY probability DESC")?
            .query_map([recording_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut candidates = Vec::new();
        for id in ids {
            if let Some(p) = self.dedup_pair(id)? {
                candidates.push(p);
            }
        }
        Ok(CorrectionView {
            recording_id: recording_id.to_string(),
            state: parse_state(&state)?,
            duplicate_of,
            fields,
            problems,
            original,
            corrections,
            candidates,
        })
    }

    /// Correct one field of a recording with open problems: the same validation runs again
    /// on the whole recording, problems that went away are closed and new ones kept, and the
    /// change (field, old → new, who, why) is audited. When no printed field is invalid any
    /// more, a recording in `perlu_perbaikan` goes back to `received` — through data ganda
    /// before it can be queued; a correction that breaks a printed field holds the recording.
    pub fn correct_field(
        &mut self,
        recording_id: &str,
        field: &str,
        value: &str,
        change: Change<'_>,
    ) -> Result<CorrectionOutcome> {
        let Change { actor, at, reason } = change;
        crate::require_reason(reason)?;
        let column = COLUMNS
            .iter()
            .position(|c| *c == field)
            .filter(|&i| i != cetak_domain::record::col::RECORDING_ID)
            .ok_or_else(|| {
                StoreError::Refused(format!(
                    "{field:?} bukan kolom yang dapat diperbaiki (salah satu dari {0}) / {field:?} is not a field that can be corrected (one of {0})",
                    COLUMNS[1..].join(", ")
                ))
            })?;
        let field = COLUMNS[column];
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let sql = format!(
            "SELECT state, {} FROM records WHERE recording_id = ?1",
            COLUMNS.join(", ")
        );
        let (state, mut values): (String, Vec<String>) = tx
            .query_row(&sql, [recording_id], |r| {
                let values = (1..=COLUMNS.len())
                    .map(|i| r.get::<_, String>(i))
                    .collect::<rusqlite::Result<Vec<String>>>()?;
                Ok((r.get(0)?, values))
            })
            .optional()?
            .ok_or_else(|| StoreError::NoSuchRecord(recording_id.to_string()))?;
        let state_before = parse_state(&state)?;
        if !CORRECTABLE.contains(&state_before) {
            return Err(StoreError::Conflict(format!(
                "perekaman {recording_id} tidak dapat diperbaiki ({0}): hanya perekaman tanpa KTP-el yang tidak sedang dalam antrean / recording {recording_id} cannot be corrected ({1}): only a recording without a card that is not queued can be",
                state_before.describe().0,
                state_before.describe().1
            )));
        }
        let all_open = open_problems(&tx, recording_id)?;
        if all_open.is_empty() {
            return Err(StoreError::Conflict(format!(
                "perekaman {recording_id} tidak punya masalah terbuka untuk diperbaiki / recording {recording_id} has no open problem to correct"
            )));
        }
        let old = values[column].clone();
        let new_raw = value.trim().to_string();
        if new_raw == old {
            return Err(StoreError::Conflict(format!(
                "{field} perekaman {recording_id} sudah {old:?} / {field} of {recording_id} is already {old:?}"
            )));
        }
        values[column] = new_raw;
        let refs: [&str; 22] = std::array::from_fn(|i| values[i].as_str());
        let (fields, found, warnings): ([String; 22], Vec<cetak_domain::Problem>, String) =
            match Record::check(&refs) {
                Checked::Valid(r) => (
                    r.normalised_fields(),
                    Vec::new(),
                    r.warnings
                        .iter()
                        .map(|w| w.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                ),
                Checked::NeedsCorrection(d) => {
                    let w = d
                        .warnings
                        .iter()
                        .map(|w| w.as_str())
                        .collect::<Vec<_>>()
                        .join(",");
                    (d.fields, d.problems, w)
                }
                Checked::Unreadable(r) => return Err(StoreError::Refused(r.to_string())),
            };
        // Media problems (field = a media slot) are closed by attaching media, not by
        // validating the fields again; they still hold the record.
        let (open, media_open): (Vec<_>, Vec<_>) = all_open
            .into_iter()
            .partition(|(_, p)| COLUMNS.contains(&p.field.as_str()));
        let new = fields[column].clone();
        let blocked =
            found.iter().any(|p| p.blocking) || media_open.iter().any(|(_, p)| p.blocking);
        let is_open = |code: &str, f: &str| {
            found
                .iter()
                .any(|p| p.code.as_str() == code && p.field == f)
        };
        let resolved: Vec<(i64, ProblemRow)> = open
            .iter()
            .filter(|(_, p)| !is_open(&p.code, &p.field))
            .cloned()
            .collect();
        let added: Vec<&cetak_domain::Problem> = found
            .iter()
            .filter(|p| {
                !open
                    .iter()
                    .any(|(_, o)| o.code == p.code.as_str() && o.field == p.field)
            })
            .collect();
        let at_s = rfc3339(at);
        let detail = serde_json::json!({
            "field": field,
            "old": old,
            "new": new,
            "resolved": resolved.iter().map(|(_, p)| format!("{}:{}", p.code, p.field)).collect::<Vec<_>>(),
            "still_open": found.iter().map(|p| format!("{}:{}", p.code.as_str(), p.field)).collect::<Vec<_>>(),
        });
        let seq = audit::append(
            &tx,
            &AuditEntry {
                seq: 0,
                at: at_s.clone(),
                actor: actor.0.clone(),
                action: "correct_field".into(),
                subject: recording_id.to_string(),
                reason: reason.trim().to_string(),
                detail: detail.to_string(),
            },
        )?;
        let set: Vec<String> = COLUMNS[1..]
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ?{}", i + 2))
            .collect();
        let sql = format!(
            "UPDATE record_fields SET {}, warnings = ?23 WHERE recording_id = ?1",
            set.join(", ")
        );
        // ?1 is the stored id (fields[0] holds the same value).
        let mut args: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(24);
        args.push(&recording_id);
        for f in &fields[1..] {
            args.push(f);
        }
        args.push(&warnings);
        tx.execute(&sql, args.as_slice())?;
        tx.execute(
            "UPDATE record_states SET blocked = ?2,
               first_time = (SELECT jenis_permohonan = 'BARU' FROM record_fields WHERE id = record_states.id),
               waiting_since = (SELECT recorded_at FROM record_fields WHERE id = record_states.id)
             WHERE id = (SELECT id FROM record_fields WHERE recording_id = ?1)",
            params![recording_id, blocked],
        )?;
        for (id, _) in &resolved {
            tx.execute(
                "UPDATE record_problems SET resolved_seq = ?2 WHERE id = ?1",
                params![id, seq as i64],
            )?;
        }
        for p in &added {
            tx.execute(
                "INSERT INTO record_problems (recording_id, code, field, message, original, blocking, found_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![recording_id, p.code.as_str(), p.field, p.message, p.original, p.blocking, seq as i64],
            )?;
        }
        tx.execute(
            "INSERT INTO record_corrections (recording_id, field, old, new, actor, reason, at, audit_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![recording_id, field, old, new, actor.0, reason.trim(), at_s, seq as i64],
        )?;
        let system = Actor::system("correct");
        let state_after = match (state_before, blocked) {
            (RecordState::NeedsCorrection, false) => {
                crate::registry::apply(
                    &tx,
                    recording_id,
                    Event::Corrected,
                    &system,
                    at,
                    &format!("every printed field is valid after {field} was corrected"),
                )?
                .to
            }
            (RecordState::Received | RecordState::Unique | RecordState::AwaitingDecision, true) => {
                crate::registry::apply(
                    &tx,
                    recording_id,
                    Event::MarkNeedsCorrection,
                    &system,
                    at,
                    &format!("the correction of {field} left a printed field that is not valid"),
                )?
                .to
            }
            (s, _) => s,
        };
        let open_now = open_problems(&tx, recording_id)?
            .into_iter()
            .map(|(_, p)| p)
            .collect();
        tx.commit()?;
        Ok(CorrectionOutcome {
            recording_id: recording_id.to_string(),
            field,
            old,
            new,
            resolved: resolved
                .into_iter()
                .map(|(_, mut p)| {
                    p.resolved_seq = Some(seq);
                    p
                })
                .collect(),
            open: open_now,
            state_before,
            state_after,
            audit_seq: seq,
        })
    }

    /// Move quarantined rows that are readable under contract 1.1 into the registry, each with
    /// its problems and original bytes; the quarantine row stays and names the record it became
    /// (nothing is lost), and one audit entry commits to every move. `read` turns a stored row
    /// back into fields (the caller knows the file formats); a row with more than
    /// `max_problems` problems is left where it is — most likely its file had another column
    /// order, which the quarantine did not keep.
    pub fn readmit_quarantine(
        &mut self,
        mut read: impl FnMut(&[u8]) -> Option<Checked>,
        max_problems: usize,
        actor: &Actor,
        at: OffsetDateTime,
    ) -> Result<ReadmitReport> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (seq, _) = audit::tail(&tx)?;
        let rows: Vec<(i64, String, i64, Vec<u8>)> = {
            let sql = format!(
                "SELECT id, source, line, raw FROM quarantine
                 WHERE moved_to IS NULL AND reason_code NOT IN ({NOT_READMITTED}) ORDER BY id"
            );
            let mut stmt = tx.prepare(&sql)?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<Result<_, _>>()?
        };
        let mut report = ReadmitReport::default();
        let mut digest = blake3::Hasher::new();
        for (id, source, line, raw) in rows {
            report.examined += 1;
            let draft = match read(&raw) {
                Some(Checked::NeedsCorrection(d)) if d.problems.len() <= max_problems => d,
                _ => {
                    report.left += 1;
                    continue;
                }
            };
            if !crate::import::insert_draft(&tx, &draft, &raw, &source, line as u64, seq, false)? {
                report.left += 1;
                continue;
            }
            tx.execute(
                "UPDATE quarantine SET moved_to = ?2 WHERE id = ?1",
                params![id, draft.recording_id()],
            )?;
            report.moved += 1;
            if draft.blocks_printing() {
                report.held_for_correction += 1;
            }
            digest.update(&id.to_le_bytes());
            digest.update(draft.recording_id().as_bytes());
            digest.update(&draft.content_hash());
        }
        if report.moved > 0 {
            let detail = serde_json::json!({
                "examined": report.examined,
                "moved": report.moved,
                "held_for_correction": report.held_for_correction,
                "left": report.left,
                "digest": digest.finalize().to_hex().to_string(),
            });
            let written = audit::append(
                &tx,
                &AuditEntry {
                    seq,
                    at: rfc3339(at),
                    actor: actor.0.clone(),
                    action: "readmit_quarantine".into(),
                    subject: "quarantine".into(),
                    reason: "readable quarantined rows enter the registry (import contract 1.1)"
                        .into(),
                    detail: detail.to_string(),
                },
            )?;
            report.audit_seq = Some(written);
        }
        tx.commit()?;
        Ok(report)
    }

    /// The recording a quarantined row became, if it moved.
    pub fn quarantine_moved_to(&self, quarantine_id: i64) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT moved_to FROM quarantine WHERE id = ?1",
                [quarantine_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }
}
