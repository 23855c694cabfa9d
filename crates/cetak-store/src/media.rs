//! The person on the card in the registry: photos, signatures and fingerprint templates stored
//! once per content hash, linked to recordings per slot, attached and erased with an audit
//! entry, and read by a person only through an audited view.
//!
//! A photo or signature that is missing or invalid is an open, blocking problem of the
//! recording (field = the slot's name), so the one rule that keeps invalid records out of the
//! print queue (`record_states.blocked`) covers media too.

use crate::Change;
use cetak_domain::lifecycle::{Actor, Event, RecordState};
use cetak_domain::media::{MediaItem, MediaSlot, MediaVerdict, RowMedia};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use serde::Serialize;
use time::OffsetDateTime;

use crate::audit;
use crate::{Result, Store, StoreError};

/// One slot of a recording's media, without the bytes.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MediaInfo {
    /// `foto`, `tanda_tangan`, `jari-02`, …
    pub slot: String,
    /// BLAKE3 of the content, hex.
    pub hash: String,
    /// MIME type (`application/octet-stream` for content that is not valid).
    pub mime: String,
    /// Bytes.
    pub size: u64,
    /// Whether it passed its check.
    pub valid: bool,
    /// Pixels (images), 0 for templates.
    pub width: u32,
    /// Pixels (images), 0 for templates.
    pub height: u32,
    /// The check's code when not valid.
    pub problem: Option<String>,
}

/// What an attach changed.
#[derive(Debug, Clone, Serialize)]
pub struct AttachOutcome {
    /// The recording.
    pub recording_id: String,
    /// The slot.
    pub slot: String,
    /// Whether the new content passed its check.
    pub valid: bool,
    /// The check's code when not.
    pub problem: Option<String>,
    /// State before and after (a recording whose last blocking problem went away goes back to
    /// `received`, through data ganda before it can be queued).
    pub state_before: RecordState,
    /// See `state_before`.
    pub state_after: RecordState,
    /// The audit entry.
    pub audit_seq: u64,
}

/// What an erasure removed.
#[derive(Debug, Clone, Serialize)]
pub struct EraseOutcome {
    /// The recording.
    pub recording_id: String,
    /// Links removed (current and replaced).
    pub links: u64,
    /// Contents removed because no recording names them any more.
    pub contents: u64,
    /// Bytes of content removed.
    pub bytes: u64,
    /// Kept original rows cleared because they carried media (NDJSON v2).
    pub originals: u64,
    /// The audit entry.
    pub audit_seq: u64,
}

const MIME_UNKNOWN: &str = "application/octet-stream";

/// Writes a content once; returns its hash.
fn put_blob(tx: &Transaction<'_>, bytes: &[u8], mime: &str) -> Result<[u8; 32]> {
    let hash = *blake3::hash(bytes).as_bytes();
    tx.prepare_cached(
        "INSERT INTO media_blobs (hash, mime, size, bytes) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (hash) DO NOTHING",
    )?
    .execute(params![&hash[..], mime, bytes.len() as i64, bytes])?;
    Ok(hash)
}

fn link(
    tx: &Transaction<'_>,
    recording_id: &str,
    item: &MediaItem,
    hash: &[u8; 32],
    seq: u64,
) -> Result<()> {
    let (valid, width, height, problem) = match &item.verdict {
        MediaVerdict::Valid { width, height, .. } => (true, *width, *height, None),
        MediaVerdict::Invalid { code, .. } => (false, 0, 0, Some(code.as_str())),
        MediaVerdict::Unchecked => (false, 0, 0, Some("media_unchecked")),
    };
    tx.prepare_cached(
        "INSERT INTO record_media (recording_id, slot, hash, valid, width, height, problem, attached_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        recording_id,
        item.slot.name(),
        &hash[..],
        valid,
        width,
        height,
        problem,
        seq as i64
    ])?;
    Ok(())
}

fn mime_of(item: &MediaItem) -> &str {
    match &item.verdict {
        MediaVerdict::Valid { mime, .. } => mime,
        _ => MIME_UNKNOWN,
    }
}

/// Opens a media problem (field = the slot's name; a media problem keeps no original text:
/// the bytes are in `record_media`).
fn open_problem(
    tx: &Transaction<'_>,
    recording_id: &str,
    (code, field, message, blocking): (&str, &str, &str, bool),
    seq: u64,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO record_problems (recording_id, code, field, message, original, blocking, found_seq)
         VALUES (?1, ?2, ?3, ?4, '', ?5, ?6)",
    )?
    .execute(params![recording_id, code, field, message, blocking, seq as i64])?;
    Ok(())
}

/// Stores the media that came with a new recording (in the import's transaction) and its
/// problems; feeds each content's hash to the import's digest.
pub(crate) fn insert_row_media(
    tx: &Transaction<'_>,
    recording_id: &str,
    media: &RowMedia,
    seq: u64,
    digest: &mut blake3::Hasher,
) -> Result<()> {
    for item in &media.items {
        let hash = put_blob(tx, &item.bytes, mime_of(item))?;
        link(tx, recording_id, item, &hash, seq)?;
        digest.update(b"m");
        digest.update(item.slot.name().as_bytes());
        digest.update(&hash);
    }
    for (code, field, message, blocking) in media.problems() {
        open_problem(tx, recording_id, (&code, &field, &message, blocking), seq)?;
    }
    Ok(())
}

fn state_of(tx: &Transaction<'_>, recording_id: &str) -> Result<RecordState> {
    crate::registry::state_of_conn(tx, recording_id)
}

/// Recomputes `blocked` from the open problems and moves the state as a correction would.
fn settle(
    tx: &Transaction<'_>,
    recording_id: &str,
    before: RecordState,
    at: OffsetDateTime,
    why: &str,
) -> Result<RecordState> {
    let blocked: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM record_problems
                        WHERE recording_id = ?1 AND resolved_seq IS NULL AND blocking)",
        [recording_id],
        |r| r.get(0),
    )?;
    tx.execute(
        "UPDATE record_states SET blocked = ?2
         WHERE id = (SELECT id FROM record_fields WHERE recording_id = ?1)",
        params![recording_id, blocked],
    )?;
    let system = Actor::system("media");
    Ok(match (before, blocked) {
        (RecordState::NeedsCorrection, false) => {
            crate::registry::apply(tx, recording_id, Event::Corrected, &system, at, why)?.to
        }
        (RecordState::Received | RecordState::Unique | RecordState::AwaitingDecision, true) => {
            crate::registry::apply(
                tx,
                recording_id,
                Event::MarkNeedsCorrection,
                &system,
                at,
                why,
            )?
            .to
        }
        (s, _) => s,
    })
}

/// States in which the media of a recording may be replaced: no card exists and it is not
/// queued or at a printer (the card in the queue must be the card that was checked).
const ATTACHABLE: [RecordState; 5] = [
    RecordState::NeedsCorrection,
    RecordState::Received,
    RecordState::Unique,
    RecordState::Duplicate,
    RecordState::AwaitingDecision,
];

impl Store {
    /// The current media of a recording, without the bytes (no audit: nothing personal is shown).
    pub fn media_list(&self, recording_id: &str) -> Result<Vec<MediaInfo>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.slot, m.hash, b.mime, b.size, m.valid, m.width, m.height, m.problem
             FROM record_media m JOIN media_blobs b ON b.hash = m.hash
             WHERE m.recording_id = ?1 AND m.replaced_seq IS NULL ORDER BY m.slot",
        )?;
        let rows = stmt.query_map([recording_id], |r| {
            Ok(MediaInfo {
                slot: r.get(0)?,
                hash: hex::encode(r.get::<_, Vec<u8>>(1)?),
                mime: r.get(2)?,
                size: r.get::<_, i64>(3)? as u64,
                valid: r.get(4)?,
                width: r.get(5)?,
                height: r.get(6)?,
                problem: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The valid content of a slot for the machine (card rendering, chip encoding): no person
    /// sees it, so no audit entry. `None` when the slot is empty or not valid.
    pub fn media_for_card(&self, recording_id: &str, slot: MediaSlot) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT b.bytes FROM record_media m JOIN media_blobs b ON b.hash = m.hash
                 WHERE m.recording_id = ?1 AND m.slot = ?2 AND m.replaced_seq IS NULL AND m.valid",
            )?
            .query_row(params![recording_id, slot.name()], |r| r.get(0))
            .optional()?)
    }

    /// A person looks at a photo, signature or template: the bytes and their MIME type, with an
    /// audit entry (`media_view`: who, which recording and slot, why) written first. `None`
    /// (and no entry) when the slot is empty.
    pub fn media_view(
        &mut self,
        recording_id: &str,
        slot: MediaSlot,
        actor: &Actor,
        purpose: &str,
        at: OffsetDateTime,
    ) -> Result<Option<(String, Vec<u8>)>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: Option<(String, Vec<u8>, Vec<u8>)> = tx
            .query_row(
                "SELECT b.mime, b.bytes, b.hash FROM record_media m JOIN media_blobs b ON b.hash = m.hash
                 WHERE m.recording_id = ?1 AND m.slot = ?2 AND m.replaced_seq IS NULL",
                params![recording_id, slot.name()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((mime, bytes, hash)) = found else {
            return Ok(None);
        };
        audit::record(
            &tx,
            at,
            actor,
            "media_view",
            recording_id,
            purpose,
            serde_json::json!({"slot": slot.name(), "hash": hex::encode(hash)}),
        )?;
        tx.commit()?;
        Ok(Some((mime, bytes)))
    }

    /// Attaches new content to a slot (a new photo after a bad one, a template recorded again):
    /// the current content is replaced (kept, marked replaced), the slot's open problems close,
    /// a new problem opens if the content is not valid, and the recording's state follows as
    /// for a field correction. `item` must have been checked.
    pub fn media_attach(
        &mut self,
        recording_id: &str,
        item: &MediaItem,
        change: Change<'_>,
    ) -> Result<AttachOutcome> {
        let Change { actor, at, reason } = change;
        crate::require_reason(reason)?;
        if item.verdict == MediaVerdict::Unchecked {
            return Err(StoreError::Refused(
                "isi media belum diperiksa / the content has not been checked".into(),
            ));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before = state_of(&tx, recording_id)?;
        if !ATTACHABLE.contains(&before) {
            return Err(StoreError::Conflict(format!(
                "media perekaman {recording_id} tidak dapat diganti ({0}): hanya sebelum masuk antrean cetak / the media of recording {recording_id} cannot be replaced ({1}): only before it is queued for printing",
                before.describe().0,
                before.describe().1
            )));
        }
        let slot = item.slot.name();
        let hash_new = *blake3::hash(&item.bytes).as_bytes();
        let (valid, problem) = match &item.verdict {
            MediaVerdict::Invalid { code, .. } => (false, Some(code.clone())),
            _ => (true, None),
        };
        let seq = audit::record(
            &tx,
            at,
            actor,
            "media_attach",
            recording_id,
            reason.trim(),
            serde_json::json!({
                "slot": slot,
                "hash": hex::encode(hash_new),
                "size": item.bytes.len(),
                "valid": valid,
                "problem": problem,
            }),
        )?;
        tx.execute(
            "UPDATE record_media SET replaced_seq = ?3
             WHERE recording_id = ?1 AND slot = ?2 AND replaced_seq IS NULL",
            params![recording_id, slot, seq as i64],
        )?;
        put_blob(&tx, &item.bytes, mime_of(item))?;
        link(&tx, recording_id, item, &hash_new, seq)?;
        tx.execute(
            "UPDATE record_problems SET resolved_seq = ?3
             WHERE recording_id = ?1 AND field = ?2 AND resolved_seq IS NULL",
            params![recording_id, slot, seq as i64],
        )?;
        if let MediaVerdict::Invalid { code, message } = &item.verdict {
            open_problem(
                &tx,
                recording_id,
                (code, &slot, message, item.slot.printed()),
                seq,
            )?;
        }
        let after = settle(
            &tx,
            recording_id,
            before,
            at,
            &format!(
                "{slot} attached: {}",
                if valid { "valid" } else { "not valid" }
            ),
        )?;
        tx.commit()?;
        Ok(AttachOutcome {
            recording_id: recording_id.to_string(),
            slot,
            valid,
            problem,
            state_before: before,
            state_after: after,
            audit_seq: seq,
        })
    }

    /// Erases a recording's photo, signature and templates (UU PDP: biometric data is specific
    /// personal data, erased on a lawful request): every link, current and replaced, every
    /// content no other recording names, and the kept original row when it carried media —
    /// the store runs with SQLite's secure delete, so freed content is zeroed, and the log
    /// is checkpointed and truncated afterwards. The audit entry keeps who,
    /// why and what was erased (slots and hashes, never content). A recording without a card
    /// is held (`perlu_perbaikan`) until a new photo and signature are attached; one that is
    /// queued or at a printer must be taken out of the queue first.
    pub fn media_erase(&mut self, recording_id: &str, change: Change<'_>) -> Result<EraseOutcome> {
        let Change { actor, at, reason } = change;
        crate::require_reason(reason)?;
        let out = self.media_erase_inner(recording_id, actor, reason, at)?;
        // The erased pages' old images still sit in the write-ahead log until a checkpoint
        // overwrites them: checkpoint now and truncate the log. Best effort — a reader that
        // holds an old snapshot delays it to its next checkpoint.
        if let Err(e) = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        {
            tracing::warn!("checkpoint after erasure: {e}");
        }
        Ok(out)
    }

    fn media_erase_inner(
        &mut self,
        recording_id: &str,
        actor: &Actor,
        reason: &str,
        at: OffsetDateTime,
    ) -> Result<EraseOutcome> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before = state_of(&tx, recording_id)?;
        if matches!(before, RecordState::Queued | RecordState::Printing) {
            return Err(StoreError::Conflict(format!(
                "perekaman {recording_id} sedang {0}: keluarkan dari antrean dulu / recording {recording_id} is {1}: take it out of the queue first",
                before.describe().0,
                before.describe().1
            )));
        }
        let linked: Vec<(String, Vec<u8>)> = tx
            .prepare("SELECT slot, hash FROM record_media WHERE recording_id = ?1 ORDER BY id")?
            .query_map([recording_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let originals_with_media: Vec<i64> = tx
            .prepare(
                "SELECT rowid FROM record_originals WHERE recording_id = ?1
                   AND (instr(raw, '\"foto\"') > 0 OR instr(raw, '\"tanda_tangan\"') > 0
                        OR instr(raw, '\"sidik_jari\"') > 0)",
            )?
            .query_map([recording_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if linked.is_empty() && originals_with_media.is_empty() {
            return Err(StoreError::NotFound(format!(
                "perekaman {recording_id} tidak punya foto, tanda tangan atau sidik jari tersimpan / recording {recording_id} has no stored photo, signature or fingerprints"
            )));
        }
        let seq = audit::record(
            &tx,
            at,
            actor,
            "media_erase",
            recording_id,
            reason.trim(),
            serde_json::json!({
                "erased": linked.iter().map(|(s, h)| format!("{s}:{}", hex::encode(h))).collect::<Vec<_>>(),
                "originals": originals_with_media.len(),
            }),
        )?;
        let links = tx.execute(
            "DELETE FROM record_media WHERE recording_id = ?1",
            [recording_id],
        )?;
        // The chips written for the recording's cards carry the same photo, signature and
        // templates (chip dumps, `chip_encodings`): erased with them.
        tx.execute(
            "DELETE FROM chip_encodings WHERE attempt_id IN
               (SELECT id FROM print_attempts WHERE recording_id = ?1)",
            [recording_id],
        )?;
        let mut contents = 0u64;
        let mut bytes = 0u64;
        let mut seen = std::collections::HashSet::new();
        for (_, hash) in &linked {
            if !seen.insert(hash.clone()) {
                continue;
            }
            let still_named: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM record_media WHERE hash = ?1)",
                [hash],
                |r| r.get(0),
            )?;
            if !still_named {
                let size: Option<i64> = tx
                    .query_row(
                        "SELECT size FROM media_blobs WHERE hash = ?1",
                        [hash],
                        |r| r.get(0),
                    )
                    .optional()?;
                contents += tx.execute("DELETE FROM media_blobs WHERE hash = ?1", [hash])? as u64;
                bytes += size.unwrap_or(0) as u64;
            }
        }
        for rowid in &originals_with_media {
            tx.execute(
                "UPDATE record_originals SET raw = CAST('' AS BLOB) WHERE rowid = ?1",
                [rowid],
            )?;
        }
        if matches!(
            before,
            RecordState::Received
                | RecordState::Unique
                | RecordState::AwaitingDecision
                | RecordState::NeedsCorrection
        ) {
            tx.execute(
                "UPDATE record_problems SET resolved_seq = ?2
                 WHERE recording_id = ?1 AND resolved_seq IS NULL
                   AND field IN ('foto', 'tanda_tangan')",
                params![recording_id, seq as i64],
            )?;
            for slot in [MediaSlot::Foto, MediaSlot::TandaTangan] {
                let (code, message) = (
                    format!("{}_missing", slot.kind()),
                    format!(
                        "the {} was erased on request; attach a new one",
                        slot.kind()
                    ),
                );
                open_problem(
                    &tx,
                    recording_id,
                    (&code, &slot.name(), &message, true),
                    seq,
                )?;
            }
            settle(&tx, recording_id, before, at, "media erased on request")?;
        }
        tx.commit()?;
        Ok(EraseOutcome {
            recording_id: recording_id.to_string(),
            links: links as u64,
            contents,
            bytes,
            originals: originals_with_media.len() as u64,
            audit_seq: seq,
        })
    }

    /// Contents stored and their bytes, and recordings with media (for status and benchmarks).
    pub fn media_totals(&self) -> Result<(u64, u64, u64)> {
        Ok(self.conn.query_row(
            "SELECT (SELECT count(*) FROM media_blobs), (SELECT coalesce(sum(size), 0) FROM media_blobs),
                    (SELECT count(DISTINCT recording_id) FROM record_media WHERE replaced_seq IS NULL)",
            [],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64, r.get::<_, i64>(2)? as u64)),
        )?)
    }
}
