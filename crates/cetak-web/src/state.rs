//! What every request shares: the connection pool, templates, limiters, the print runner.
//!
//! The limiters are plain state machines over an `Instant` the caller passes in (so their
//! rules are tested without sleeping), kept in [`Recent`] maps that hold a bounded number of
//! keys and forget the least recently touched one when full — never all at once.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::pool::Pool;

/// Reads the card in the hand-over counter's reader and checks its chip for the resident with
/// this NIK (the hand-over page's "check the chip"): the binary passes the office's
/// `cetak_office::chip::read_at_counter`, so this crate touches no reader. Blocking; the page
/// calls it on a blocking thread.
pub type ChipCheck = Arc<dyn Fn(&str) -> Result<CounterChip, ChipProblem> + Send + Sync>;

/// What the counter's reader found on a card ([`ChipCheck`]).
#[derive(Debug, Clone)]
pub struct CounterChip {
    /// DG1 as read, in the chip's layout order, beside the resident's printed record as DG1
    /// would carry it.
    pub fields: Vec<ChipField>,
    /// DG2: the face photo's bytes as the chip holds them (a JPEG; empty when none).
    pub photo: Vec<u8>,
    /// Passive authentication: the document signer's name when the chain holds, else why not.
    pub passive: Result<String, ChipProblem>,
    /// Whether this is the chip the books kept for the resident's card.
    pub kept: KeptChip,
}

/// One DG1 field of a chip read at the counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipField {
    /// The record column it carries (`nik`, `nama`, …).
    pub column: String,
    /// What the chip holds.
    pub on_chip: String,
    /// What the resident's printed record says, as DG1 would carry it (`None`: no printed
    /// record for this NIK).
    pub in_books: Option<String>,
}

/// The chip read at the counter against the one the books kept (the office's own type).
pub use cetak_office::chip::KeptChip;

/// Why a chip could not be read, or does not hold: a stable code (its words are in
/// `cetak_words::CHIP_PROBLEMS`) and the technical detail (English, naming the data group,
/// file or certificate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipProblem {
    /// `card_absent`, `pcsc_no_service`, `dg_altered`, …
    pub code: String,
    /// The error's own words.
    pub detail: String,
}

/// How to run the server.
#[derive(Clone)]
pub struct ServerConfig {
    /// The office database.
    pub db: std::path::PathBuf,
    /// Resident lookups allowed per client per minute (0: unlimited, for load tests).
    pub resident_per_minute: u32,
    /// Mark cookies `Secure` (behind TLS).
    pub secure_cookies: bool,
    /// How "Start printing" runs the office's printers (`cetak_office::print_run`, the same
    /// run as `cetak print run`); `None`: this server does not print.
    pub printing: Option<cetak_office::print_run::RunArgs>,
    /// After a supervisor decides a pair, a data ganda run honouring every decision so far
    /// (`cetak_office::dedup_run`, as `cetak review decide` does); `None`: decisions wait for
    /// the next `cetak dedup`.
    pub dedup_after_decision: Option<cetak_dedup::Config>,
    /// Before a person's finding for a print attempt is recorded, ask the attempt's printer
    /// whether it has let go of the job (`cetak_office::inspect`, as `cetak print inspect`
    /// does). `false`: no printer can be asked from here, so the page records no finding (the
    /// CLI's `--physically-checked` is the way then).
    pub ask_printers: bool,
    /// Reads the card at the hand-over counter (`cetak serve --chip-reader`); `None`: no
    /// reader, and the hand-over page says nothing about chips.
    pub chip_check: Option<ChipCheck>,
    /// Connections in the pool.
    pub connections: usize,
    /// Pages in English when neither `?lang=` nor the browser's cookie chose (the office's
    /// `cetak --lang en serve`); Bahasa Indonesia otherwise.
    pub english: bool,
}

/// What can stop the server.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The database could not be opened.
    #[error(transparent)]
    Store(#[from] cetak_store::StoreError),
    /// The address could not be bound, or the server failed.
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

/// Shared server state.
pub struct AppState {
    pub(crate) pool: Pool,
    pub(crate) templates: minijinja::Environment<'static>,
    pub(crate) resident_limit: Limiter,
    pub(crate) resident_nik_limit: NikLimit,
    pub(crate) login_throttle: Throttle,
    /// The office database, for the use cases that open their own connection (a print run
    /// holds one for minutes; the pool's are for pages).
    pub(crate) db: std::path::PathBuf,
    pub(crate) printing_args: Option<cetak_office::print_run::RunArgs>,
    pub(crate) dedup_after_decision: Option<cetak_dedup::Config>,
    pub(crate) ask_printers: bool,
    pub(crate) chip_check: Option<ChipCheck>,
    pub(crate) printing: Arc<AtomicBool>,
    pub(crate) last_run: Arc<Mutex<Option<LastRun>>>,
    pub(crate) secure_cookies: bool,
    /// The pages' language when the browser has not chosen (`ServerConfig::english`).
    pub(crate) english: bool,
    pub(crate) dashboard_cache: Mutex<Option<(Instant, Arc<crate::views::Dashboard>)>>,
    pub(crate) dashboard_refreshing: AtomicBool,
}

impl AppState {
    pub(crate) fn new(config: &ServerConfig) -> Result<AppState, ServerError> {
        Ok(AppState {
            pool: Pool::open(&config.db, config.connections)?,
            templates: crate::templates::templates(),
            resident_limit: Limiter::new(config.resident_per_minute),
            // A load test (no per-address limit) would trip the per-NIK one at once.
            resident_nik_limit: NikLimit::new(config.resident_per_minute > 0),
            login_throttle: Throttle::default(),
            db: config.db.clone(),
            printing_args: config.printing.clone(),
            dedup_after_decision: config.dedup_after_decision.clone(),
            ask_printers: config.ask_printers,
            chip_check: config.chip_check.clone(),
            printing: Arc::new(AtomicBool::new(false)),
            last_run: Arc::new(Mutex::new(None)),
            secure_cookies: config.secure_cookies,
            english: config.english,
            dashboard_cache: Mutex::new(None),
            dashboard_refreshing: AtomicBool::new(false),
        })
    }
}

/// How the last print run started from the page ended.
#[derive(Debug, Clone)]
pub(crate) enum LastRun {
    /// It ran: what it did and why it stopped.
    Done {
        counts: cetak_print::driver::RunCounts,
        stopped: Option<cetak_print::driver::StopReason>,
    },
    /// It could not run, in both languages.
    Failed { id: String, en: String },
}

/// Keys any limiter keeps at most (per map).
pub(crate) const MAX_KEYS: usize = 100_000;

/// A map of at most `cap` keys; inserting into a full map forgets the key touched longest ago.
pub(crate) struct Recent<K, V> {
    map: HashMap<K, (u64, V)>,
    /// Keys in the order they were touched, with the touch's number; a key touched again has
    /// a stale earlier entry here, skipped when it reaches the front.
    order: VecDeque<(K, u64)>,
    next: u64,
    cap: usize,
}

impl<K: Clone + Eq + Hash, V> Recent<K, V> {
    pub(crate) fn new(cap: usize) -> Recent<K, V> {
        Recent {
            map: HashMap::new(),
            order: VecDeque::new(),
            next: 0,
            cap: cap.max(1),
        }
    }

    pub(crate) fn get(&self, k: &K) -> Option<&V> {
        self.map.get(k).map(|(_, v)| v)
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    pub(crate) fn remove(&mut self, k: &K) {
        self.map.remove(k);
    }

    /// The value of `k` (made by `new` if absent), now the most recently touched key.
    pub(crate) fn touch(&mut self, k: &K, new: impl FnOnce() -> V) -> &mut V {
        if self.order.len() > 2 * self.cap + 16 {
            let map = &self.map;
            self.order
                .retain(|(k, s)| map.get(k).is_some_and(|(t, _)| t == s));
        }
        let stamp = self.next;
        self.next += 1;
        if !self.map.contains_key(k) {
            while self.map.len() >= self.cap {
                let Some((old, s)) = self.order.pop_front() else {
                    break;
                };
                if self.map.get(&old).is_some_and(|(t, _)| *t == s) {
                    self.map.remove(&old);
                }
            }
        }
        self.order.push_back((k.clone(), stamp));
        let entry = self.map.entry(k.clone()).or_insert_with(|| (stamp, new()));
        entry.0 = stamp;
        &mut entry.1
    }
}

/// Limits count a client by its address; an IPv6 client by its /64, which one host holds whole.
pub(crate) fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
    }
}

/// A fixed-window limit per client address.
pub(crate) struct Limiter {
    per_minute: u32,
    windows: Mutex<Recent<IpAddr, (Instant, u32)>>,
}

impl Limiter {
    fn new(per_minute: u32) -> Limiter {
        Limiter {
            per_minute,
            windows: Mutex::new(Recent::new(MAX_KEYS)),
        }
    }

    /// Whether `ip` may make one more request now.
    pub(crate) fn allow(&self, ip: IpAddr) -> bool {
        if self.per_minute == 0 {
            return true;
        }
        let Ok(mut w) = self.windows.lock() else {
            return false;
        };
        let now = Instant::now();
        let entry = w.touch(&client_key(ip), || (now, 0));
        if now.duration_since(entry.0) >= Duration::from_secs(60) {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 <= self.per_minute
    }
}

/// Failed resident checks allowed per NIK within [`NIK_WINDOW`], from all addresses together.
pub(crate) const NIK_FAILURES: u32 = 5;
/// The per-NIK window.
pub(crate) const NIK_WINDOW: Duration = Duration::from_secs(60 * 60);

/// The per-NIK limit of the resident check: after [`NIK_FAILURES`] failed checks of one NIK
/// (from anywhere) within the window, that NIK is not checked again until the window ends.
/// Unknown NIKs count the same as known ones, so the limit says nothing about existence.
pub(crate) struct NikLimit {
    on: bool,
    failures: Mutex<Recent<String, (Instant, u32)>>,
}

impl NikLimit {
    pub(crate) fn new(on: bool) -> NikLimit {
        NikLimit {
            on,
            failures: Mutex::new(Recent::new(MAX_KEYS)),
        }
    }

    /// Whether `nik` may be checked at `now`.
    pub(crate) fn allow(&self, nik: &str, now: Instant) -> bool {
        if !self.on {
            return true;
        }
        let Ok(f) = self.failures.lock() else {
            return false;
        };
        match f.get(&nik.to_string()) {
            Some((since, n)) => *n < NIK_FAILURES || now.duration_since(*since) >= NIK_WINDOW,
            None => true,
        }
    }

    /// A check of `nik` failed at `now`.
    pub(crate) fn failed(&self, nik: &str, now: Instant) {
        if !self.on {
            return;
        }
        if let Ok(mut f) = self.failures.lock() {
            let e = f.touch(&nik.to_string(), || (now, 0));
            if now.duration_since(e.0) >= NIK_WINDOW {
                *e = (now, 0);
            }
            e.1 = e.1.saturating_add(1);
        }
    }
}

/// Failures before login attempts have to wait.
pub(crate) const FREE_FAILURES: u32 = 5;
/// The wait after the [`FREE_FAILURES`]th failure; each further failure doubles it.
pub(crate) const FIRST_DELAY: Duration = Duration::from_secs(2);
/// The longest wait.
pub(crate) const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// A key with no failure for this long starts again from nothing.
pub(crate) const FORGET_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// How long after the `n`th consecutive failure the next attempt must wait.
pub(crate) fn delay_after(n: u32) -> Duration {
    if n < FREE_FAILURES {
        return Duration::ZERO;
    }
    let doublings = (n - FREE_FAILURES).min(20);
    FIRST_DELAY.saturating_mul(1u32 << doublings).min(MAX_DELAY)
}

/// Consecutive failures of one key and when the last one was.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    /// How long from `now` an attempt must still wait.
    fn wait(&self, now: Instant) -> Duration {
        if now.duration_since(self.last) >= FORGET_AFTER {
            return Duration::ZERO;
        }
        (self.last + delay_after(self.count)).saturating_duration_since(now)
    }
}

/// Login throttling, keyed on the normalised account name and on the client address
/// separately: after [`FREE_FAILURES`] failures of a key, each further attempt waits a delay
/// that doubles per failure up to [`MAX_DELAY`]; an attempt during the wait is refused without
/// looking at the password and does not count. Nothing locks an account for longer than the
/// current wait, and a success clears only the counter of the name that logged in (never the
/// address's, never another name's).
pub(crate) struct Throttle {
    names: Mutex<Recent<String, Failures>>,
    addrs: Mutex<Recent<IpAddr, Failures>>,
}

impl Default for Throttle {
    fn default() -> Throttle {
        Throttle {
            names: Mutex::new(Recent::new(MAX_KEYS)),
            addrs: Mutex::new(Recent::new(MAX_KEYS)),
        }
    }
}

/// The throttle's key for a typed account name: trimmed and lower-cased, as login looks it up.
pub(crate) fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl Throttle {
    /// How long an attempt for `name` from `ip` must still wait at `now` (zero: go ahead).
    pub(crate) fn wait(&self, name: &str, ip: IpAddr, now: Instant) -> Duration {
        let by_name = match self.names.lock() {
            Ok(m) => m
                .get(&name_key(name))
                .map_or(Duration::ZERO, |f| f.wait(now)),
            Err(_) => MAX_DELAY,
        };
        let by_addr = match self.addrs.lock() {
            Ok(m) => m
                .get(&client_key(ip))
                .map_or(Duration::ZERO, |f| f.wait(now)),
            Err(_) => MAX_DELAY,
        };
        by_name.max(by_addr)
    }

    /// An attempt for `name` from `ip` failed at `now`.
    pub(crate) fn failed(&self, name: &str, ip: IpAddr, now: Instant) {
        let bump = |f: &mut Failures| {
            if now.duration_since(f.last) >= FORGET_AFTER {
                f.count = 0;
            }
            f.count = f.count.saturating_add(1);
            f.last = now;
        };
        let fresh = || Failures {
            count: 0,
            last: now,
        };
        if let Ok(mut m) = self.names.lock() {
            bump(m.touch(&name_key(name), fresh));
        }
        if let Ok(mut m) = self.addrs.lock() {
            bump(m.touch(&client_key(ip), fresh));
        }
    }

    /// `name` logged in: its counter starts again. The address keeps its count.
    pub(crate) fn succeeded(&self, name: &str) {
        if let Ok(mut m) = self.names.lock() {
            m.remove(&name_key(name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn delays_grow_from_the_sixth_attempt_and_are_capped() {
        assert_eq!(delay_after(4), Duration::ZERO);
        assert_eq!(delay_after(5), FIRST_DELAY);
        assert_eq!(delay_after(6), FIRST_DELAY * 2);
        assert_eq!(delay_after(7), FIRST_DELAY * 4);
        assert!(delay_after(8) > delay_after(7));
        assert_eq!(delay_after(40), MAX_DELAY);
        assert_eq!(delay_after(u32::MAX), MAX_DELAY);
    }

    #[test]
    fn the_right_password_waits_only_for_the_window() {
        let t = Throttle::default();
        let t0 = Instant::now();
        for i in 0..8 {
            // Spaced out so each attempt is allowed.
            let at = t0 + MAX_DELAY * i;
            assert_eq!(t.wait("admin1", A, at), Duration::ZERO, "attempt {i}");
            t.failed("admin1", A, at);
        }
        let last = t0 + MAX_DELAY * 7;
        // Eight failures: the ninth attempt waits 2 s × 2³ = 16 s, from anywhere, any spelling.
        assert_eq!(t.wait("admin1", B, last), Duration::from_secs(16));
        assert_eq!(t.wait(" ADMIN1 ", B, last), Duration::from_secs(16));
        assert!(t.wait("admin1", B, last + Duration::from_secs(15)) > Duration::ZERO);
        // After the window, not 15 minutes later: allowed again.
        assert_eq!(
            t.wait("admin1", B, last + Duration::from_secs(16)),
            Duration::ZERO
        );
        // Another name from another address is not affected.
        assert_eq!(t.wait("spv.budi", B, last), Duration::ZERO);
    }

    #[test]
    fn a_success_clears_only_its_own_name() {
        let t = Throttle::default();
        let now = Instant::now();
        for _ in 0..5 {
            t.failed("admin1", A, now);
        }
        // Someone logs in as themselves from the same address: the guesses still count.
        t.succeeded("op.rina");
        assert!(t.wait("admin1", B, now) > Duration::ZERO);
        assert!(
            t.wait("op.rina", A, now) > Duration::ZERO,
            "the address waits too"
        );
        // The name's own success clears the name, not the address.
        t.succeeded("ADMIN1");
        assert_eq!(t.wait("admin1", B, now), Duration::ZERO);
        assert!(t.wait("admin1", A, now) > Duration::ZERO);
    }

    #[test]
    fn failures_are_forgotten_after_a_quiet_day() {
        let t = Throttle::default();
        let now = Instant::now();
        for _ in 0..10 {
            t.failed("x", A, now);
        }
        let later = now + FORGET_AFTER;
        assert_eq!(t.wait("x", B, later), Duration::ZERO);
        t.failed("x", B, later);
        assert_eq!(
            t.wait("x", B, later),
            Duration::ZERO,
            "counting starts again"
        );
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        let t = Throttle::default();
        let now = Instant::now();
        for i in 0..5u16 {
            let ip: IpAddr = std::net::Ipv6Addr::new(0x2001, 0xdb8, 1, 2, i, i, i, i).into();
            t.failed(&format!("user{i}"), ip, now);
        }
        let other: IpAddr = std::net::Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 9, 9, 9, 9).into();
        assert!(t.wait("someone", other, now) > Duration::ZERO);
    }

    #[test]
    fn a_full_map_forgets_the_oldest_key_not_everything() {
        let mut m: Recent<u32, u32> = Recent::new(3);
        *m.touch(&1, || 0) += 1;
        *m.touch(&2, || 0) += 1;
        *m.touch(&3, || 0) += 1;
        *m.touch(&1, || 0) += 1; // 1 is now the newest
        *m.touch(&4, || 0) += 1; // evicts 2, the least recently touched
        assert_eq!(m.len(), 3);
        assert_eq!(m.get(&2), None);
        assert_eq!(m.get(&1), Some(&2));
        assert_eq!(m.get(&3), Some(&1));
        assert_eq!(m.get(&4), Some(&1));
        // Many touches keep the bookkeeping bounded.
        for i in 0..10_000 {
            m.touch(&(i % 5), || 0);
        }
        assert_eq!(m.len(), 3);
        assert!(m.order.len() <= 2 * 3 + 16 + 1);
    }

    #[test]
    fn a_nik_is_checked_at_most_five_times_an_hour_when_wrong() {
        let l = NikLimit::new(true);
        let now = Instant::now();
        for _ in 0..NIK_FAILURES {
            assert!(l.allow("1671014508900001", now));
            l.failed("1671014508900001", now);
        }
        assert!(!l.allow("1671014508900001", now));
        assert!(l.allow("1671014508900002", now));
        assert!(l.allow("1671014508900001", now + NIK_WINDOW));
        assert!(NikLimit::new(false).allow("x", now));
    }
}
