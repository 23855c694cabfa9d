//! Import batches: records and quarantined rows written with their audit entry, atomically.

use cetak_domain::record::{ReasonCode, Record, Rejection};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use time::OffsetDateTime;

use crate::audit::{self, AuditEntry};
use crate::{Result, Store, StoreError, rfc3339};

pub use cetak_domain::record::ImportRow;

/// What one batch changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BatchOutcome {
    /// New records in the registry.
    pub imported: u64,
    /// New rows in quarantine (conflicts included).
    pub quarantined: u64,
    /// Rows already in the registry with the same content, or already in quarantine.
    pub already_present: u64,
    /// Of `quarantined`: a known `recording_id` with different content.
    pub conflicts: u64,
    /// Of `imported`: rows that entered the registry with problems (kept per field).
    pub needs_correction: u64,
    /// Of `needs_correction`: rows with a printed field that is not valid, held in
    /// `perlu_perbaikan` until corrected or found a duplicate.
    pub held_for_correction: u64,
    /// Of `imported`: recordings that came with media (contract v2), valid or not.
    pub with_media: u64,
}

impl std::ops::AddAssign for BatchOutcome {
    fn add_assign(&mut self, o: BatchOutcome) {
        self.imported += o.imported;
        self.quarantined += o.quarantined;
        self.already_present += o.already_present;
        self.conflicts += o.conflicts;
        self.needs_correction += o.needs_correction;
        self.held_for_correction += o.held_for_correction;
        self.with_media += o.with_media;
    }
}

/// A row in quarantine.
#[derive(Debug, Clone, Serialize)]
pub struct QuarantinedRow {
    /// Quarantine id.
    pub id: i64,
    /// File it came from.
    pub source: String,
    /// Line in that file.
    pub line: u64,
    /// Machine-readable reason.
    pub reason_code: String,
    /// Column at fault.
    pub field: Option<String>,
    /// Sentence for the operator.
    pub message: String,
    /// The original bytes (lossy UTF-8 for display).
    pub raw: String,
    /// Original length in bytes (larger than `raw` for oversized rows).
    pub raw_len: u64,
    /// When.
    pub quarantined_at: String,
}

const INSERT_RECORD: &str = "INSERT INTO record_fields (
    recording_id, nik, nama, tempat_lahir, tanggal_lahir, jenis_kelamin, golongan_darah, alamat, rt, rw,
    kelurahan, kecamatan, kabupaten_kota, provinsi, agama, status_perkawinan, pekerjaan, kewarganegaraan,
    nama_ibu, recorded_at, recording_site, jenis_permohonan, warnings, content_hash, source_line, audit_seq)
  VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
    ?21, ?22, ?23, ?24, ?25, ?26)
  ON CONFLICT (recording_id) DO NOTHING";

/// A new record's state row (migration 0008 keeps states in a narrow table of their own), right
/// after its fields went into `record_fields`.
const INSERT_STATE: &str = "INSERT INTO record_states (
    id, recording_id, first_time, waiting_since, state, blocked)
  VALUES (last_insert_rowid(), ?1, ?2 = 'BARU', ?3, ?4, ?5)";

const INSERT_PROBLEM: &str = "INSERT INTO record_problems (
    recording_id, code, field, message, original, blocking, found_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

const INSERT_ORIGINAL: &str =
    "INSERT INTO record_originals (recording_id, source, line, raw, raw_len)
  VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (recording_id) DO NOTHING";

const INSERT_QUARANTINE: &str = "INSERT INTO quarantine (
    raw_hash, source, line, reason_code, field, message, raw, raw_len, quarantined_at, audit_seq)
  VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
  ON CONFLICT (raw_hash) DO NOTHING";

/// An import transaction: rows added in several calls, committed at once with one audit entry
/// that commits to every row it added. Dropped without [`ImportTx::commit`], it writes nothing.
pub struct ImportTx<'a> {
    tx: rusqlite::Transaction<'a>,
    source: String,
    actor: String,
    at: String,
    seq: u64,
    out: BatchOutcome,
    digest: blake3::Hasher,
    lines: (u64, u64),
    pull_after: Option<(i64, String)>,
    parked: Vec<(i64, String, String)>,
    reviews: Vec<(String, String)>,
}

impl Store {
    /// Start an import transaction for rows from `source`.
    pub fn begin_import(
        &mut self,
        source: &str,
        actor: &str,
        at: OffsetDateTime,
    ) -> Result<ImportTx<'_>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (seq, _) = audit::tail(&tx)?;
        Ok(ImportTx {
            tx,
            source: source.to_string(),
            actor: actor.to_string(),
            at: rfc3339(at),
            seq,
            out: BatchOutcome::default(),
            digest: blake3::Hasher::new(),
            lines: (u64::MAX, 0),
            pull_after: None,
            parked: Vec::new(),
            reviews: Vec::new(),
        })
    }

    /// Write one batch of rows in a single transaction (see [`ImportTx`]). Rows already present
    /// change nothing; a batch that changes nothing writes no audit entry.
    pub fn import_batch(
        &mut self,
        source: &str,
        rows: &[ImportRow],
        actor: &str,
        at: OffsetDateTime,
    ) -> Result<BatchOutcome> {
        let mut tx = self.begin_import(source, actor, at)?;
        tx.add(rows)?;
        tx.commit()
    }
}

impl ImportTx<'_> {
    /// Rows added so far in this transaction.
    pub fn rows(&self) -> u64 {
        self.out.imported + self.out.quarantined + self.out.already_present
    }

    /// Add rows to the transaction.
    pub fn add(&mut self, rows: &[ImportRow]) -> Result<()> {
        let ImportTx {
            tx,
            source,
            at,
            seq,
            out,
            digest,
            lines,
            ..
        } = self;
        let (source, at, seq) = (source.as_str(), at.as_str(), *seq);
        let mut insert_record = tx.prepare_cached(INSERT_RECORD)?;
        let mut insert_state = tx.prepare_cached(INSERT_STATE)?;
        let mut insert_quarantine = tx.prepare_cached(INSERT_QUARANTINE)?;
        let mut existing_hash =
            tx.prepare_cached("SELECT content_hash FROM records WHERE recording_id = ?1")?;
        let mut quarantine = |line: u64,
                              raw: &[u8],
                              raw_len: u64,
                              r: &Rejection,
                              digest: &mut blake3::Hasher|
         -> Result<bool> {
            let raw_hash = blake3::hash(raw);
            let n = insert_quarantine.execute(params![
                &raw_hash.as_bytes()[..],
                source,
                line as i64,
                r.code.as_str(),
                r.field,
                r.message,
                raw,
                raw_len as i64,
                at,
                seq as i64
            ])?;
            if n == 1 {
                digest.update(b"q");
                digest.update(raw_hash.as_bytes());
            }
            Ok(n == 1)
        };
        for row in rows {
            let line = match row {
                ImportRow::Valid {
                    line,
                    record,
                    raw,
                    media,
                } => {
                    let hash = record.content_hash();
                    let held = media.as_ref().is_some_and(|m| m.blocks_printing());
                    if insert(
                        &mut insert_record,
                        &mut insert_state,
                        record,
                        &hash,
                        *line,
                        seq,
                        held,
                    )? {
                        out.imported += 1;
                        digest.update(b"r");
                        digest.update(record.recording_id.as_bytes());
                        digest.update(&hash);
                        if let Some(m) = media {
                            crate::media::insert_row_media(
                                tx,
                                &record.recording_id,
                                m,
                                seq,
                                digest,
                            )?;
                            out.with_media += 1;
                            if !m.problems().is_empty() {
                                out.needs_correction += 1;
                            }
                            if held {
                                out.held_for_correction += 1;
                            }
                        }
                    } else {
                        let stored: Option<Vec<u8>> = existing_hash
                            .query_row([&record.recording_id], |r| r.get(0))
                            .optional()?;
                        if stored.as_deref() == Some(&hash[..]) {
                            out.already_present += 1;
                        } else {
                            let r = Rejection::row(
                                ReasonCode::ConflictingRecording,
                                format!(
                                    "recording_id {} is already in the registry with different content",
                                    record.recording_id
                                ),
                            );
                            if quarantine(*line, raw, raw.len() as u64, &r, digest)? {
                                out.quarantined += 1;
                                out.conflicts += 1;
                            } else {
                                out.already_present += 1;
                            }
                        }
                    }
                    *line
                }
                ImportRow::NeedsCorrection {
                    line,
                    draft,
                    raw,
                    media,
                } => {
                    let hash = draft.content_hash();
                    let media_held = media.as_ref().is_some_and(|m| m.blocks_printing());
                    if insert_draft(tx, draft, raw, source, *line, seq, media_held)? {
                        out.imported += 1;
                        out.needs_correction += 1;
                        if draft.blocks_printing() || media_held {
                            out.held_for_correction += 1;
                        }
                        digest.update(b"c");
                        digest.update(draft.recording_id().as_bytes());
                        digest.update(&hash);
                        if let Some(m) = media {
                            crate::media::insert_row_media(
                                tx,
                                draft.recording_id(),
                                m,
                                seq,
                                digest,
                            )?;
                            out.with_media += 1;
                        }
                    } else {
                        let stored: Option<Vec<u8>> = existing_hash
                            .query_row([draft.recording_id()], |r| r.get(0))
                            .optional()?;
                        if stored.as_deref() == Some(&hash[..]) {
                            out.already_present += 1;
                        } else {
                            let r = Rejection::row(
                                ReasonCode::ConflictingRecording,
                                format!(
                                    "recording_id {} is already in the registry with different content",
                                    draft.recording_id()
                                ),
                            );
                            if quarantine(*line, raw, raw.len() as u64, &r, digest)? {
                                out.quarantined += 1;
                                out.conflicts += 1;
                            } else {
                                out.already_present += 1;
                            }
                        }
                    }
                    *line
                }
                ImportRow::Rejected {
                    line,
                    raw,
                    raw_len,
                    rejection,
                } => {
                    if quarantine(*line, raw, *raw_len, rejection, digest)? {
                        out.quarantined += 1;
                    } else {
                        out.already_present += 1;
                    }
                    *line
                }
            };
            lines.0 = lines.0.min(line);
            lines.1 = lines.1.max(line);
        }
        Ok(())
    }

    /// Rows pulled from the centre: move the pull cursor in this same transaction, so a crash
    /// leaves both the records and the cursor, or neither.
    /// `hash` is the centre's hash of the record at `after`: the next pull names it, so a
    /// centre with another history there is noticed.
    pub fn set_pull_cursor(&mut self, after: i64, hash: &str) {
        self.pull_after = Some((after, hash.to_string()));
    }

    /// A record the centre will never send (seq, recording id, reason): kept in `sync_parked`
    /// with this batch, so the cursor can move past it.
    pub fn park_record(&mut self, seq: i64, recording_id: &str, reason: &str) {
        self.parked
            .push((seq, recording_id.to_string(), reason.to_string()));
    }

    /// The centre says another office already issued this resident a card: once imported, the
    /// record waits for a supervisor as a duplicate candidate.
    pub fn flag_card_elsewhere(&mut self, recording_id: &str, office: &str) {
        self.reviews
            .push((recording_id.to_string(), office.to_string()));
    }

    /// Write the audit entry (if anything changed) and commit.
    pub fn commit(self) -> Result<BatchOutcome> {
        let out = self.out;
        if out.imported + out.quarantined > 0 {
            let detail = serde_json::json!({
                "lines": [self.lines.0, self.lines.1],
                "imported": out.imported,
                "quarantined": out.quarantined,
                "already_present": out.already_present,
                "needs_correction": out.needs_correction,
                "with_media": out.with_media,
                "digest": self.digest.finalize().to_hex().to_string(),
            });
            let entry = AuditEntry {
                seq: self.seq,
                at: self.at.clone(),
                actor: self.actor.clone(),
                action: "import_batch".into(),
                subject: self.source.clone(),
                reason: "print-ready records imported".into(),
                detail: detail.to_string(),
            };
            audit::append(&self.tx, &entry)?;
        }
        if let Some((after, hash)) = &self.pull_after {
            self.tx.execute(
                "UPDATE sync_state SET pull_hash = ?2, pull_after = ?1 WHERE id = 1 AND pull_after < ?1",
                params![after, hash],
            )?;
        }
        for (seq, recording_id, reason) in &self.parked {
            self.tx.execute(
                "INSERT OR IGNORE INTO sync_parked (kind, item, name, reason, parked_at)
                 VALUES ('record', ?1, ?2, ?3, ?4)",
                params![seq, recording_id, reason, self.at],
            )?;
        }
        let at =
            time::OffsetDateTime::parse(&self.at, &time::format_description::well_known::Rfc3339)
                .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
        for (recording_id, office) in &self.reviews {
            // A record that went to quarantine instead of the registry has nothing to review:
            // it waits there with its reason (and must never roll back the batch).
            let state = match crate::registry::state_of_conn(&self.tx, recording_id) {
                Err(StoreError::NoSuchRecord(_)) => continue,
                other => other?,
            };
            if matches!(
                state,
                cetak_domain::lifecycle::RecordState::Received
                    | cetak_domain::lifecycle::RecordState::Unique
            ) {
                crate::registry::apply(
                    &self.tx,
                    recording_id,
                    cetak_domain::lifecycle::Event::SendToReview,
                    &cetak_domain::lifecycle::Actor::system("sync"),
                    at,
                    &format!(
                        "the centre reports a card already issued to this NIK by office {office}"
                    ),
                )?;
            }
        }
        self.tx.commit()?;
        Ok(out)
    }
}

impl Store {
    /// Rows in quarantine, oldest first, optionally for one reason code.
    pub fn quarantine_list(
        &self,
        reason: Option<&str>,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<QuarantinedRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, source, line, reason_code, field, message, raw, raw_len, quarantined_at
             FROM quarantine WHERE moved_to IS NULL AND (?1 IS NULL OR reason_code = ?1)
             ORDER BY id LIMIT ?2 OFFSET ?3",
        )?;
        let rows = stmt.query_map(params![reason, limit, offset], |r| {
            let raw: Vec<u8> = r.get(6)?;
            Ok(QuarantinedRow {
                id: r.get(0)?,
                source: r.get(1)?,
                line: r.get::<_, i64>(2)? as u64,
                reason_code: r.get(3)?,
                field: r.get(4)?,
                message: r.get(5)?,
                raw: String::from_utf8_lossy(&raw).into_owned(),
                raw_len: r.get::<_, i64>(7)? as u64,
                quarantined_at: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Quarantined rows per reason code.
    pub fn quarantine_counts(&self) -> Result<Vec<(String, u64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT reason_code, count(*) FROM quarantine WHERE moved_to IS NULL
             GROUP BY reason_code ORDER BY 2 DESC",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every stored original row of quarantine, as bytes (the crash test compares them).
    pub fn quarantine_raw_rows(&self) -> Result<Vec<Vec<u8>>> {
        let mut stmt = self
            .conn
            .prepare("SELECT raw FROM quarantine ORDER BY id")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn insert(
    stmt: &mut rusqlite::CachedStatement<'_>,
    state: &mut rusqlite::CachedStatement<'_>,
    r: &Record,
    hash: &[u8; 32],
    line: u64,
    seq: u64,
    held: bool,
) -> Result<bool> {
    let warnings: Vec<&str> = r.warnings.iter().map(|w| w.as_str()).collect();
    let n = stmt.execute(params![
        r.recording_id,
        r.nik.as_str(),
        r.nama,
        r.tempat_lahir,
        r.tanggal_lahir.to_string(),
        r.jenis_kelamin.as_str(),
        r.golongan_darah,
        r.alamat,
        r.rt,
        r.rw,
        r.kelurahan,
        r.kecamatan,
        r.kabupaten_kota,
        r.provinsi,
        r.agama,
        r.status_perkawinan,
        r.pekerjaan,
        r.kewarganegaraan,
        r.nama_ibu,
        r.recorded_at_rfc3339(),
        r.recording_site,
        r.jenis_permohonan.as_str(),
        warnings.join(","),
        &hash[..],
        line as i64,
        seq as i64
    ])?;
    if n == 1 {
        state.execute(params![
            r.recording_id,
            r.jenis_permohonan.as_str(),
            r.recorded_at_rfc3339(),
            if held {
                cetak_domain::lifecycle::RecordState::NeedsCorrection
            } else {
                cetak_domain::lifecycle::RecordState::Received
            }
            .as_str(),
            held
        ])?;
    }
    Ok(n == 1)
}

/// Insert a readable row with problems: the record (held in `perlu_perbaikan` when a printed
/// field is not valid, else `received`), each problem and the original bytes. `false` when its
/// `recording_id` is already in the registry (nothing written).
pub(crate) fn insert_draft(
    tx: &rusqlite::Transaction<'_>,
    d: &cetak_domain::Draft,
    raw: &[u8],
    source: &str,
    line: u64,
    seq: u64,
    media_held: bool,
) -> Result<bool> {
    let f = &d.fields;
    let blocked = d.blocks_printing() || media_held;
    let state = if blocked {
        cetak_domain::lifecycle::RecordState::NeedsCorrection
    } else {
        cetak_domain::lifecycle::RecordState::Received
    };
    let warnings: Vec<&str> = d.warnings.iter().map(|w| w.as_str()).collect();
    let hash = d.content_hash();
    let n = tx.prepare_cached(INSERT_RECORD)?.execute(params![
        f[0],
        f[1],
        f[2],
        f[3],
        f[4],
        f[5],
        f[6],
        f[7],
        f[8],
        f[9],
        f[10],
        f[11],
        f[12],
        f[13],
        f[14],
        f[15],
        f[16],
        f[17],
        f[18],
        f[19],
        f[20],
        f[21],
        warnings.join(","),
        &hash[..],
        line as i64,
        seq as i64,
    ])?;
    if n == 0 {
        return Ok(false);
    }
    tx.prepare_cached(INSERT_STATE)?.execute(params![
        f[0],
        f[21],
        f[19],
        state.as_str(),
        blocked
    ])?;
    let mut problem = tx.prepare_cached(INSERT_PROBLEM)?;
    for p in &d.problems {
        problem.execute(params![
            d.recording_id(),
            p.code.as_str(),
            p.field,
            p.message,
            p.original,
            p.blocking,
            seq as i64
        ])?;
    }
    tx.prepare_cached(INSERT_ORIGINAL)?.execute(params![
        d.recording_id(),
        source,
        line as i64,
        raw,
        raw.len() as i64
    ])?;
    Ok(true)
}
