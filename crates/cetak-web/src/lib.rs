//! The office server (`cetak serve`): operator pages, the resident status page and a JSON API.
//!
//! Every route is declared once in [`routes::ROUTES`] with who may use it; one middleware
//! ([`auth::guard`]) enforces that table for pages and API alike, and the route × role test
//! matrix is generated from it, so a new route cannot be forgotten. Pages are rendered on the
//! server (minijinja, auto-escaped), in Bahasa Indonesia by default and English on request.
//! The store is synchronous SQLite: requests borrow a connection from a small pool on a
//! blocking thread.
#![deny(missing_docs)]

pub mod auth;
pub(crate) mod pages;
pub mod password;
mod pool;
pub mod routes;
mod state;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub use auth::hash_password;
pub use state::{AppState, PrintRunner};

/// How to run the server.
#[derive(Clone)]
pub struct ServerConfig {
    /// The office database.
    pub db: PathBuf,
    /// Resident lookups allowed per client per minute (0: unlimited, for load tests).
    pub resident_per_minute: u32,
    /// Mark cookies `Secure` (behind TLS).
    pub secure_cookies: bool,
    /// What "start printing" does (the binary passes its spool).
    pub print_runner: Option<PrintRunner>,
    /// Applies duplicate decisions at once (a dedup run honouring every decision so far);
    /// called after a supervisor decides a pair.
    pub dedup_runner: Option<PrintRunner>,
    /// Connections in the pool.
    pub connections: usize,
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

/// Build the application (for `serve` and for in-process tests).
pub fn app(config: &ServerConfig) -> Result<axum::Router, ServerError> {
    let state = Arc::new(AppState::new(config)?);
    Ok(routes::router(state))
}

/// Serve until `shutdown` resolves; in-flight requests finish first, and every write is one
/// SQLite transaction, so stopping never leaves a half-written state.
pub async fn serve(
    config: ServerConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let app = app(&config)?;
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    Ok(())
}
