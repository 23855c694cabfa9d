//! The dashboard: backlog, output, printers, stock, the link; cached for five seconds.

use super::*;

use crate::views::{Dashboard, DashboardPrinter};

/// The dashboard's numbers, refreshed at most every five seconds: counting a large registry by state
/// reads the whole table, and every office screen polls the dashboard. A stale copy is served
/// while one background task refreshes it, so no request waits for the count.
pub(super) async fn dashboard_data(st: &Arc<AppState>) -> Result<Arc<Dashboard>, StoreError> {
    let cached = st.dashboard_cache.lock().ok().and_then(|c| c.clone());
    let printing = st.printing.load(Ordering::Relaxed);
    if let Some((at, d)) = cached {
        if at.elapsed() >= std::time::Duration::from_secs(5)
            && !st.dashboard_refreshing.swap(true, Ordering::SeqCst)
        {
            let st2 = st.clone();
            tokio::spawn(async move {
                if let Ok(fresh) = dashboard_fresh(&st2).await
                    && let Ok(mut cache) = st2.dashboard_cache.lock()
                {
                    *cache = Some((std::time::Instant::now(), Arc::new(fresh)));
                }
                st2.dashboard_refreshing.store(false, Ordering::SeqCst);
            });
        }
        if d.printing_now == printing {
            return Ok(d);
        }
        let mut d = (*d).clone();
        d.printing_now = printing;
        return Ok(Arc::new(d));
    }
    let d = Arc::new(dashboard_fresh(st).await?);
    if let Ok(mut cache) = st.dashboard_cache.lock() {
        *cache = Some((std::time::Instant::now(), d.clone()));
    }
    Ok(d)
}

pub(super) async fn dashboard_fresh(st: &AppState) -> Result<Dashboard, StoreError> {
    let printing_now = st.printing.load(Ordering::Relaxed);
    st.pool
        .run(move |s| {
            let at = now();
            let states = s.counts_by_state()?;
            let printers = s.printers(&schedule::office_day(at))?;
            let backlog: i64 = states
                .iter()
                .filter(|c| {
                    matches!(
                        c.state,
                        RecordState::Received
                            | RecordState::Unique
                            | RecordState::Queued
                            | RecordState::AwaitingDecision
                            | RecordState::Printing
                    )
                })
                .map(|c| c.count as i64)
                .sum();
            let daily = s.daily_output(30)?;
            let recent: Vec<i64> = daily.iter().rev().take(7).map(|d| d.1).collect();
            let per_day = if recent.is_empty() {
                0.0
            } else {
                recent.iter().sum::<i64>() as f64 / recent.len() as f64
            };
            let projected_clear = (per_day > 0.0).then(|| {
                let days = (backlog as f64 / per_day).ceil() as i64;
                // Working days: five of seven.
                let calendar = days * 7 / 5;
                let d = (at + time::Duration::days(calendar))
                    .to_offset(schedule::OFFICE_OFFSET)
                    .date();
                format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
            });
            Ok(Dashboard {
                today_printed: printers.iter().map(|p| p.run.printed_today).sum(),
                today_capacity: printers.iter().map(|p| p.profile.cards_per_day).sum(),
                printers: printers
                    .iter()
                    .map(|p| DashboardPrinter {
                        name: p.name.clone(),
                        uri: p.uri.clone(),
                        printed_today: p.run.printed_today,
                        cards_per_day: p.profile.cards_per_day,
                        blanks_loaded: p.blanks_loaded,
                        paused: p.run.paused,
                        heat_strikes: p.run.heat_strikes,
                        readiness: schedule::readiness(&p.profile, &p.run, at),
                    })
                    .collect(),
                stock: s.stock_reconcile()?,
                inspection: s.inspection_count()? as usize,
                states,
                backlog,
                daily,
                projected_clear,
                link: s.sync_status()?,
                link_view: s.link_view(at)?,
                printing_now,
            })
        })
        .await
}

/// The burn-down chart as SVG polyline points: the backlog at the end of each recent printing
/// day (today's backlog plus the cards printed after that day) and a straight projection from
/// today to the projected clearing date. Returns (history, projection, top value).
pub(super) fn burn_down(d: &Dashboard) -> (String, String, i64) {
    let mut levels: Vec<i64> = Vec::with_capacity(d.daily.len() + 1);
    let mut after = 0;
    for (_, printed) in d.daily.iter().rev() {
        levels.push(d.backlog + after);
        after += printed;
    }
    levels.push(d.backlog + after);
    levels.reverse();
    let top = levels.iter().copied().max().unwrap_or(1).max(1);
    // History on the left two thirds, projection on the right third.
    let n = (levels.len().max(2) - 1) as f64;
    let y = |v: i64| 150.0 - v as f64 * 140.0 / top as f64;
    let history = levels
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{:.1},{:.1}", i as f64 * 400.0 / n, y(*v)))
        .collect::<Vec<_>>()
        .join(" ");
    let projection = if d.projected_clear.is_some() {
        format!("400.0,{:.1} 600.0,150.0", y(d.backlog))
    } else {
        String::new()
    };
    (history, projection, top)
}

pub(crate) async fn dashboard(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Extension(sess): Extension<Session>,
) -> Answer<Page> {
    let d = dashboard_data(&st).await?;
    let (history, projection, max) = burn_down(&d);
    Ok(render(
        &st,
        "dashboard.html",
        &headers,
        &q,
        Some(&sess),
        context! { d => ser(&*d), history => history, projection => projection, max => max },
    ))
}

pub(crate) async fn dashboard_api(State(st): S) -> Answer<Json<Dashboard>> {
    Ok(Json((*dashboard_data(&st).await?).clone()))
}
