//! The office server (`cetak serve`): operator pages, the resident status page and a JSON API.
//!
//! Every route is declared once in [`routes::ROUTES`] with who may use it and its handler; one
//! middleware ([`auth::guard`]), layered on each route with that route's rule, enforces the
//! table for pages and API alike, and the route × role test matrix and the OpenAPI document
//! (with each JSON answer's schema from [`views`]) are generated from it, so a new route cannot
//! be forgotten. Handlers answer `Result<_, WebError>`: one error type, one way to say no.
//! The modules form layers without a circle (`tests/layers.rs`): routes → pages → auth →
//! state → templates → error, views, pool, password → fmt, words. Pages are rendered on the
//! server (minijinja, auto-escaped), in Bahasa Indonesia by default and English on request.
//! The store is synchronous SQLite: requests borrow a connection from a small pool on a
//! blocking thread.
#![deny(missing_docs)]

pub mod auth;
mod error;
mod fmt;
pub(crate) mod pages;
pub mod password;
mod pool;
pub mod routes;
mod state;
mod templates;
pub mod views;
mod words;

use std::sync::Arc;

pub use auth::hash_password;
pub use state::{
    AppState, ChipCheck, ChipField, ChipProblem, CounterChip, KeptChip, ServerConfig, ServerError,
};

/// Build the application (for `serve` and for in-process tests).
pub fn app(config: &ServerConfig) -> Result<axum::Router, ServerError> {
    let state = Arc::new(AppState::new(config)?);
    Ok(routes::router(state))
}

/// Limits on connections (see [`serve_with`]).
#[derive(Debug, Clone, Copy)]
pub struct ConnLimits {
    /// A connection must send a request's whole header within this time — counted from when
    /// it opens or finishes its previous response, so it is also the idle timeout of a
    /// kept-alive connection.
    pub header_read: std::time::Duration,
    /// Open connections allowed per client (an IPv6 client counts by its /64); one more is
    /// closed at once.
    pub per_client: usize,
}

impl Default for ConnLimits {
    fn default() -> ConnLimits {
        ConnLimits {
            header_read: std::time::Duration::from_secs(10),
            per_client: 64,
        }
    }
}

/// Serve until `shutdown` resolves, with the default [`ConnLimits`]; in-flight requests
/// finish first, and every write is one SQLite transaction, so stopping never leaves a
/// half-written state.
pub async fn serve(
    config: ServerConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    serve_with(config, listener, shutdown, ConnLimits::default()).await
}

/// Open connections per client, released when a connection ends.
#[derive(Default)]
struct Counts(std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>);

struct Slot(Arc<Counts>, std::net::IpAddr);

impl Counts {
    fn take(self: &Arc<Self>, ip: std::net::IpAddr, max: usize) -> Option<Slot> {
        let key = state::client_key(ip);
        let mut m = self.0.lock().ok()?;
        let n = m.entry(key).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Slot(self.clone(), key))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut m) = self.0.0.lock()
            && let Some(n) = m.get_mut(&self.1)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&self.1);
            }
        }
    }
}

/// [`serve`] with explicit connection limits: HTTP/1.1 (hyper) with a header-read timeout that
/// also closes idle kept-alive connections, and a cap on open connections per client.
pub async fn serve_with(
    config: ServerConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    limits: ConnLimits,
) -> Result<(), ServerError> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt as _;

    let app = app(&config)?;
    let counts = Arc::new(Counts::default());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, addr) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, a reset before accept: wait a moment, go on.
                    tracing::warn!("accept: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // Reap finished connections so the set stays small.
        while tasks.try_join_next().is_some() {}
        let Some(slot) = counts.take(addr.ip(), limits.per_client) else {
            drop(stream); // over the client's cap: closed at once
            continue;
        };
        let svc = app.clone().map_request(
            move |mut req: axum::extract::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(addr));
                req.map(axum::body::Body::new)
            },
        );
        let svc = hyper_util::service::TowerToHyperService::new(svc);
        let mut stop = stop_rx.clone();
        let header_read = limits.header_read;
        tasks.spawn(async move {
            let _slot = slot;
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_read)
                .serve_connection(TokioIo::new(stream), svc);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r { tracing::debug!("connection from {addr}: {e}"); }
                }
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    if let Err(e) = conn.await { tracing::debug!("connection from {addr}: {e}"); }
                }
            }
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    while tasks.join_next().await.is_some() {}
    Ok(())
}
