//! What every request shares: the connection pool, templates, limiters, the print runner.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::pool::Pool;
use crate::{ServerConfig, ServerError};

/// Runs the office's printers until the day's work is done; returns a one-line summary.
pub type PrintRunner = Arc<dyn Fn() -> Result<String, String> + Send + Sync>;

/// Shared server state.
pub struct AppState {
    pub(crate) pool: Pool,
    pub(crate) templates: minijinja::Environment<'static>,
    pub(crate) resident_limit: Limiter,
    pub(crate) login_throttle: Throttle,
    pub(crate) runner: Option<PrintRunner>,
    pub(crate) dedup_runner: Option<PrintRunner>,
    pub(crate) printing: Arc<AtomicBool>,
    pub(crate) last_run: Arc<Mutex<Option<String>>>,
    pub(crate) secure_cookies: bool,
    pub(crate) dashboard_cache: Mutex<Option<(Instant, Arc<crate::pages::Dashboard>)>>,
    pub(crate) dashboard_refreshing: AtomicBool,
}

impl AppState {
    pub(crate) fn new(config: &ServerConfig) -> Result<AppState, ServerError> {
        Ok(AppState {
            pool: Pool::open(&config.db, config.connections)?,
            templates: crate::pages::templates(),
            resident_limit: Limiter::new(config.resident_per_minute),
            login_throttle: Throttle::default(),
            runner: config.print_runner.clone(),
            dedup_runner: config.dedup_runner.clone(),
            printing: Arc::new(AtomicBool::new(false)),
            last_run: Arc::new(Mutex::new(None)),
            secure_cookies: config.secure_cookies,
            dashboard_cache: Mutex::new(None),
            dashboard_refreshing: AtomicBool::new(false),
        })
    }
}

/// A fixed-window limit per client address.
pub(crate) struct Limiter {
    per_minute: u32,
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl Limiter {
    fn new(per_minute: u32) -> Limiter {
        Limiter {
            per_minute,
            windows: Mutex::new(HashMap::new()),
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
        if w.len() > 100_000 {
            w.clear();
        }
        let now = Instant::now();
        let entry = w.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= Duration::from_secs(60) {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.per_minute
    }
}

/// Login throttling: after 5 failures for a name or an address within 15 minutes, both wait
/// out the 15 minutes.
#[derive(Default)]
pub(crate) struct Throttle {
    failures: Mutex<HashMap<String, (Instant, u32)>>,
}

const THROTTLE_WINDOW: Duration = Duration::from_secs(15 * 60);
const THROTTLE_FAILURES: u32 = 5;

impl Throttle {
    pub(crate) fn blocked(&self, keys: &[String]) -> bool {
        let Ok(f) = self.failures.lock() else {
            return true;
        };
        keys.iter().any(|k| {
            f.get(k).is_some_and(|(since, n)| {
                *n >= THROTTLE_FAILURES && since.elapsed() < THROTTLE_WINDOW
            })
        })
    }

    pub(crate) fn failed(&self, keys: &[String]) {
        if let Ok(mut f) = self.failures.lock() {
            if f.len() > 100_000 {
                f.clear();
            }
            for k in keys {
                let e = f.entry(k.clone()).or_insert((Instant::now(), 0));
                if e.0.elapsed() >= THROTTLE_WINDOW {
                    *e = (Instant::now(), 0);
                }
                e.1 += 1;
            }
        }
    }

    pub(crate) fn succeeded(&self, keys: &[String]) {
        if let Ok(mut f) = self.failures.lock() {
            for k in keys {
                f.remove(k);
            }
        }
    }
}
