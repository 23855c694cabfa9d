//! `cetak sync`: one round with the centre — push the outbox, then pull new records.
//! Retries with backoff and jitter inside the round; a transfer that stalls is retried with a
//! smaller batch; a round that cannot finish leaves every committed step in place and says so
//! (the next round goes on from there). After a restore on either side the centre answers
//! `history_differs` (or a new epoch) and the round pushes and pulls again from the start —
//! idempotent at both ends — and says so loudly.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use cetak_domain::media::{MediaItem, MediaSlot, MediaVerdict, RowMedia};
use cetak_domain::record::COLUMNS;
use cetak_store::ImportRow;
use cetak_store::Store;
use cetak_sync::{
    Anchor, BatchBudget, EpochCheck, ErrorBody, Event, PROTOCOL_VERSION, PULL_BATCH, PUSH_BATCH,
    PullRequest, PullResponse, PushRequest, PushResponse,
};
use clap::Args as ClapArgs;
use rand::RngCore;

use super::{Context, open_store, print_json};
use crate::text::t;

#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    pub link: LinkArgs,
    /// Retries of one request before the round gives up.
    #[arg(long, default_value_t = 6)]
    retries: u32,
    /// Seconds without a byte in either direction before a transfer counts as stalled.
    #[arg(long, default_value_t = 30.0)]
    timeout_s: f64,
}

/// How the office reaches the centre (shared by `cetak sync` and `cetak serve`).
#[derive(Debug, Clone, ClapArgs)]
pub struct LinkArgs {
    /// The centre, e.g. https://centre.example:8443
    #[arg(long, env = "CETAK_CENTRAL")]
    pub central: Option<String>,
    /// A file holding this office's token (from `cetak central add-office`); or set CETAK_OFFICE_TOKEN.
    #[arg(long)]
    pub token_file: Option<PathBuf>,
    /// Allow a plain http:// centre (the token and the records travel unencrypted).
    #[arg(long)]
    pub insecure_http: bool,
    /// Trust only this certificate authority (PEM) for the centre (a private CA), not the public ones.
    #[arg(long)]
    pub ca_file: Option<PathBuf>,
}

/// A centre and this office's token, checked.
#[derive(Debug, Clone)]
pub struct Centre {
    base: String,
    token: String,
    /// PEM of an extra certificate authority to trust.
    ca: Option<Vec<u8>>,
}

impl LinkArgs {
    /// The centre to talk to, if one is configured: the token comes from `--token-file` or
    /// the environment (never the command line, where `ps` shows it), and a plain http://
    /// centre needs `--insecure-http`.
    pub fn centre(&self) -> anyhow::Result<Option<Centre>> {
        let Some(url) = &self.central else {
            return Ok(None);
        };
        let url = url.trim().trim_end_matches('/');
        if url.starts_with("http://") && !self.insecure_http {
            bail!(
                "{}",
                t(
                    "pusat memakai http:// tanpa enkripsi: token dan data warga akan terbaca di jalan. Pakai https://, atau --insecure-http bila memang disengaja",
                    "the centre is plain http://: the token and residents' data would travel readable. Use https://, or --insecure-http if you mean it"
                )
            );
        }
        if !url.starts_with("http://") && !url.starts_with("https://") {
            bail!(
                "{}: {url}",
                t("alamat pusat tidak dikenal", "not a centre URL")
            );
        }
        let token = match (&self.token_file, std::env::var("CETAK_OFFICE_TOKEN")) {
            (Some(f), _) => std::fs::read_to_string(f).with_context(|| {
                format!(
                    "{} {}",
                    t("membaca token dari", "reading the token from"),
                    f.display()
                )
            })?,
            (None, Ok(v)) => v,
            (None, Err(_)) => bail!(
                "{}",
                t(
                    "token kantor tidak ada: --token-file BERKAS atau CETAK_OFFICE_TOKEN",
                    "no office token: --token-file FILE or CETAK_OFFICE_TOKEN"
                )
            ),
        };
        let token = token.trim().to_string();
        if token.is_empty() {
            bail!("{}", t("token kantor kosong", "the office token is empty"));
        }
        let ca = match &self.ca_file {
            Some(f) => Some(std::fs::read(f).with_context(|| f.display().to_string())?),
            None => None,
        };
        Ok(Some(Centre {
            base: url.to_string(),
            token,
            ca,
        }))
    }
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
    /// Records the centre said still wait after this round.
    waiting_at_centre: Option<u64>,
    /// Events the centre can never store, parked in this round.
    parked_events: u64,
    /// Records the centre will never send, parked in this round.
    parked_records: u64,
    /// Events the centre already held with other content (this office was restored).
    forks: u64,
    /// Why the office pushed or pulled again from the start in this round.
    rewound: Vec<String>,
    error: Option<String>,
    /// The kind of permanent fault that stopped the round: token, version, refused, history.
    fault: Option<String>,
}

struct Link {
    agent: ureq::Agent,
    centre: Centre,
    retries: u32,
}

/// Why one request failed.
enum Failure {
    /// Worth retrying (network, 5xx, a damaged answer); `stalled`: a smaller batch may help.
    Transient { message: String, stalled: bool },
    /// The centre answered with a cause (4xx): `ErrorBody.code` says what the office can do.
    Refused { status: u16, body: ErrorBody },
}

/// A round stopped by something retrying cannot fix (the fault's kind, for the dashboard).
#[derive(Debug)]
struct Permanent {
    kind: &'static str,
    message: String,
}

impl std::fmt::Display for Permanent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Permanent {}

fn permanent(status: u16, body: &ErrorBody) -> anyhow::Error {
    let kind = match status {
        401 | 403 => "token",
        400 | 404 if body.error.contains("not supported") || status == 404 => "version",
        409 => "history",
        _ => "refused",
    };
    Permanent {
        kind,
        message: format!(
            "{} (HTTP {status}): {}",
            t("pusat menolak permintaan", "the centre refused the request"),
            body.error
        ),
    }
    .into()
}

/// What went wrong on the link, in the office's words (the error's own text is English and
/// technical; it goes to the log).
fn link_fault_words(e: &ureq::Error) -> &'static str {
    use std::io::ErrorKind;
    match e {
        ureq::Error::Timeout(_) | ureq::Error::BodyStalled => t(
            "waktu habis, jaringan tidak menjawab",
            "timed out, the network did not answer",
        ),
        ureq::Error::HostNotFound => t(
            "nama server pusat tidak ditemukan (DNS)",
            "the centre's host name was not found (DNS)",
        ),
        ureq::Error::ConnectionFailed => t("tidak dapat tersambung", "could not connect"),
        ureq::Error::Io(io) => match io.kind() {
            ErrorKind::ConnectionRefused => t(
                "sambungan ditolak (server pusat tidak berjalan di alamat itu?)",
                "connection refused (is the centre's server running at that address?)",
            ),
            ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::BrokenPipe
            | ErrorKind::UnexpectedEof => t("sambungan terputus", "the connection broke"),
            ErrorKind::TimedOut => t(
                "waktu habis, jaringan tidak menjawab",
                "timed out, the network did not answer",
            ),
            ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => t(
                "jaringan ke pusat tidak tersedia",
                "no network route to the centre",
            ),
            // getaddrinfo's failure has no kind of its own.
            _ if io.to_string().contains("lookup address") => t(
                "nama server pusat tidak ditemukan (DNS)",
                "the centre's host name was not found (DNS)",
            ),
            _ => t("gangguan jaringan", "a network fault"),
        },
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) => t(
            "sambungan aman (TLS) gagal: periksa sertifikat pusat dan --ca-file",
            "the secure connection (TLS) failed: check the centre's certificate and --ca-file",
        ),
        ureq::Error::BodyExceedsLimit(_) => t("jawaban terlalu besar", "the answer is too large"),
        ureq::Error::BadUri(_) | ureq::Error::RequireHttpsOnly(_) | ureq::Error::TlsRequired => t(
            "alamat pusat tidak dapat dipakai",
            "the centre's address cannot be used",
        ),
        _ => t("gangguan pada sambungan ke pusat", "a fault on the link"),
    }
}

impl Link {
    /// One attempt.
    fn attempt<Req: serde::Serialize, Resp: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &Req,
    ) -> Result<Resp, Failure> {
        let url = format!("{}{path}", self.centre.base);
        let transient = |e: ureq::Error| {
            // The technical detail goes to the log (RUST_LOG=debug); the person reads what
            // happened, in words.
            tracing::debug!(url = %url, detail = %e, "link to the centre failed");
            Failure::Transient {
                stalled: matches!(
                    e,
                    ureq::Error::Timeout(_)
                        | ureq::Error::BodyExceedsLimit(_)
                        | ureq::Error::BodyStalled
                ),
                message: format!(
                    "{} {url}: {}",
                    t(
                        "pusat tidak dapat dihubungi:",
                        "the centre cannot be reached:"
                    ),
                    link_fault_words(&e)
                ),
            }
        };
        let mut resp = self
            .agent
            .post(&url)
            .header("authorization", &format!("Bearer {}", self.centre.token))
            .send_json(body)
            .map_err(transient)?;
        let status = resp.status().as_u16();
        // Read the whole answer first: one cut off by the link (reset, stall) is as transient
        // as a failed request, and so is one too large (the next batch is smaller).
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(cetak_sync::MAX_BODY as u64)
            .read_to_vec()
            .map_err(transient)?;
        if (400..500).contains(&status) {
            let body = serde_json::from_slice::<ErrorBody>(&bytes).unwrap_or_else(|_| ErrorBody {
                error: String::from_utf8_lossy(&bytes).chars().take(300).collect(),
                supported_versions: vec![],
                code: None,
                epoch: None,
                rejected: vec![],
            });
            return Err(Failure::Refused { status, body });
        }
        if status >= 300 {
            return Err(Failure::Transient {
                message: format!(
                    "{} {url}: HTTP {status}",
                    t("pusat sedang bermasalah:", "the centre has a problem:")
                ),
                stalled: false,
            });
        }
        serde_json::from_slice::<Resp>(&bytes).map_err(|e| {
            tracing::debug!(url = %url, detail = %e, "malformed answer from the centre");
            Failure::Transient {
                message: format!("{} {url}", t("jawaban rusak dari", "malformed answer from")),
                stalled: false,
            }
        })
    }

    /// After a failed attempt: wait and say whether to try again. A stalled transfer first
    /// shrinks the batch (and is tried again at once); other failures count against the
    /// retries.
    fn again(
        &self,
        message: &str,
        stalled: bool,
        budget: &mut BatchBudget,
        failures: &mut u32,
        round: &mut Round,
    ) -> anyhow::Result<()> {
        round.retries += 1;
        if stalled && budget.shrink() {
            tracing::warn!(%message, bytes = budget.bytes(), "transfer stalled; smaller batches");
            return Ok(());
        }
        if *failures >= self.retries {
            bail!(
                "{message} ({} {failures} {})",
                t("setelah", "after"),
                t("kali percobaan ulang", "retries")
            );
        }
        let wait = cetak_sync::backoff_ms(*failures, 500, 30_000, rand::rng().next_u64());
        tracing::warn!(%message, wait_ms = wait, "sync request failed; retrying");
        std::thread::sleep(Duration::from_millis(wait));
        *failures += 1;
        Ok(())
    }
}

/// One round against the centre on the office database at `db`; the round's summary, with
/// its error if it could not finish. The outcome is recorded for the dashboard.
pub fn one_round(
    db: &Path,
    centre: &Centre,
    retries: u32,
    timeout_s: f64,
) -> anyhow::Result<Round> {
    let mut store = open_store(db)?;
    let stall = Duration::from_secs_f64(timeout_s.clamp(0.1, 600.0));
    // Timeouts on inactivity, not on the whole transfer: a slow line that keeps moving
    // finishes its batch.
    let mut config = ureq::Agent::config_builder();
    if let Some(pem) = &centre.ca {
        let mut roots: Vec<ureq::tls::Certificate<'static>> = Vec::new();
        for item in ureq::tls::parse_pem(pem) {
            if let ureq::tls::PemItem::Certificate(c) = item.context("the --ca-file")? {
                roots.push(c);
            }
        }
        config = config.tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(roots)))
                .build(),
        );
    }
    let agent = config
        .timeout_connect(Some(stall))
        .timeout_per_read(Some(stall))
        .timeout_per_write(Some(stall))
        .http_status_as_error(false)
        .build()
        .new_agent();
    let link = Link {
        agent,
        centre: centre.clone(),
        retries,
    };
    let mut round = Round::default();
    let result = sync_round(&mut store, &link, &mut round);
    let now = super::office_now(&store)?;
    match &result {
        Ok(()) => store.sync_round(None, None, now)?,
        Err(e) => {
            let fault = e.downcast_ref::<Permanent>().map(|p| p.kind);
            round.error = Some(format!("{e:#}"));
            round.fault = fault.map(str::to_string);
            store.sync_round(Some(&format!("{e:#}")), fault, now)?;
        }
    }
    round.outbox_depth = store.sync_status()?.outbox_depth;
    Ok(round)
}

/// Sync in the background for `cetak serve`: a round every `every`, and after a failure again
/// after a backoff with jitter (days offline catch up without anyone doing anything).
pub fn background(db: PathBuf, centre: Centre, every: Duration) {
    std::thread::spawn(move || {
        let mut failures = 0u32;
        loop {
            let wait = match one_round(&db, &centre, 2, 30.0) {
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
    let Some(centre) = a.link.centre()? else {
        bail!(
            "{}",
            t(
                "alamat pusat tidak ada: --central URL atau CETAK_CENTRAL",
                "no centre: --central URL or CETAK_CENTRAL"
            )
        );
    };
    let round = one_round(&ctx.db, &centre, a.retries, a.timeout_s)?;
    let ok = round.error.is_none();
    if ctx.json {
        print_json(&serde_json::to_value(&round)?)?;
    } else {
        for why in &round.rewound {
            outln!("!! {}: {why}", t("PERHATIAN", "ATTENTION"))?;
        }
        if round.forks > 0 {
            outln!(
                "!! {}: {} {}",
                t("PERHATIAN", "ATTENTION"),
                round.forks,
                t(
                    "isi kejadian berbeda dengan yang sudah disimpan pusat pada posisi yang sama (basis data kantor ini dipulihkan dari salinan lama?); keduanya disimpan, beri tahu petugas pusat",
                    "events differ from what the centre already holds at the same positions (was this office's database restored from an older copy?); both are kept, tell the centre's operator"
                )
            )?;
        }
        if round.parked_events + round.parked_records > 0 {
            outln!(
                "!! {} {} {}, {} {} ({})",
                t("Disisihkan:", "Parked:"),
                round.parked_events,
                t("kejadian", "events"),
                round.parked_records,
                t("data", "records"),
                t("lihat `cetak status`", "see `cetak status`")
            )?;
        }
        outln!(
            "{}: {} {}, {} {}; {} {}{}{}",
            t("Sinkronisasi", "Sync"),
            round.pushed,
            t("kejadian dikirim", "events pushed"),
            round.pulled,
            t("data diterima", "records pulled"),
            round.outbox_depth,
            t("menunggu dikirim", "waiting in the outbox"),
            round
                .waiting_at_centre
                .map(|w| format!(", {w} {}", t("menunggu di pusat", "waiting at the centre")))
                .unwrap_or_default(),
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

/// What an answer's epoch means for the round: a new centre history sends both directions
/// back to the start (true when that happened).
fn epoch_seen(store: &mut Store, epoch: &str, round: &mut Round) -> anyhow::Result<bool> {
    let known = store.sync_status()?.epoch;
    match cetak_sync::check_epoch(known.as_deref(), epoch) {
        EpochCheck::Same => Ok(false),
        EpochCheck::First => {
            store.sync_set_epoch(epoch)?;
            Ok(false)
        }
        EpochCheck::Changed => {
            let why = format!(
                "the centre's history changed (epoch {} → {epoch}): pushing and pulling again from the start",
                known.unwrap_or_default()
            );
            let now = super::office_now(store)?;
            store.sync_rewind(true, true, &why, now)?;
            store.sync_set_epoch(epoch)?;
            round.rewound.push(why);
            Ok(true)
        }
    }
}

/// A pulled record's media as an import row's: each item in its slot, unchecked; what names
/// no slot is kept as a problem that does not block printing.
fn row_media(items: &[cetak_sync::PulledMedia]) -> RowMedia {
    let mut media = RowMedia::default();
    for item in items {
        match MediaSlot::parse(&item.slot) {
            Some(slot) if media.get(slot).is_none() => {
                let (bytes, verdict) = match item.decode() {
                    Ok(b) => (b, MediaVerdict::Unchecked),
                    // Checked with the batch already; kept as a problem if it ever is not.
                    Err(why) => (
                        item.bytes.clone().into_bytes(),
                        MediaVerdict::Invalid {
                            code: "media_damaged".into(),
                            message: why,
                        },
                    ),
                };
                media.items.push(MediaItem {
                    slot,
                    bytes,
                    verdict,
                });
            }
            Some(slot) => media.unplaced.push((
                "media_twice".into(),
                slot.name(),
                format!("the centre sent {slot} twice; the first is kept"),
            )),
            None => media.unplaced.push((
                "media_unknown_slot".into(),
                "media".into(),
                format!(
                    "the centre sent media for an unknown slot {:?}",
                    item.slot.chars().take(40).collect::<String>()
                ),
            )),
        }
    }
    media
}

/// Rewinds allowed in one round: a centre that keeps disagreeing is a fault for a person.
const MAX_REWINDS: usize = 3;

fn rewind(
    store: &mut Store,
    push: bool,
    body: &ErrorBody,
    round: &mut Round,
) -> anyhow::Result<()> {
    if round.rewound.len() >= MAX_REWINDS {
        return Err(Permanent {
            kind: "history",
            message: format!(
                "{}: {}",
                t(
                    "pusat terus berbeda pendapat tentang riwayat kantor ini",
                    "the centre keeps disagreeing about this office's history"
                ),
                body.error
            ),
        }
        .into());
    }
    let why = format!(
        "{} ({})",
        body.error,
        if push {
            t("mengirim ulang dari awal", "pushing again from the start")
        } else {
            t("menarik ulang dari awal", "pulling again from the start")
        }
    );
    let now = super::office_now(store)?;
    store.sync_rewind(push, !push, &why, now)?;
    if let Some(e) = &body.epoch {
        store.sync_set_epoch(e)?;
    }
    round.rewound.push(why);
    Ok(())
}

fn sync_round(store: &mut Store, link: &Link, round: &mut Round) -> anyhow::Result<()> {
    let mut budget = BatchBudget::default();
    // Push: the outbox, oldest first; the acknowledged position moves only after the centre
    // acknowledged every event sent, key by key (a lost answer means the same events go
    // again; the centre keeps them once).
    let mut failures = 0;
    // The first push goes even with an empty outbox: its anchor asks the centre whether it
    // still holds what it acknowledged (a centre restored from a backup does not).
    let mut asked = false;
    // After a refusal that names no event, events go one at a time until the culprit is found.
    let mut one_at_a_time = false;
    loop {
        let outbox = store.outbox(PUSH_BATCH)?;
        if outbox.is_empty() && asked {
            break;
        }
        let mut events = Vec::new();
        let mut seqs = Vec::new();
        let mut bytes = 0;
        let mut too_large = Vec::new();
        for e in outbox {
            let event = Event {
                key: format!("audit-{}", e.seq),
                hash: e.hash,
                kind: e.kind,
                at: e.at,
                body: e.body,
            };
            let size = serde_json::to_vec(&event).map(|v| v.len()).unwrap_or(0);
            if size > cetak_sync::MAX_ITEM_BYTES {
                too_large.push((
                    e.seq,
                    event.key,
                    format!("the event is {size} bytes, more than a request may carry"),
                ));
                continue;
            }
            if !events.is_empty() && (one_at_a_time || bytes + size > budget.bytes()) {
                break;
            }
            bytes += size;
            seqs.push(e.seq);
            events.push(event);
        }
        if !too_large.is_empty() {
            round.parked_events += too_large.len() as u64;
            let now = super::office_now(store)?;
            store.sync_park_events(&too_large, now)?;
            continue;
        }
        let since = store.sync_push_anchor()?.map(|(seq, hash)| Anchor {
            at: format!("audit-{seq}"),
            hash,
        });
        let sent = events.len() as u64;
        let req = PushRequest {
            version: PROTOCOL_VERSION,
            since,
            events,
        };
        let resp: PushResponse = match link.attempt("/sync/v2/push", &req) {
            Ok(r) => r,
            Err(Failure::Transient { message, stalled }) => {
                link.again(&message, stalled, &mut budget, &mut failures, round)?;
                continue;
            }
            Err(Failure::Refused { status: 409, body })
                if body.code.as_deref() == Some("history_differs") =>
            {
                rewind(store, true, &body, round)?;
                continue;
            }
            Err(Failure::Refused { status: 422, body }) if !body.rejected.is_empty() => {
                // Events the centre can never store: parked with the centre's reason, and
                // the rest go on.
                let parked: Vec<(u64, String, String)> = body
                    .rejected
                    .iter()
                    .filter_map(|r| {
                        let i = req.events.iter().position(|e| e.key == r.key)?;
                        Some((seqs[i], r.key.clone(), r.reason.clone()))
                    })
                    .collect();
                if parked.is_empty() {
                    return Err(permanent(422, &body));
                }
                one_at_a_time = false;
                tracing::warn!(?parked, "events parked: the centre can never store them");
                round.parked_events += parked.len() as u64;
                let now = super::office_now(store)?;
                store.sync_park_events(&parked, now)?;
                continue;
            }
            Err(Failure::Refused { status: 422, body }) if req.events.len() > 1 => {
                // The centre cannot store something in this batch but could not say what
                // (a database error): find it by sending one event at a time.
                tracing::warn!(
                    error = body.error,
                    "batch refused; sending events one at a time"
                );
                one_at_a_time = true;
                continue;
            }
            Err(Failure::Refused { status: 422, body }) if req.events.len() == 1 => {
                let e = &req.events[0];
                tracing::warn!(
                    key = e.key,
                    error = body.error,
                    "event parked: the centre cannot store it"
                );
                round.parked_events += 1;
                let now = super::office_now(store)?;
                store.sync_park_events(&[(seqs[0], e.key.clone(), body.error.clone())], now)?;
                one_at_a_time = false;
                continue;
            }
            Err(Failure::Refused { status, body }) => return Err(permanent(status, &body)),
        };
        if epoch_seen(store, &resp.epoch, round)? {
            continue;
        }
        if let Err(why) = cetak_sync::check_acks(&req.events, &resp) {
            // Not an answer to this request (replayed, or from something else): nothing is
            // acknowledged; the events go again.
            link.again(&why, false, &mut budget, &mut failures, round)?;
            continue;
        }
        asked = true;
        let Some(&last) = seqs.last() else {
            continue;
        };
        store.sync_acknowledge(last)?;
        if !resp.forks.is_empty() {
            tracing::error!(forks = ?resp.forks, "the centre holds other content under these keys: this office was restored from an older copy");
            store.sync_add_forks(resp.forks.len() as u64)?;
            round.forks += resp.forks.len() as u64;
        }
        round.pushed += sent;
        round.new_at_centre += resp.new as u64;
        budget.grow();
        failures = 0;
    }
    // Pull: records after the cursor, checked against their hashes, committed with the cursor
    // in one transaction.
    let mut failures = 0;
    let mut counted = false;
    // Records come with their photo, signature and templates; a centre from before media
    // refuses to be asked (an unknown field) and then sends records as before.
    let mut with_media = true;
    loop {
        let (after, after_hash) = store.sync_pull_anchor()?;
        let req = PullRequest {
            version: PROTOCOL_VERSION,
            after,
            after_hash: if after > 0 { after_hash } else { None },
            limit: PULL_BATCH,
            max_bytes: budget.bytes(),
            count_waiting: !counted,
            media: with_media,
        };
        let resp: PullResponse = match link.attempt("/sync/v2/pull", &req) {
            Ok(r) => r,
            Err(Failure::Transient { message, stalled }) => {
                link.again(&message, stalled, &mut budget, &mut failures, round)?;
                continue;
            }
            Err(Failure::Refused { status: 409, body })
                if body.code.as_deref() == Some("history_differs") =>
            {
                rewind(store, false, &body, round)?;
                continue;
            }
            Err(Failure::Refused { status: 400, body })
                if with_media && body.error.contains("unknown field `media`") =>
            {
                tracing::warn!(
                    "the centre does not send media yet; pulling records without photos, signatures and templates"
                );
                with_media = false;
                continue;
            }
            Err(Failure::Refused { status, body }) => return Err(permanent(status, &body)),
        };
        if epoch_seen(store, &resp.epoch, round)? {
            // A new centre history: the outbox goes again too, in the next round.
            continue;
        }
        if let Err(why) = cetak_sync::check_records(after, &resp.records) {
            link.again(&why, false, &mut budget, &mut failures, round)?;
            continue;
        }
        // Counted once a round; after that, what was counted less what arrived since.
        let waiting = match (resp.waiting, round.waiting_at_centre) {
            (Some(w), _) => w,
            (None, Some(before)) => {
                before.saturating_sub((resp.records.len() + resp.parked.len()) as u64)
            }
            (None, None) => 0,
        };
        counted |= resp.waiting.is_some();
        round.waiting_at_centre = Some(waiting);
        store.sync_set_waiting(waiting)?;
        let cursor = resp
            .records
            .iter()
            .map(|r| (r.seq, r.hash.as_str()))
            .chain(resp.parked.iter().map(|p| (p.seq, p.hash.as_str())))
            .max_by_key(|(seq, _)| *seq);
        let Some((last, last_hash)) = cursor else {
            break;
        };
        let mut rows = Vec::with_capacity(resp.records.len());
        for (i, r) in resp.records.iter().enumerate() {
            let line = i as u64 + 1;
            let raw = r.fields.join(",").into_bytes();
            if r.fields.len() != COLUMNS.len() {
                // A record of another shape is unreadable, like a bad row in a file: it goes
                // to quarantine with its bytes, and the rest of the batch goes on.
                rows.push(ImportRow::Rejected {
                    line,
                    raw_len: raw.len() as u64,
                    raw,
                    rejection: cetak_domain::record::Rejection::row(
                        cetak_domain::record::ReasonCode::FieldCount,
                        format!(
                            "record {} from the centre has {} fields, not {}",
                            r.seq,
                            r.fields.len(),
                            COLUMNS.len()
                        ),
                    ),
                });
                continue;
            }
            let fields: [&str; 22] = std::array::from_fn(|k| r.fields[k].as_str());
            // Contract v2: the media as it came (its hashes already checked), judged below
            // like a file's.
            let media = r.media.as_deref().map(|items| Box::new(row_media(items)));
            // The same rules as a file (contract 1.1): a readable record with field problems
            // enters the registry needing correction.
            rows.push(match cetak_domain::Record::check(&fields) {
                cetak_domain::Checked::Valid(record) => ImportRow::Valid {
                    line,
                    record,
                    raw,
                    media,
                },
                cetak_domain::Checked::NeedsCorrection(draft) => ImportRow::NeedsCorrection {
                    line,
                    draft,
                    raw,
                    media,
                },
                cetak_domain::Checked::Unreadable(rejection) => ImportRow::Rejected {
                    line,
                    raw_len: raw.len() as u64,
                    raw,
                    rejection,
                },
            });
        }
        // Decode every photo and signature and parse every template (on all cores): an invalid
        // one holds its record in correction with the bytes that came.
        cetak_ingest::media::check_rows(&mut rows);
        let first = resp
            .records
            .first()
            .map(|r| r.seq)
            .into_iter()
            .chain(resp.parked.first().map(|p| p.seq))
            .min()
            .unwrap_or(last);
        let source = format!("central:{first}-{last}");
        let at = super::office_now(store)?;
        let mut tx = store.begin_import(&source, "system:sync", at)?;
        tx.add(&rows)?;
        tx.set_pull_cursor(last, last_hash);
        for p in &resp.parked {
            tx.park_record(p.seq, &p.recording_id, &p.reason);
        }
        for r in &resp.records {
            if let (Some(office), Some(id)) = (&r.card_issued_by, r.fields.first()) {
                tx.flag_card_elsewhere(id, office);
                round.flagged_card_elsewhere += 1;
            }
        }
        tx.commit()?;
        round.pulled += resp.records.len() as u64;
        round.parked_records += resp.parked.len() as u64;
        budget.grow();
        failures = 0;
        if !resp.more {
            break;
        }
    }
    Ok(())
}
