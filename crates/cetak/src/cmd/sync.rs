//! `cetak sync`: one round with the centre — push the outbox, then pull new records.
//! Retries with backoff and jitter inside the round; a round that cannot finish leaves every
//! committed step in place and says so (the next round goes on from there).

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use cetak_domain::record::COLUMNS;
use cetak_store::ImportRow;
use cetak_store::Store;
use cetak_sync::{
    Event, PROTOCOL_VERSION, PULL_BATCH, PUSH_BATCH, PullRequest, PullResponse, PushRequest,
    PushResponse,
};
use clap::Args as ClapArgs;
use rand::RngCore;

use super::{Context, open_store, print_json};
use crate::text::t;

#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The centre, e.g. http://centre.example:8443
    #[arg(long, env = "CETAK_CENTRAL")]
    central: String,
    /// This office's token (from `cetak central add-office`).
    #[arg(long, env = "CETAK_OFFICE_TOKEN")]
    token: String,
    /// Retries of one request before the round gives up.
    #[arg(long, default_value_t = 6)]
    retries: u32,
    /// Seconds to wait for one answer.
    #[arg(long, default_value_t = 30.0)]
    timeout_s: f64,
}

/// The office's summary of a round.
#[derive(Debug, Default, serde::Serialize)]
pub struct Round {
    pushed: u64,
    new_at_centre: u64,
    pulled: u64,
    flagged_card_elsewhere: u64,
    retries: u32,
    outbox_depth: u64,
    error: Option<String>,
}

struct Link {
    agent: ureq::Agent,
    base: String,
    token: String,
    retries: u32,
}

/// Why a request failed, by what it means for retrying.
enum Failure {
    /// Worth retrying (network, 5xx).
    Transient(String),
    /// Retrying cannot help (wrong token, version, malformed).
    Permanent(String),
}

impl Link {
    fn post<Req: serde::Serialize, Resp: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &Req,
        round: &mut Round,
    ) -> anyhow::Result<Resp> {
        let url = format!("{}{path}", self.base);
        let mut failures = 0;
        loop {
            let result = self
                .agent
                .post(&url)
                .header("authorization", &format!("Bearer {}", self.token))
                .send_json(body);
            let failure = match result {
                Ok(mut resp) => {
                    // Read the whole answer first: one cut off by the link (reset, timeout) is
                    // as transient as a failed request; only a complete answer that does not
                    // parse is malformed.
                    match resp
                        .body_mut()
                        .with_config()
                        .limit(cetak_sync::MAX_BODY as u64)
                        .read_to_vec()
                    {
                        Ok(bytes) => {
                            return serde_json::from_slice::<Resp>(&bytes)
                                .with_context(|| format!("malformed answer from {url}"));
                        }
                        Err(e @ ureq::Error::BodyExceedsLimit(_)) => {
                            Failure::Permanent(format!("answer from {url}: {e}"))
                        }
                        Err(e) => Failure::Transient(format!("answer from {url} cut off: {e}")),
                    }
                }
                Err(ureq::Error::StatusCode(code)) if (400..500).contains(&code) => {
                    Failure::Permanent(format!("the centre refused the request (HTTP {code})"))
                }
                Err(e) => Failure::Transient(e.to_string()),
            };
            match failure {
                Failure::Permanent(m) => bail!("{m}"),
                Failure::Transient(m) if failures >= self.retries => {
                    bail!("{m} (after {failures} retries)")
                }
                Failure::Transient(m) => {
                    let wait =
                        cetak_sync::backoff_ms(failures, 500, 30_000, rand::rng().next_u64());
                    tracing::warn!(%m, wait_ms = wait, "sync request failed; retrying");
                    std::thread::sleep(Duration::from_millis(wait));
                    failures += 1;
                    round.retries += 1;
                }
            }
        }
    }
}

/// One round against the centre on the office database at `db`; the round's summary, with
/// its error if it could not finish. The outcome is recorded for the dashboard.
pub fn one_round(
    db: &std::path::Path,
    central: &str,
    token: &str,
    retries: u32,
    timeout_s: f64,
) -> anyhow::Result<Round> {
    let mut store = open_store(db)?;
    let agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs_f64(timeout_s.clamp(0.1, 600.0))))
        .http_status_as_error(true)
        .build()
        .new_agent();
    let link = Link {
        agent,
        base: central.trim_end_matches('/').to_string(),
        token: token.trim().to_string(),
        retries,
    };
    let mut round = Round::default();
    let result = sync_round(&mut store, &link, &mut round);
    let now = super::office_now(&store)?;
    match &result {
        Ok(()) => store.sync_round(None, now)?,
        Err(e) => {
            round.error = Some(format!("{e:#}"));
            store.sync_round(Some(&format!("{e:#}")), now)?;
        }
    }
    round.outbox_depth = store.sync_status()?.outbox_depth;
    Ok(round)
}

/// Sync in the background for `cetak serve`: a round every `every`, and after a failure again
/// after a backoff with jitter (days offline catch up without anyone doing anything).
pub fn background(db: std::path::PathBuf, central: String, token: String, every: Duration) {
    std::thread::spawn(move || {
        let mut failures = 0u32;
        loop {
            let wait = match one_round(&db, &central, &token, 2, 30.0) {
                Ok(r) if r.error.is_none() => {
                    failures = 0;
                    every
                }
                Ok(r) => {
                    tracing::warn!(error = ?r.error, "sync round failed");
                    failures += 1;
                    Duration::from_millis(
                        cetak_sync::backoff_ms(failures, 2_000, 600_000, rand::rng().next_u64())
                            .max(500),
                    )
                }
                Err(e) => {
                    tracing::warn!("sync round failed: {e:#}");
                    failures += 1;
                    Duration::from_millis(
                        cetak_sync::backoff_ms(failures, 2_000, 600_000, rand::rng().next_u64())
                            .max(500),
                    )
                }
            };
            std::thread::sleep(wait);
        }
    });
}

pub fn run(ctx: &Context, a: Args) -> anyhow::Result<ExitCode> {
    let round = one_round(&ctx.db, &a.central, &a.token, a.retries, a.timeout_s)?;
    let ok = round.error.is_none();
    if ctx.json {
        print_json(&serde_json::to_value(&round)?)?;
    } else {
        outln!(
            "{}: {} {}, {} {}; {} {}{}",
            t("Sinkronisasi", "Sync"),
            round.pushed,
            t("kejadian dikirim", "events pushed"),
            round.pulled,
            t("rekaman diterima", "records pulled"),
            round.outbox_depth,
            t("menunggu di outbox", "waiting in the outbox"),
            round
                .error
                .as_ref()
                .map(|e| format!(" — {}: {e}", t("terhenti", "stopped")))
                .unwrap_or_default()
        )?;
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

fn sync_round(store: &mut Store, link: &Link, round: &mut Round) -> anyhow::Result<()> {
    // Push: the outbox, oldest first; the acknowledged position moves only after the centre
    // answered, so a lost answer means the same events go again (the centre keeps them once).
    loop {
        let batch = store.outbox(PUSH_BATCH)?;
        let Some(last) = batch.last().map(|e| e.seq) else {
            break;
        };
        let events: Vec<Event> = batch
            .iter()
            .map(|e| Event {
                key: format!("audit-{}", e.seq),
                kind: e.kind.clone(),
                at: e.at.clone(),
                body: e.body.clone(),
            })
            .collect();
        let sent = events.len() as u64;
        let resp: PushResponse = link.post(
            "/sync/v1/push",
            &PushRequest {
                version: PROTOCOL_VERSION,
                events,
            },
            round,
        )?;
        if resp.acknowledged.len() as u64 != sent {
            bail!(
                "the centre acknowledged {} of {sent} events",
                resp.acknowledged.len()
            );
        }
        store.sync_acknowledge(last)?;
        round.pushed += sent;
        round.new_at_centre += resp.new as u64;
    }
    // Pull: records after the cursor, committed with the cursor in one transaction.
    loop {
        let after = store.sync_status()?.pull_after;
        let resp: PullResponse = link.post(
            "/sync/v1/pull",
            &PullRequest {
                version: PROTOCOL_VERSION,
                after,
                limit: PULL_BATCH,
            },
            round,
        )?;
        let Some(last) = resp.records.last().map(|r| r.seq) else {
            break;
        };
        if resp.records.iter().any(|r| r.seq <= after) {
            bail!("the centre sent records at or before the cursor {after}");
        }
        let mut rows = Vec::with_capacity(resp.records.len());
        for (i, r) in resp.records.iter().enumerate() {
            if r.fields.len() != COLUMNS.len() {
                bail!(
                    "record {} from the centre has {} fields, not {}",
                    r.seq,
                    r.fields.len(),
                    COLUMNS.len()
                );
            }
            let raw = r.fields.join(",").into_bytes();
            let fields: [&str; 22] = std::array::from_fn(|k| r.fields[k].as_str());
            // The same rules as a file (contract 1.1): a readable record with field problems
            // enters the registry needing correction.
            rows.push(match cetak_domain::Record::check(&fields) {
                cetak_domain::Checked::Valid(record) => ImportRow::Valid {
                    line: i as u64 + 1,
                    record,
                    raw,
                },
                cetak_domain::Checked::NeedsCorrection(draft) => ImportRow::NeedsCorrection {
                    line: i as u64 + 1,
                    draft,
                    raw,
                },
                cetak_domain::Checked::Unreadable(rejection) => ImportRow::Rejected {
                    line: i as u64 + 1,
                    raw_len: raw.len() as u64,
                    raw,
                    rejection,
                },
            });
        }
        let source = format!("central:{}-{}", resp.records[0].seq, last);
        let at = super::office_now(store)?;
        let mut tx = store.begin_import(&source, "system:sync", at)?;
        tx.add(&rows)?;
        tx.set_pull_cursor(last);
        for r in &resp.records {
            if let Some(office) = &r.card_issued_by {
                tx.flag_card_elsewhere(&r.fields[0], office);
                round.flagged_card_elsewhere += 1;
            }
        }
        tx.commit()?;
        round.pulled += resp.records.len() as u64;
        if !resp.more {
            break;
        }
    }
    Ok(())
}
