//! Dedup's inputs and outcomes in the registry: which recordings to compare, the pairs found
//! with their evidence, supervisors' decisions, and the state changes that follow.

use crate::Change;
use cetak_dedup::finger::Prints;
use cetak_dedup::{Decision, DedupResult, Outcome, Recording};
use cetak_domain::lifecycle::{Actor, Event, RecordState};
use cetak_domain::regions::regions;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use time::OffsetDateTime;

use crate::audit::{self, AuditEntry};
use crate::registry::{Target, apply_from};
use crate::{Result, Store, StoreError, rfc3339};

/// What a dedup run changed, in recordings.
#[derive(Debug, Default, Clone, Serialize)]
pub struct DedupSummary {
    /// Recordings that are (now) duplicates of a surviving recording.
    pub auto_linked: u64,
    /// Recordings waiting for a supervisor's decision.
    pub awaiting_decision: u64,
    /// Recordings with no other recording of their person (survivors included).
    pub unique: u64,
    /// Recordings with a card already, left as they are.
    pub with_card: u64,
    /// Pairs waiting for a supervisor.
    pub review_pairs: u64,
    /// State changes written (each with its audit entry).
    pub transitions: u64,
    /// Recordings with a printed field that is not valid and no clean recording of their
    /// person: they wait in `perlu_perbaikan` for a correction (`cetak correct list`).
    pub needs_correction: u64,
    /// Of `auto_linked`: recordings needing correction resolved as a duplicate of a clean
    /// recording of the same person (nobody has to correct them).
    pub resolved_without_correction: u64,
}

/// A pair for the review pages and commands.
#[derive(Debug, Clone, Serialize)]
pub struct PairView {
    /// Pair id (for `review show` / `review decide`).
    pub id: i64,
    /// One recording id.
    pub a: String,
    /// The other.
    pub b: String,
    /// `link` or `review`.
    pub kind: String,
    /// Match probability.
    pub probability: f64,
    /// Per-field evidence (JSON array of {field, level, weight}).
    pub evidence: serde_json::Value,
    /// Why it waits.
    pub why: Option<String>,
    /// The supervisor's decision, if any: (same person?, reason, who).
    pub decision: Option<(bool, String, String)>,
}

/// A record's stored state as dedup read it.
#[derive(Debug, Clone)]
pub struct Stored {
    /// Lifecycle state.
    pub state: RecordState,
    /// Current survivor, for a duplicate.
    pub duplicate_of: Option<String>,
    /// The record's row.
    pub row: i64,
    /// A printed field is not valid: it can be linked as a duplicate, never marked unique.
    pub blocked: bool,
}

const HAS_CARD: [RecordState; 3] = [
    RecordState::Printing,
    RecordState::Printed,
    RecordState::Issued,
];

impl Store {
    /// Every recording dedup should see (all but cancelled ones), with their states, and the
    /// decisions taken so far.
    pub fn dedup_input(&self) -> Result<(Vec<Recording>, Vec<Stored>, Vec<Decision>)> {
        let mut stmt = self.conn.prepare(
            "SELECT recording_id, nik, nama, tanggal_lahir, jenis_kelamin, tempat_lahir, nama_ibu, alamat,
                    kecamatan, kelurahan, recorded_at, state, duplicate_of, id, blocked
             FROM records WHERE state != 'cancelled' ORDER BY id",
        )?;
        let mut rows = stmt.query([])?;
        let (mut recs, mut states) = (Vec::new(), Vec::new());
        while let Some(r) = rows.next()? {
            let state_s: String = r.get(11)?;
            let state = RecordState::parse(&state_s)
                .ok_or_else(|| StoreError::Corrupt(format!("state {state_s:?}")))?;
            let kecamatan: String = r.get(8)?;
            let kelurahan: String = r.get(9)?;
            // Held for correction: blocked, and (should the two ever disagree) still in
            // perlu_perbaikan, which only a correction leaves.
            let blocked = r.get::<_, bool>(14)? || state == RecordState::NeedsCorrection;
            recs.push(Recording {
                id: r.get(0)?,
                nik: r.get(1)?,
                nama: r.get(2)?,
                tanggal_lahir: r.get(3)?,
                female: r.get::<_, String>(4)? == "PEREMPUAN",
                tempat_lahir: r.get(5)?,
                nama_ibu: r.get(6)?,
                alamat: r.get(7)?,
                kelurahan: regions()
                    .palembang_kelurahan_code(&kecamatan, &kelurahan)
                    .unwrap_or(kelurahan),
                recorded_at: r.get(10)?,
                has_card: HAS_CARD.contains(&state),
                needs_correction: blocked,
            });
            states.push(Stored {
                state,
                duplicate_of: r.get(12)?,
                row: r.get(13)?,
                blocked,
            });
        }
        let mut stmt = self
            .conn
            .prepare("SELECT a, b, same FROM dedup_decisions")?;
        let decisions = stmt
            .query_map([], |r| {
                Ok(Decision {
                    a: r.get(0)?,
                    b: r.get(1)?,
                    same: r.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok((recs, states, decisions))
    }

    /// Each recording's index-finger templates (positions 2 and 7, the valid current ones),
    /// parsed once for dedup: `prints[i]` for `recs[i]`. A template that does not parse counts
    /// as missing (the import validated it, so this only happens to a damaged registry); their
    /// number is returned beside.
    pub fn dedup_prints(&self, recs: &[Recording]) -> Result<(Vec<Prints>, u64)> {
        use std::collections::HashMap;
        let mut stmt = self.conn.prepare(
            "SELECT m.recording_id, m.slot, b.bytes FROM record_media m JOIN media_blobs b ON b.hash = m.hash
             WHERE m.slot IN ('jari-02', 'jari-07') AND m.replaced_seq IS NULL AND m.valid",
        )?;
        let mut rows = stmt.query([])?;
        let mut found: HashMap<String, [Option<Vec<u8>>; 2]> = HashMap::new();
        while let Some(r) = rows.next()? {
            let (id, slot, bytes): (String, String, Vec<u8>) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let at = usize::from(slot == "jari-07");
            found.entry(id).or_default()[at] = Some(bytes);
        }
        if found.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let mut refused = 0;
        let prints = recs
            .iter()
            .map(|r| match found.get(&r.id) {
                Some([a, b]) => {
                    let (p, errors) = Prints::parse(a.as_deref(), b.as_deref());
                    refused += errors.len() as u64;
                    p
                }
                None => Prints::none(),
            })
            .collect();
        Ok((prints, refused))
    }

    /// Write a run's pairs and move every recording to the state the run decided, in one
    /// transaction with an audit entry per change and one for the run.
    pub fn apply_dedup(
        &mut self,
        recs: &[Recording],
        states: &[Stored],
        result: &DedupResult,
        actor: &Actor,
        at: OffsetDateTime,
    ) -> Result<DedupSummary> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut chain = audit::Chain::load(&tx)?;
        let mut s = DedupSummary {
            review_pairs: result.review.len() as u64,
            ..DedupSummary::default()
        };
        for (i, outcome) in result.outcomes.iter().enumerate() {
            let (rec, state) = (&recs[i], states[i].state);
            if HAS_CARD.contains(&state) {
                s.with_card += 1;
                continue;
            }
            // A recording with a printed field that is not valid is resolved only as the
            // duplicate of another recording; otherwise it waits for its correction (its
            // unclear pairs still go to the supervisor, who may link it).
            if states[i].blocked {
                let event = match outcome {
                    Outcome::Duplicate { survivor } => {
                        s.auto_linked += 1;
                        s.resolved_without_correction += 1;
                        let survivor = &recs[*survivor as usize].id;
                        let current = states[i].duplicate_of.as_deref();
                        (state != RecordState::Duplicate || current != Some(survivor.as_str()))
                            .then(|| {
                                (
                                    Event::MarkDuplicate {
                                        survivor: survivor.clone(),
                                    },
                                    format!(
                                        "needs correction, but is another recording of the person of {survivor}, which is kept"
                                    ),
                                )
                            })
                    }
                    Outcome::Unique | Outcome::AwaitingDecision => {
                        s.needs_correction += 1;
                        (state != RecordState::NeedsCorrection).then(|| {
                            (
                                Event::MarkNeedsCorrection,
                                "a printed field needs correction and no clean recording of this person was found"
                                    .to_string(),
                            )
                        })
                    }
                };
                if let Some((event, reason)) = event {
                    let target = Target {
                        recording_id: &rec.id,
                        row: Some(states[i].row),
                    };
                    apply_from(&tx, &mut chain, target, state, event, actor, at, &reason)?;
                    s.transitions += 1;
                }
                continue;
            }
            let event =
                match outcome {
                    Outcome::Unique => {
                        s.unique += 1;
                        match state {
                            RecordState::Received
                            | RecordState::AwaitingDecision
                            | RecordState::Duplicate => Some((
                                Event::MarkUnique,
                                "no other recording of this person found".to_string(),
                            )),
                            _ => None,
                        }
                    }
                    Outcome::Duplicate { survivor } => {
                        s.auto_linked += 1;
                        let survivor = &recs[*survivor as usize].id;
                        let current = states[i].duplicate_of.as_deref();
                        (state != RecordState::Duplicate
                        || current != Some(survivor.as_str()))
                    .then(|| {
                        (
                            Event::MarkDuplicate {
                                survivor: survivor.clone(),
                            },
                            format!("another recording of the person of {survivor}, which is kept"),
                        )
                    })
                    }
                    Outcome::AwaitingDecision => {
                        s.awaiting_decision += 1;
                        (state != RecordState::AwaitingDecision).then(|| {
                            (
                                Event::SendToReview,
                                "possible duplicate: a supervisor decides".to_string(),
                            )
                        })
                    }
                };
            if let Some((event, reason)) = event {
                let target = Target {
                    recording_id: &rec.id,
                    row: Some(states[i].row),
                };
                apply_from(&tx, &mut chain, target, state, event, actor, at, &reason)?;
                s.transitions += 1;
            }
        }
        let seq = chain.next_seq();
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO dedup_pairs (a, b, kind, probability, evidence, why, run_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (a, b) DO UPDATE SET kind = excluded.kind, probability = excluded.probability,
                   evidence = excluded.evidence, why = excluded.why, run_seq = excluded.run_seq",
            )?;
            // In key order: the (a, b) index then grows at its end instead of at random
            // places (a million-row run writes some 400,000 pairs).
            let mut rows: Vec<(&str, &str, &str, &cetak_dedup::ScoredPair)> = Vec::new();
            for (kind, pairs) in [("link", &result.links), ("review", &result.review)] {
                for p in pairs {
                    let (a, b) = (&recs[p.a as usize].id, &recs[p.b as usize].id);
                    let (a, b) = if a <= b { (a, b) } else { (b, a) };
                    rows.push((a, b, kind, p));
                }
            }
            rows.sort_unstable_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)));
            let mut evidence = String::new();
            for (a, b, kind, p) in rows {
                compact_evidence(&p.evidence, &mut evidence);
                insert.execute(params![
                    a,
                    b,
                    kind,
                    p.probability,
                    evidence,
                    p.why,
                    seq as i64
                ])?;
            }
        }
        // A pair keeps its id across runs (supervisors refer to it); pairs this run no longer
        // finds are dropped.
        tx.execute("DELETE FROM dedup_pairs WHERE run_seq != ?1", [seq as i64])?;
        let detail = serde_json::json!({
            "compared_pairs": result.compared,
            "links": result.links.len(),
            "review_pairs": result.review.len(),
            "summary": &s,
            "lambda": result.model.lambda,
        });
        chain.append(
            &tx,
            &AuditEntry {
                seq,
                at: rfc3339(at),
                actor: actor.0.clone(),
                action: "dedup_run".into(),
                subject: "registry".into(),
                reason: "duplicate recordings searched".into(),
                detail: detail.to_string(),
            },
        )?;
        tx.commit()?;
        Ok(s)
    }

    /// Pairs of the latest run: `review` pairs still open by default — those holding back a
    /// card first (a recording of the pair awaits the decision), then the resident who has
    /// waited longest (the pair's earliest recording), then the most likely — or every pair,
    /// decided ones included, most likely first.
    pub fn dedup_pairs(&self, only_open_reviews: bool, limit: u32) -> Result<Vec<PairView>> {
        let sql = if only_open_reviews {
            "SELECT p.id, p.a, p.b, p.kind, p.probability, p.evidence, p.why, d.same, d.reason, d.actor
             FROM dedup_pairs p LEFT JOIN dedup_decisions d ON d.a = p.a AND d.b = p.b
               LEFT JOIN records ra ON ra.recording_id = p.a
               LEFT JOIN records rb ON rb.recording_id = p.b
             WHERE p.kind = 'review' AND d.a IS NULL
             ORDER BY (coalesce(ra.state, '') = 'awaiting_decision' OR coalesce(rb.state, '') = 'awaiting_decision') DESC,
               min(coalesce(ra.recorded_at, ''), coalesce(rb.recorded_at, '')), p.probability DESC, p.id
             LIMIT ?1"
        } else {
            "SELECT p.id, p.a, p.b, p.kind, p.probability, p.evidence, p.why, d.same, d.reason, d.actor
             FROM dedup_pairs p LEFT JOIN dedup_decisions d ON d.a = p.a AND d.b = p.b
             ORDER BY p.probability DESC, p.id LIMIT ?1"
        };
        let mut stmt = self.conn.prepare(sql)?;
        let rows = stmt.query_map([limit], pair_view)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One page of the review pairs still open (as [`Store::dedup_pairs`] orders them), and
    /// how many are open in all.
    pub fn open_reviews_page(&self, offset: u64, limit: u32) -> Result<(Vec<PairView>, u64)> {
        let mut stmt = self.conn.prepare(
            "SELECT p.id, p.a, p.b, p.kind, p.probability, p.evidence, p.why, d.same, d.reason, d.actor
             FROM dedup_pairs p LEFT JOIN dedup_decisions d ON d.a = p.a AND d.b = p.b
             WHERE p.kind = 'review' AND d.a IS NULL ORDER BY p.probability DESC, p.id LIMIT ?1 OFFSET ?2",
        )?;
        let rows = stmt
            .query_map(params![limit, offset as i64], pair_view)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let total: i64 = self.conn.query_row(
            "SELECT count(*) FROM dedup_pairs p LEFT JOIN dedup_decisions d ON d.a = p.a AND d.b = p.b
             WHERE p.kind = 'review' AND d.a IS NULL",
            [],
            |r| r.get(0),
        )?;
        Ok((rows, total as u64))
    }

    /// Recordings' names (`recording_id` → `nama`), for lists that show people, not ids.
    pub fn record_names(&self, ids: &[&str]) -> Result<std::collections::HashMap<String, String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT nama FROM records WHERE recording_id = ?1")?;
        let mut names = std::collections::HashMap::new();
        for id in ids {
            if let Some(n) = stmt.query_row([id], |r| r.get::<_, String>(0)).optional()? {
                names.insert((*id).to_string(), n);
            }
        }
        Ok(names)
    }

    /// A pair as the supervisor saw it, by its id, with when it was decided (if it was). A
    /// decided pair stays viewable after a later dedup run dropped it: the decision's audit
    /// entry keeps the pair's id, probability and evidence.
    pub fn pair_for_view(&self, id: i64) -> Result<Option<(PairView, Option<String>)>> {
        let decided_at = |a: &str, b: &str| -> Result<Option<String>> {
            Ok(self
                .conn
                .query_row(
                    "SELECT at FROM dedup_decisions WHERE a = ?1 AND b = ?2",
                    [a, b],
                    |r| r.get(0),
                )
                .optional()?)
        };
        if let Some(p) = self.dedup_pair(id)? {
            let at = if p.decision.is_some() {
                decided_at(&p.a, &p.b)?
            } else {
                None
            };
            return Ok(Some((p, at)));
        }
        let found: Option<(String, String, bool, String, String, String, String)> = self
            .conn
            .query_row(
                "SELECT d.a, d.b, d.same, d.reason, d.actor, d.at, l.detail
                 FROM audit_log l JOIN dedup_decisions d ON d.audit_seq = l.seq
                 WHERE l.action IN ('decide_same_person', 'decide_different_people')
                   AND json_extract(l.detail, '$.pair') = ?1
                 ORDER BY l.seq DESC LIMIT 1",
                [id],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                },
            )
            .optional()?;
        Ok(found.map(|(a, b, same, reason, actor, at, detail)| {
            let detail: serde_json::Value = serde_json::from_str(&detail).unwrap_or_default();
            (
                PairView {
                    id,
                    a,
                    b,
                    kind: "review".into(),
                    probability: detail["probability"].as_f64().unwrap_or(0.0),
                    evidence: detail["evidence"].clone(),
                    why: None,
                    decision: Some((same, reason, actor)),
                },
                Some(at),
            )
        }))
    }

    /// One pair by id.
    pub fn dedup_pair(&self, id: i64) -> Result<Option<PairView>> {
        Ok(self
            .conn
            .query_row(
                "SELECT p.id, p.a, p.b, p.kind, p.probability, p.evidence, p.why, d.same, d.reason, d.actor
                 FROM dedup_pairs p LEFT JOIN dedup_decisions d ON d.a = p.a AND d.b = p.b WHERE p.id = ?1",
                [id],
                pair_view,
            )
            .optional()?)
    }

    /// Open review pairs grouped by their evidence pattern (each field's level and why the
    /// pair waits), largest group first, each with up to `sample` pairs to look at: pairs of
    /// one pattern are one question, so a supervisor can answer it once
    /// ([`Store::decide_pair_group`]).
    pub fn dedup_pair_groups(&self, sample: usize) -> Result<Vec<PairGroup>> {
        let open = self.dedup_pairs(true, u32::MAX)?;
        let mut groups: Vec<PairGroup> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = Default::default();
        for p in open {
            let key = pattern_of(&p);
            let at = *index.entry(key.clone()).or_insert_with(|| {
                groups.push(PairGroup {
                    pattern: key,
                    why: p.why.clone(),
                    pairs: 0,
                    min_probability: p.probability,
                    max_probability: p.probability,
                    sample: Vec::new(),
                });
                groups.len() - 1
            });
            let g = &mut groups[at];
            g.pairs += 1;
            g.min_probability = g.min_probability.min(p.probability);
            g.max_probability = g.max_probability.max(p.probability);
            if g.sample.len() < sample {
                g.sample.push(p);
            }
        }
        groups.sort_by(|a, b| b.pairs.cmp(&a.pairs).then(a.pattern.cmp(&b.pattern)));
        Ok(groups)
    }

    /// Decide every open review pair of one evidence pattern at once (after looking at a
    /// sample): one audited decision per pair, in one transaction, each naming the group.
    /// Returns the pairs decided.
    pub fn decide_pair_group(
        &mut self,
        pattern: &str,
        same: bool,
        change: Change<'_>,
    ) -> Result<u64> {
        let Change { actor, at, reason } = change;
        crate::require_reason(reason)?;
        let pairs: Vec<PairView> = self
            .dedup_pairs(true, u32::MAX)?
            .into_iter()
            .filter(|p| pattern_of(p) == pattern)
            .collect();
        if pairs.is_empty() {
            return Err(StoreError::NotFound(format!(
                "no open review pair has the evidence pattern {pattern:?}"
            )));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut chain = audit::Chain::load(&tx)?;
        let reason = format!("{} (group decision: {pattern})", reason.trim());
        let action = if same {
            "decide_same_person"
        } else {
            "decide_different_people"
        };
        for pair in &pairs {
            record_decision(&tx, &mut chain, pair, same, &reason, action, actor, at)?;
        }
        tx.commit()?;
        Ok(pairs.len() as u64)
    }

    /// Record a supervisor's decision about a pair awaiting review (audited; never asked
    /// again; a "different people" decision is never overridden by a later run). A pair the
    /// engine linked automatically is refused: overruling a link is its own, deliberate act
    /// ([`Store::overrule_link`]).
    pub fn decide_pair(&mut self, id: i64, same: bool, change: Change<'_>) -> Result<PairView> {
        let Change { actor, at, reason } = change;
        let pair = self.pair_for_decision(id, reason)?;
        if pair.kind == "link" {
            return Err(StoreError::Conflict(format!(
                "pair {id} was linked automatically; to overrule the link: cetak review overrule {id} --reason … --yes"
            )));
        }
        let action = if same {
            "decide_same_person"
        } else {
            "decide_different_people"
        };
        self.record_decision(&pair, same, reason, action, actor, at)
    }

    /// Overrule an automatic link: the two recordings are different people after all
    /// (audited as `overrule_automatic_link`; a later run never links them again). Only for a
    /// pair of kind `link`.
    pub fn overrule_link(&mut self, id: i64, change: Change<'_>) -> Result<PairView> {
        let Change { actor, at, reason } = change;
        let pair = self.pair_for_decision(id, reason)?;
        if pair.kind != "link" {
            return Err(StoreError::Conflict(format!(
                "pair {id} was not linked automatically; decide it with: cetak review decide {id}"
            )));
        }
        self.record_decision(&pair, false, reason, "overrule_automatic_link", actor, at)
    }

    fn pair_for_decision(&self, id: i64, reason: &str) -> Result<PairView> {
        crate::require_reason(reason)?;
        self.dedup_pair(id)?
            .ok_or_else(|| StoreError::NoSuchRecord(format!("pair {id}")))
    }

    fn record_decision(
        &mut self,
        pair: &PairView,
        same: bool,
        reason: &str,
        action: &str,
        actor: &Actor,
        at: OffsetDateTime,
    ) -> Result<PairView> {
        let id = pair.id;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut chain = audit::Chain::load(&tx)?;
        record_decision(
            &tx,
            &mut chain,
            pair,
            same,
            reason.trim(),
            action,
            actor,
            at,
        )?;
        tx.commit()?;
        self.dedup_pair(id)?
            .ok_or_else(|| StoreError::NoSuchRecord(format!("pair {id}")))
    }

    /// `recording_id → cluster_id` for every recording, as decided so far: a duplicate belongs
    /// to its survivor's cluster, everyone else (awaiting a decision included) stands alone.
    pub fn clusters(&self, mut each: impl FnMut(&str, &str) -> std::io::Result<()>) -> Result<u64> {
        let mut stmt = self.conn.prepare(
            "SELECT recording_id, CASE WHEN state = 'duplicate' AND duplicate_of IS NOT NULL THEN duplicate_of ELSE recording_id END
             FROM records ORDER BY id",
        )?;
        let mut rows = stmt.query([])?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            let (id, cluster): (String, String) = (r.get(0)?, r.get(1)?);
            each(&id, &cluster).map_err(StoreError::Output)?;
            n += 1;
        }
        Ok(n)
    }
}

/// Open review pairs that share an evidence pattern: one question for a supervisor.
#[derive(Debug, Clone, Serialize)]
pub struct PairGroup {
    /// Each field's level and why the pairs wait, e.g.
    /// `nama=fuzzy tanggal_lahir=exact … | the evidence is not conclusive either way`.
    pub pattern: String,
    /// Why they wait.
    pub why: Option<String>,
    /// Open pairs in the group.
    pub pairs: u64,
    /// Lowest match probability in the group.
    pub min_probability: f64,
    /// Highest.
    pub max_probability: f64,
    /// A few pairs to look at before deciding the group.
    pub sample: Vec<PairView>,
}

/// The evidence pattern of a pair (see [`PairGroup::pattern`]).
fn pattern_of(p: &PairView) -> String {
    let levels: Vec<String> = p
        .evidence
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            format!(
                "{}={}",
                e["field"].as_str().unwrap_or("?"),
                e["level"].as_str().unwrap_or("?")
            )
        })
        .collect();
    format!("{} | {}", levels.join(" "), p.why.as_deref().unwrap_or(""))
}

/// Write one decision with its audit entry inside the caller's transaction.
#[allow(clippy::too_many_arguments)]
fn record_decision(
    tx: &rusqlite::Transaction<'_>,
    chain: &mut audit::Chain,
    pair: &PairView,
    same: bool,
    reason: &str,
    action: &str,
    actor: &Actor,
    at: OffsetDateTime,
) -> Result<()> {
    let at_s = rfc3339(at);
    let seq = chain.append(
        tx,
        &AuditEntry {
            seq: 0,
            at: at_s.clone(),
            actor: actor.0.clone(),
            action: action.into(),
            subject: format!("{} {}", pair.a, pair.b),
            reason: reason.into(),
            detail: serde_json::json!({ "pair": pair.id, "kind": pair.kind, "probability": pair.probability, "evidence": pair.evidence }).to_string(),
        },
    )?;
    tx.prepare_cached(
        "INSERT INTO dedup_decisions (a, b, same, reason, actor, at, audit_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (a, b) DO UPDATE SET same = excluded.same, reason = excluded.reason, actor = excluded.actor,
           at = excluded.at, audit_seq = excluded.audit_seq",
    )?
    .execute(params![pair.a, pair.b, same, reason, actor.0, at_s, seq as i64])?;
    Ok(())
}

fn pair_view(r: &rusqlite::Row<'_>) -> rusqlite::Result<PairView> {
    let evidence: String = r.get(5)?;
    let same: Option<bool> = r.get(7)?;
    Ok(PairView {
        id: r.get(0)?,
        a: r.get(1)?,
        b: r.get(2)?,
        kind: r.get(3)?,
        probability: r.get(4)?,
        evidence: expand_evidence(&evidence),
        why: r.get(6)?,
        decision: match same {
            Some(s) => Some((s, r.get(8)?, r.get(9)?)),
            None => None,
        },
    })
}

/// The names of the fields a stored evidence lists, in order: the demographic fields, then
/// the prints when the pair has them.
fn evidence_field(i: usize) -> Option<(&'static str, &'static [&'static str])> {
    use cetak_dedup::{finger, model};
    match i {
        i if i < model::FIELDS => Some((model::FIELD_NAMES[i], model::LEVELS[i])),
        i if i == model::FIELDS => Some((finger::FIELD, &finger::LEVELS)),
        _ => None,
    }
}

/// A pair's evidence as stored, form 2: `2;6303211;18.13,14.12,-1.95,…` — each field's level
/// as one digit (its index among the field's levels, `m` for missing), then the weights, in
/// the fields' fixed order ([`evidence_field`]). A million-row run writes some 400,000 pairs:
/// at about 50 bytes this is a quarter of the named form (`[["nama","exact",17.67],…]`, which
/// databases written before it hold) and less to write and sync. [`expand_evidence`] gives
/// readers the object form.
fn compact_evidence(evidence: &cetak_dedup::Evidence, out: &mut String) {
    use std::fmt::Write;
    let fields = evidence.fields();
    out.clear();
    out.push_str("2;");
    for (i, e) in fields.iter().enumerate() {
        let index = evidence_field(i)
            .and_then(|(_, levels)| levels.iter().position(|l| *l == e.level))
            .and_then(|l| char::from_digit(l as u32, 10));
        out.push(index.unwrap_or('m'));
    }
    out.push(';');
    for (i, e) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if e.weight.is_finite() {
            let _ = write!(out, "{}", e.weight);
        } else {
            out.push_str("null"); // as serde_json writes a non-finite number
        }
    }
}

/// Stored evidence as `[{field, level, weight}, …]`, from form 2, from the named form or from
/// the object form that older databases hold; anything else is given back as it is.
fn expand_evidence(stored: &str) -> serde_json::Value {
    if let Some(form2) = stored.strip_prefix("2;") {
        return expand_form2(form2)
            .unwrap_or_else(|| serde_json::Value::String(stored.to_string()));
    }
    let v: serde_json::Value = serde_json::from_str(stored).unwrap_or(serde_json::Value::Null);
    match v {
        serde_json::Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                serde_json::Value::Array(t) if t.len() == 3 => serde_json::json!({
                    "field": t[0], "level": t[1], "weight": t[2]
                }),
                other => other,
            })
            .collect(),
        other => other,
    }
}

fn expand_form2(form2: &str) -> Option<serde_json::Value> {
    let (levels, weights) = form2.split_once(';')?;
    let weights: Vec<&str> = weights.split(',').collect();
    if weights.len() != levels.chars().count() {
        return None;
    }
    levels
        .chars()
        .zip(weights)
        .enumerate()
        .map(|(i, (level, weight))| {
            let (field, names) = evidence_field(i)?;
            let level = match level {
                'm' => "missing",
                d => names.get(d.to_digit(10)? as usize)?,
            };
            let weight = match weight {
                "null" => serde_json::Value::Null,
                w => serde_json::json!(w.parse::<f64>().ok()?),
            };
            Some(serde_json::json!({ "field": field, "level": level, "weight": weight }))
        })
        .collect::<Option<Vec<_>>>()
        .map(serde_json::Value::Array)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: &str, nik: &str, nama: &str) -> Recording {
        Recording {
            id: id.into(),
            nik: nik.into(),
            nama: nama.into(),
            tanggal_lahir: "1980-03-14".into(),
            female: false,
            tempat_lahir: "PALEMBANG".into(),
            nama_ibu: "SITI AMINAH".into(),
            alamat: "JL. MERDEKA NO. 1".into(),
            kelurahan: "16710101".into(),
            recorded_at: id.into(),
            has_card: false,
            needs_correction: false,
        }
    }

    #[test]
    fn stored_evidence_reads_back_as_the_object_form() {
        // A small town for the model to learn from, and one person recorded twice.
        let given = [
            "AHMAD", "BUDI", "CITRA", "DEWI", "EKO", "FITRI", "GILANG", "HENDRA",
        ];
        let family = [
            "FAUZI", "SANTOSO", "LESTARI", "WIJAYA", "HARAHAP", "SIREGAR",
        ];
        let mut recs: Vec<Recording> = Vec::new();
        for (i, g) in given.iter().enumerate() {
            for (j, f) in family.iter().enumerate() {
                let n = i * family.len() + j;
                let mut r = person(
                    &format!("R{n:03}"),
                    &format!("16710114{:02}80{n:04}", 1 + n % 12),
                    &format!("{g} {f}"),
                );
                r.tanggal_lahir = format!("19{:02}-{:02}-14", 50 + n % 40, 1 + n % 12);
                r.nama_ibu = format!("IBU {f} {g}");
                r.alamat = format!("JL. MERDEKA NO. {n}");
                recs.push(r);
            }
        }
        let mut again = recs[9].clone();
        again.id = "R999".into();
        again.nama = again.nama.replace('I', "Y");
        recs.push(again);
        let result = cetak_dedup::run(&recs, &[], &cetak_dedup::Config::default());
        let pair = result
            .links
            .iter()
            .chain(&result.review)
            .next()
            .expect("the two AHMADs pair up");
        let mut stored = String::new();
        compact_evidence(&pair.evidence, &mut stored);
        let object_form = serde_json::to_value(pair.evidence).expect("serialises");
        assert!(stored.starts_with("2;"), "{stored}");
        assert!(stored.len() * 3 < object_form.to_string().len(), "{stored}");
        assert_eq!(expand_evidence(&stored), object_form);
        // Databases written before form 2 hold the named form or the object form: read as
        // they are.
        let named: Vec<serde_json::Value> = pair
            .evidence
            .fields()
            .iter()
            .map(|e| serde_json::json!([e.field, e.level, e.weight]))
            .collect();
        assert_eq!(
            expand_evidence(&serde_json::Value::Array(named).to_string()),
            object_form
        );
        assert_eq!(expand_evidence(&object_form.to_string()), object_form);
        // A damaged form 2 is shown as it is, never misread.
        for damaged in [
            "2;",
            "2;63;1.5",
            "2;69;1.5,2",
            "2;6x;1,2",
            "2;66666666666;1,1,1,1,1,1,1,1,1,1,1",
            "2;63;1.5,abc",
        ] {
            assert_eq!(
                expand_evidence(damaged),
                serde_json::json!(damaged),
                "{damaged}"
            );
        }
    }
}
