//! The central server: PostgreSQL behind the sync protocol (`cetak-sync`).
//!
//! Offices authenticate with a bearer token (only its hash is stored); the office is derived
//! from the token, so an office can only read and write its own rows. Pushed events are stored
//! once per (region, office, key) — a replayed or retried push acknowledges again and changes
//! nothing. Pulls read records after the office's cursor, in sequence order, and say when
//! another office already issued a card to the same NIK.

// Handlers return an HTTP response as their error: a cold path, not worth boxing.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use cetak_sync::{
    Ack, ErrorBody, MAX_BODY, PROTOCOL_VERSION, ParkedRecord, PullRequest, PullResponse,
    PulledRecord, PushRequest, PushResponse, Rejected,
};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use rand::RngCore;

/// What can go wrong on the central side.
#[derive(Debug, thiserror::Error)]
pub enum CentralError {
    /// PostgreSQL said no.
    #[error("database: {0}")]
    Db(#[from] tokio_postgres::Error),
    /// No connection from the pool.
    #[error("database pool: {0}")]
    Pool(String),
    /// A request the centre refuses.
    #[error("{0}")]
    Refused(String),
    /// Network.
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

/// Connect a pool to `database_url` (a `postgres://` URL).
pub fn pool(database_url: &str, size: usize) -> Result<Pool, CentralError> {
    let config: tokio_postgres::Config =
        database_url.parse().map_err(|e: tokio_postgres::Error| {
            CentralError::Refused(format!("bad database URL: {e}"))
        })?;
    let manager = Manager::from_config(
        config,
        tokio_postgres::NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size)
        .build()
        .map_err(|e| CentralError::Pool(e.to_string()))
}

async fn client(pool: &Pool) -> Result<deadpool_postgres::Object, CentralError> {
    pool.get()
        .await
        .map_err(|e| CentralError::Pool(e.to_string()))
}

/// The centre's schema, in order: `MIGRATIONS[i]` brings it from version `i` to `i + 1`. Never
/// edit one that has shipped: add the next.
pub const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_schema.sql"),
    include_str!("migrations/0002_histories.sql"),
    include_str!("migrations/0003_media.sql"),
];

/// Bring the schema to the newest version this cetak knows, one migration per transaction
/// (several servers starting at once take turns); refuse a schema from a newer cetak.
pub async fn migrate(pool: &Pool) -> Result<(), CentralError> {
    let mut c = client(pool).await?;
    let known = MIGRATIONS.len() as i32;
    loop {
        let tx = c.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock(424242)", &[])
            .await?;
        let exists: bool = tx
            .query_one("SELECT to_regclass('cetak_schema') IS NOT NULL", &[])
            .await?
            .get(0);
        let v: i32 = if exists {
            tx.query_one("SELECT coalesce(max(version), 0) FROM cetak_schema", &[])
                .await?
                .get(0)
        } else {
            0
        };
        if v > known {
            return Err(CentralError::Refused(format!(
                "the central database is at schema {v}, newer than this cetak knows ({known})"
            )));
        }
        if v == known {
            return Ok(());
        }
        tx.batch_execute(MIGRATIONS[v as usize]).await?;
        tx.execute(
            "INSERT INTO cetak_schema (version) SELECT $1 WHERE NOT EXISTS
               (SELECT 1 FROM cetak_schema WHERE version = $1)",
            &[&(v + 1)],
        )
        .await?;
        tx.commit().await?;
        tracing::info!(version = v + 1, "central schema migrated");
    }
}

fn token_hash(token: &str) -> Vec<u8> {
    blake3::hash(token.as_bytes()).as_bytes().to_vec()
}

/// Register an office (region = its kabupaten/kota code); returns its secret token, shown once.
pub async fn add_office(pool: &Pool, region: &str, code: &str) -> Result<String, CentralError> {
    let ok = |s: &str| {
        !s.is_empty() && s.len() <= 32 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if !ok(region) || !ok(code) {
        return Err(CentralError::Refused(
            "region and office code: 1-32 letters, digits or '-'".into(),
        ));
    }
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    let token = format!("{code}.{}", hex::encode(raw));
    client(pool)
        .await?
        .execute(
            "INSERT INTO offices (region, code, token_hash) VALUES ($1, $2, $3)",
            &[&region, &code, &token_hash(&token)],
        )
        .await?;
    Ok(token)
}

/// A record to queue for an office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    /// The fields in import-contract order (column 0 the recording id, column 1 the NIK).
    pub fields: Vec<String>,
    /// Its photo, signature and templates as `(slot, bytes)` (import contract v2); `None` for
    /// a record loaded without media. The centre keeps the bytes as they came: the office
    /// checks them.
    pub media: Option<Vec<(String, Vec<u8>)>>,
}

/// Queue print-ready records for an office (fields in import-contract order; column 0 is the
/// recording id, column 1 the NIK). Records already queued for it are skipped. Returns how
/// many were added.
pub async fn add_records(
    pool: &Pool,
    region: &str,
    office: &str,
    records: &[Vec<String>],
) -> Result<u64, CentralError> {
    let records: Vec<NewRecord> = records
        .iter()
        .map(|f| NewRecord {
            fields: f.clone(),
            media: None,
        })
        .collect();
    add_records_with_media(pool, region, office, &records).await
}

fn slot_name_ok(slot: &str) -> bool {
    !slot.is_empty()
        && slot.len() <= 32
        && slot
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// [`add_records`] with each record's media (contract v2), stored in the same transaction as
/// the record. A record already queued keeps what it was queued with (its media too: the
/// office may have pulled it already).
pub async fn add_records_with_media(
    pool: &Pool,
    region: &str,
    office: &str,
    records: &[NewRecord],
) -> Result<u64, CentralError> {
    for r in records {
        for (slot, bytes) in r.media.iter().flatten() {
            if !slot_name_ok(slot) {
                return Err(CentralError::Refused(format!("bad media slot {slot:?}")));
            }
            if bytes.len() > i32::MAX as usize {
                return Err(CentralError::Refused(format!("{slot}: too large")));
            }
        }
    }
    let mut c = client(pool).await?;
    let tx = c.transaction().await?;
    let found = tx
        .query_opt(
            "SELECT 1 FROM offices WHERE region = $1 AND code = $2 FOR UPDATE",
            &[&region, &office],
        )
        .await?;
    if found.is_none() {
        return Err(CentralError::Refused(format!(
            "no office {region}/{office}"
        )));
    }
    let next: i64 = tx
        .query_one(
            "SELECT coalesce(max(seq), 0) FROM records WHERE region = $1 AND office = $2",
            &[&region, &office],
        )
        .await?
        .get(0);
    let stmt = tx
        .prepare(
            "INSERT INTO records (region, office, seq, recording_id, nik, fields, with_media)
             SELECT $1, $2, $3 + ord, r.id, r.nik, r.f, r.m
             FROM unnest($4::text[], $5::text[], $6::jsonb[], $7::bool[])
               WITH ORDINALITY AS r(id, nik, f, m, ord)
             ON CONFLICT (region, office, recording_id) DO NOTHING
             RETURNING recording_id",
        )
        .await?;
    let media_stmt = tx
        .prepare(
            "INSERT INTO record_media (region, office, recording_id, slot, hash, size, bytes)
             SELECT $1, $2, $3, s, h, n, b
             FROM unnest($4::text[], $5::bytea[], $6::int4[], $7::bytea[]) AS t(s, h, n, b)
             ON CONFLICT (region, office, recording_id, slot) DO NOTHING",
        )
        .await?;
    let mut added = 0;
    let mut seq = next;
    for chunk in records.chunks(5_000) {
        let ids: Vec<&str> = chunk
            .iter()
            .map(|r| r.fields.first().map(String::as_str).unwrap_or(""))
            .collect();
        let niks: Vec<&str> = chunk
            .iter()
            .map(|r| r.fields.get(1).map(String::as_str).unwrap_or(""))
            .collect();
        let fields: Vec<serde_json::Value> =
            chunk.iter().map(|r| serde_json::json!(r.fields)).collect();
        let with_media: Vec<bool> = chunk.iter().map(|r| r.media.is_some()).collect();
        let new: std::collections::HashSet<String> = tx
            .query(
                &stmt,
                &[&region, &office, &seq, &ids, &niks, &fields, &with_media],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for (r, id) in chunk.iter().zip(&ids) {
            let Some(items) = &r.media else { continue };
            if items.is_empty() || !new.contains(*id) {
                continue;
            }
            let slots: Vec<&str> = items.iter().map(|(s, _)| s.as_str()).collect();
            let hashes: Vec<Vec<u8>> = items
                .iter()
                .map(|(_, b)| blake3::hash(b).as_bytes().to_vec())
                .collect();
            let sizes: Vec<i32> = items.iter().map(|(_, b)| b.len() as i32).collect();
            let bytes: Vec<&[u8]> = items.iter().map(|(_, b)| b.as_slice()).collect();
            tx.execute(
                &media_stmt,
                &[&region, &office, id, &slots, &hashes, &sizes, &bytes],
            )
            .await?;
        }
        // Sequence numbers of skipped rows stay unused: gaps are fine, order is what matters.
        seq += chunk.len() as i64;
        added += new.len() as u64;
    }
    tx.commit().await?;
    Ok(added)
}

/// The media a record holds at the centre, without the bytes: (recording id, slot, hash hex,
/// size), by recording id, slots in name order.
async fn media_meta(
    c: &deadpool_postgres::Object,
    region: &str,
    office: &str,
    ids: &[&str],
) -> Result<std::collections::HashMap<String, Vec<(String, String, usize)>>, CentralError> {
    let mut out: std::collections::HashMap<String, Vec<(String, String, usize)>> =
        Default::default();
    if ids.is_empty() {
        return Ok(out);
    }
    for r in c
        .query(
            "SELECT recording_id, slot, hash, size FROM record_media
             WHERE region = $1 AND office = $2 AND recording_id = ANY($3)
             ORDER BY recording_id, slot",
            &[&region, &office, &ids],
        )
        .await?
    {
        out.entry(r.get(0)).or_default().push((
            r.get(1),
            hex::encode(r.get::<_, Vec<u8>>(2)),
            r.get::<_, i32>(3).max(0) as usize,
        ));
    }
    Ok(out)
}

fn hash_with(fields: &[String], media: &[(String, String, usize)]) -> String {
    cetak_sync::record_hash_with_media(
        fields,
        media.iter().map(|(s, h, _)| (s.as_str(), h.as_str())),
    )
}

/// Give an office a new token (the old one stops working at once); returns it, shown once.
pub async fn rotate_token(pool: &Pool, region: &str, code: &str) -> Result<String, CentralError> {
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    let token = format!("{code}.{}", hex::encode(raw));
    let n = client(pool)
        .await?
        .execute(
            "UPDATE offices SET token_hash = $3, revoked_at = NULL WHERE region = $1 AND code = $2",
            &[&region, &code, &token_hash(&token)],
        )
        .await?;
    if n == 0 {
        return Err(CentralError::Refused(format!("no office {region}/{code}")));
    }
    Ok(token)
}

/// Revoke an office's token: its requests are refused (401) until a new one is made.
pub async fn revoke_token(pool: &Pool, region: &str, code: &str) -> Result<(), CentralError> {
    let n = client(pool)
        .await?
        .execute(
            "UPDATE offices SET revoked_at = now() WHERE region = $1 AND code = $2",
            &[&region, &code],
        )
        .await?;
    if n == 0 {
        return Err(CentralError::Refused(format!("no office {region}/{code}")));
    }
    Ok(())
}

/// How many events the centre holds for an office (for tests and reports).
pub async fn event_count(pool: &Pool, region: &str, office: &str) -> Result<i64, CentralError> {
    Ok(client(pool)
        .await?
        .query_one(
            "SELECT count(*) FROM events WHERE region = $1 AND office = $2",
            &[&region, &office],
        )
        .await?
        .get(0))
}

/// How the centre's tables spread over a distributed PostgreSQL (Citus) when one server is no
/// longer enough: (table, distribution column). Every primary and unique key of these tables
/// includes the column, and every query on them filters by it (one office is one region, so a
/// push or a pull runs on one worker) — except the [`CROSS_SHARD`] ones.
pub const DISTRIBUTED: &[(&str, &str)] = &[
    ("records", "region"),
    ("events", "region"),
    ("cards_issued", "region"),
    ("record_media", "region"),
];

/// Small tables every worker holds a copy of (Citus reference tables): the token lookup on
/// every request reads one locally, never fanning out.
pub const REFERENCE: &[&str] = &["offices", "centre_identity", "cetak_schema"];

/// The queries that read more than one region, and why each is acceptable.
pub const CROSS_SHARD: &[(&str, &str)] = &[(
    "SELECT nik, min(region || '/' || office) FROM cards_issued",
    "a pull asks, once per batch, whether residents in it hold a card from another region \
     (moved residents): one multi-shard read by an indexed NIK list, never a write",
)];

struct AppState {
    pool: Pool,
}

/// The HTTP application.
pub fn app(pool: Pool) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/sync/v2/push", post(push))
        .route("/sync/v2/pull", post(pull))
        .route("/sync/v1/{*rest}", post(old_version))
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found") })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(Arc::new(AppState { pool }))
}

/// Serve until `shutdown` resolves.
pub async fn serve(
    pool: Pool,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), CentralError> {
    axum::serve(listener, app(pool))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

/// TLS for the centre itself (rustls, ring): the certificate chain and private key, PEM.
pub fn tls_acceptor(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<tokio_rustls::TlsAcceptor, CentralError> {
    use rustls_pki_types::pem::PemObject;
    let bad = |what: &std::path::Path, e: &dyn std::fmt::Display| {
        CentralError::Refused(format!("{}: {e}", what.display()))
    };
    let certs = rustls_pki_types::CertificateDer::pem_file_iter(cert)
        .map_err(|e| bad(cert, &e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(cert, &e))?;
    if certs.is_empty() {
        return Err(bad(cert, &"no certificate in the file"));
    }
    let key_der = rustls_pki_types::PrivateKeyDer::from_pem_file(key).map_err(|e| bad(key, &e))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| CentralError::Refused(e.to_string()))?
    .with_no_client_auth()
    .with_single_cert(certs, key_der)
    .map_err(|e| CentralError::Refused(format!("certificate and key: {e}")))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// A listener that hands axum only connections whose TLS handshake finished; handshakes run
/// concurrently (a slow client never holds up the others) and give up after 10 s.
struct TlsListener {
    local: std::net::SocketAddr,
    ready: tokio::sync::mpsc::Receiver<(
        tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
        std::net::SocketAddr,
    )>,
}

impl TlsListener {
    fn new(listener: tokio::net::TcpListener, acceptor: tokio_rustls::TlsAcceptor) -> Self {
        let local = listener
            .local_addr()
            .unwrap_or_else(|_| std::net::SocketAddr::from(([0, 0, 0, 0], 0)));
        let (tx, ready) = tokio::sync::mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                let (tcp, addr) = match listener.accept().await {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::warn!("accept: {e}");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(
                        std::time::Duration::from_secs(10),
                        acceptor.accept(tcp),
                    )
                    .await
                    {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, addr)).await;
                        }
                        Ok(Err(e)) => tracing::debug!(%addr, "TLS handshake failed: {e}"),
                        Err(_) => tracing::debug!(%addr, "TLS handshake timed out"),
                    }
                });
            }
        });
        TlsListener { local, ready }
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(c) => c,
            // The accept loop never ends while the listener lives.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// Serve over TLS until `shutdown` resolves.
pub async fn serve_tls(
    pool: Pool,
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), CentralError> {
    axum::serve(TlsListener::new(listener, acceptor), app(pool))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

fn body(message: impl Into<String>) -> ErrorBody {
    ErrorBody {
        error: message.into(),
        supported_versions: vec![PROTOCOL_VERSION],
        code: None,
        epoch: None,
        rejected: vec![],
    }
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(body(message))).into_response()
}

/// The whole cause, for the centre's log (PostgreSQL's message, detail and position, not just
/// "db error").
fn cause(e: &CentralError) -> String {
    match e {
        CentralError::Db(db) => match db.as_db_error() {
            Some(d) => format!(
                "database: {} ({}){}{}",
                d.message(),
                d.code().code(),
                d.detail().map(|x| format!("; {x}")).unwrap_or_default(),
                d.where_().map(|x| format!("; at {x}")).unwrap_or_default()
            ),
            None => {
                let mut s = db.to_string();
                let mut src = std::error::Error::source(db);
                while let Some(e) = src {
                    s.push_str(&format!(": {e}"));
                    src = e.source();
                }
                s
            }
        },
        other => other.to_string(),
    }
}

fn internal(e: CentralError) -> Response {
    // Data PostgreSQL cannot hold (class 22: invalid text, out-of-range values) is the
    // request's fault and will never succeed on a retry: say so, with the cause.
    if let CentralError::Db(db) = &e
        && let Some(d) = db.as_db_error()
        && d.code().code().starts_with("22")
    {
        tracing::warn!("refused: {}", cause(&e));
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("the centre cannot store this: {}", d.message()),
        );
    }
    tracing::error!("{}", cause(&e));
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "the centre cannot answer now; retry later",
    )
}

/// The office behind a bearer token, and the centre's history id.
struct Caller {
    region: String,
    office: String,
    epoch: String,
}

async fn office_of(pool: &Pool, headers: &HeaderMap) -> Result<Caller, Response> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| error(StatusCode::UNAUTHORIZED, "missing bearer token"))?;
    let c = client(pool).await.map_err(internal)?;
    let row = c
        .query_opt(
            "SELECT o.region, o.code, o.revoked_at IS NOT NULL, (SELECT epoch FROM centre_identity)
             FROM offices o WHERE o.token_hash = $1",
            &[&token_hash(token.trim())],
        )
        .await
        .map_err(|e| internal(e.into()))?;
    match row {
        None => Err(error(StatusCode::UNAUTHORIZED, "unknown office token")),
        Some(r) if r.get::<_, bool>(2) => Err(error(
            StatusCode::UNAUTHORIZED,
            "this office token was revoked; ask the centre for a new one",
        )),
        Some(r) => Ok(Caller {
            region: r.get(0),
            office: r.get(1),
            epoch: r.get(3),
        }),
    }
}

fn parse<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, Response> {
    serde_json::from_slice(body)
        .map_err(|e| error(StatusCode::BAD_REQUEST, format!("malformed message: {e}")))
}

fn check_version(v: u32) -> Result<(), Response> {
    if v == PROTOCOL_VERSION {
        Ok(())
    } else {
        Err(error(
            StatusCode::BAD_REQUEST,
            format!("protocol version {v} is not supported; this centre speaks {PROTOCOL_VERSION}"),
        ))
    }
}

async fn old_version() -> Response {
    error(
        StatusCode::BAD_REQUEST,
        format!(
            "protocol version 1 is not supported; this centre speaks {PROTOCOL_VERSION} (update cetak at the office)"
        ),
    )
}

/// A 409: the position the office names is not in this centre's history.
fn history_differs(epoch: &str, message: String) -> Response {
    tracing::warn!("{message}");
    let mut b = body(message);
    b.code = Some("history_differs".into());
    b.epoch = Some(epoch.to_string());
    (StatusCode::CONFLICT, axum::Json(b)).into_response()
}

async fn push(State(st): State<Arc<AppState>>, headers: HeaderMap, body_bytes: Bytes) -> Response {
    let who = match office_of(&st.pool, &headers).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let req: PushRequest = match parse(&body_bytes) {
        Ok(r) => r,
        Err(r) => return r,
    };
    if let Err(r) = check_version(req.version) {
        return r;
    }
    if req.events.len() > cetak_sync::PUSH_BATCH * 2 {
        return error(StatusCode::PAYLOAD_TOO_LARGE, "too many events in one push");
    }
    match store_events(&st.pool, &who, &req).await {
        Ok(Stored::Done { new, forks }) => axum::Json(PushResponse {
            epoch: who.epoch,
            acknowledged: req
                .events
                .iter()
                .map(|e| Ack {
                    key: e.key.clone(),
                    hash: e.hash.clone(),
                })
                .collect(),
            new,
            forks,
        })
        .into_response(),
        Ok(Stored::Rejected(rejected)) => {
            tracing::warn!(
                region = who.region,
                office = who.office,
                ?rejected,
                "events refused"
            );
            let mut b = body(format!(
                "{} event(s) can never be stored: {}",
                rejected.len(),
                rejected
                    .iter()
                    .map(|r| format!("{}: {}", r.key, r.reason))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
            b.code = Some("rejected".into());
            b.epoch = Some(who.epoch);
            b.rejected = rejected;
            (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(b)).into_response()
        }
        Ok(Stored::Unknown(message)) => history_differs(&who.epoch, message),
        Err(e) => internal(e),
    }
}

enum Stored {
    Done { new: usize, forks: Vec<String> },
    Rejected(Vec<Rejected>),
    Unknown(String),
}

fn body_nik(e: &cetak_sync::Event) -> Option<&str> {
    e.body.get("nik").and_then(|v| v.as_str())
}

async fn store_events(
    pool: &Pool,
    who: &Caller,
    req: &PushRequest,
) -> Result<Stored, CentralError> {
    let (region, office) = (who.region.as_str(), who.office.as_str());
    let mut rejected: Vec<Rejected> = req
        .events
        .iter()
        .filter_map(|e| {
            cetak_sync::event_problem(e).map(|reason| Rejected {
                key: e.key.clone(),
                reason,
            })
        })
        .collect();
    let mut c = client(pool).await?;
    let tx = c.transaction().await?;
    // One push per office at a time: what is new and what is a second history is decided
    // against a stable picture.
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext($1 || '/' || $2))",
        &[&region, &office],
    )
    .await?;
    if let Some(since) = &req.since {
        let held = tx
            .query_opt(
                "SELECT 1 FROM events WHERE region = $1 AND office = $2 AND key = $3
                   AND (hash = $4 OR hash = '')",
                &[&region, &office, &since.at, &since.hash],
            )
            .await?;
        if held.is_none() {
            return Ok(Stored::Unknown(format!(
                "{region}/{office} pushes after {}, which this centre does not hold with that content (a restored centre or office): push again from the start",
                since.at
            )));
        }
    }
    // Cards only for records this centre sent to this office: an office cannot issue or revoke
    // another region's residents.
    let card_events: Vec<&cetak_sync::Event> = req
        .events
        .iter()
        .filter(|e| matches!(e.kind.as_str(), "issued" | "revoked"))
        .collect();
    if !card_events.is_empty() {
        let niks: Vec<&str> = card_events.iter().filter_map(|e| body_nik(e)).collect();
        let known: std::collections::HashSet<String> = tx
            .query(
                "SELECT DISTINCT nik FROM records WHERE region = $1 AND office = $2 AND nik = ANY($3)",
                &[&region, &office, &niks],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for e in &card_events {
            if !body_nik(e).is_some_and(|n| known.contains(n)) {
                rejected.push(Rejected {
                    key: e.key.clone(),
                    reason: format!(
                        "a card event ({}) for a NIK this centre never sent to {region}/{office}",
                        e.kind
                    ),
                });
            }
        }
    }
    if !rejected.is_empty() {
        return Ok(Stored::Rejected(rejected));
    }
    let keys: Vec<&str> = req.events.iter().map(|e| e.key.as_str()).collect();
    let mut held: std::collections::HashMap<String, Vec<String>> = Default::default();
    for r in tx
        .query(
            "SELECT key, hash FROM events WHERE region = $1 AND office = $2 AND key = ANY($3)",
            &[&region, &office, &keys],
        )
        .await?
    {
        held.entry(r.get(0)).or_default().push(r.get(1));
    }
    let mut fresh = Vec::new();
    let mut forks = Vec::new();
    for e in &req.events {
        match held.get(&e.key) {
            None => fresh.push((e, false)),
            Some(hashes) if hashes.contains(&e.hash) => {}
            Some(hashes) if hashes.iter().any(|h| h.is_empty()) => {
                // Stored by schema 1 without a hash: this is the same event, now with it.
                tx.execute(
                    "UPDATE events SET hash = $4 WHERE region = $1 AND office = $2 AND key = $3 AND hash = ''",
                    &[&region, &office, &e.key, &e.hash],
                )
                .await?;
            }
            Some(_) => {
                fresh.push((e, true));
                forks.push(e.key.clone());
            }
        }
    }
    let keys: Vec<&str> = fresh.iter().map(|(e, _)| e.key.as_str()).collect();
    let hashes: Vec<&str> = fresh.iter().map(|(e, _)| e.hash.as_str()).collect();
    let kinds: Vec<&str> = fresh.iter().map(|(e, _)| e.kind.as_str()).collect();
    let ats: Vec<&str> = fresh.iter().map(|(e, _)| e.at.as_str()).collect();
    let bodies: Vec<&serde_json::Value> = fresh.iter().map(|(e, _)| &e.body).collect();
    let fork: Vec<bool> = fresh.iter().map(|(_, f)| *f).collect();
    let new = tx
        .execute(
            "INSERT INTO events (region, office, key, hash, kind, at, body, fork)
             SELECT $1, $2, k, h, kd, a, b, f
             FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::bool[])
               AS t(k, h, kd, a, b, f)
             ON CONFLICT (region, office, key, hash) DO NOTHING",
            &[
                &region, &office, &keys, &hashes, &kinds, &ats, &bodies, &fork,
            ],
        )
        .await?;
    // Cards issued and revoked, in the order they happened.
    for (e, _) in fresh
        .iter()
        .filter(|(e, _)| matches!(e.kind.as_str(), "issued" | "revoked"))
    {
        let nik = body_nik(e).unwrap_or_default();
        if e.kind == "issued" {
            tx.execute(
                "INSERT INTO cards_issued (nik, region, office, key) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (nik, region, office) DO UPDATE SET key = excluded.key, revoked_key = NULL",
                &[&nik, &region, &office, &e.key],
            )
            .await?;
        } else {
            tx.execute(
                "UPDATE cards_issued SET revoked_key = $4 WHERE nik = $1 AND region = $2 AND office = $3",
                &[&nik, &region, &office, &e.key],
            )
            .await?;
        }
    }
    tx.commit().await?;
    if !forks.is_empty() {
        tracing::error!(
            region,
            office,
            ?forks,
            "ALARM: the office sent other content under keys the centre already holds (an office restored from an older copy?); both are kept"
        );
    }
    Ok(Stored::Done {
        new: new as usize,
        forks,
    })
}

async fn pull(State(st): State<Arc<AppState>>, headers: HeaderMap, body_bytes: Bytes) -> Response {
    let who = match office_of(&st.pool, &headers).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let req: PullRequest = match parse(&body_bytes) {
        Ok(r) => r,
        Err(r) => return r,
    };
    if let Err(r) = check_version(req.version) {
        return r;
    }
    match read_records(&st.pool, &who, &req).await {
        Ok(Ok(resp)) => axum::Json(resp).into_response(),
        Ok(Err(message)) => history_differs(&who.epoch, message),
        Err(e) => internal(e),
    }
}

async fn read_records(
    pool: &Pool,
    who: &Caller,
    req: &PullRequest,
) -> Result<Result<PullResponse, String>, CentralError> {
    let (region, office) = (who.region.as_str(), who.office.as_str());
    let limit = req.limit.clamp(1, cetak_sync::PULL_BATCH) as i64;
    let max_bytes = req
        .max_bytes
        .clamp(cetak_sync::MIN_BATCH_BYTES, MAX_BODY / 2);
    let c = client(pool).await?;
    // The office's cursor must stand on a record this centre holds, with that content: a
    // centre restored from an older backup (or rebuilt) would otherwise hand out new records
    // under sequence numbers the office has already passed.
    if req.after > 0 {
        let at = c
            .query_opt(
                "SELECT fields, with_media, recording_id FROM records
                 WHERE region = $1 AND office = $2 AND seq = $3",
                &[&region, &office, &req.after],
            )
            .await?;
        let same = match (at, &req.after_hash) {
            (Some(_), None) => true,
            (Some(r), Some(h)) => {
                let fields = fields_of(r.get(0));
                // The office may have pulled it with its media or without.
                cetak_sync::record_hash(&fields) == *h
                    || (r.get::<_, bool>(1) && {
                        let id: String = r.get(2);
                        let meta = media_meta(&c, region, office, &[id.as_str()]).await?;
                        hash_with(&fields, meta.get(&id).map_or(&[][..], Vec::as_slice)) == *h
                    })
            }
            (None, _) => false,
        };
        if !same {
            return Ok(Err(format!(
                "{region}/{office} pulls after record {}, which this centre does not hold with that content (a restored centre or office): pull again from the start",
                req.after
            )));
        }
    }
    let rows = c
        .query(
            "SELECT r.seq, r.fields, r.recording_id, r.parked_reason, r.nik, r.with_media
             FROM records r WHERE r.region = $1 AND r.office = $2 AND r.seq > $3
             ORDER BY r.seq LIMIT $4",
            &[&region, &office, &req.after, &(limit + 1)],
        )
        .await?;
    // Cards another office already issued to these residents: one read for the batch (the
    // only query that crosses regions, see CROSS_SHARD).
    let niks: Vec<String> = rows.iter().map(|r| r.get::<_, String>(4)).collect();
    let elsewhere: std::collections::HashMap<String, String> = c
        .query(
            "SELECT nik, min(region || '/' || office) FROM cards_issued
             WHERE nik = ANY($1) AND revoked_key IS NULL AND NOT (region = $2 AND office = $3)
             GROUP BY nik",
            &[&niks, &region, &office],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    // What media the batch's records hold, without the bytes: their sizes count into the
    // answer's budget (base64-expanded) before any byte is read.
    let media_ids: Vec<String> = if req.media {
        rows.iter()
            .filter(|r| r.get::<_, bool>(5))
            .map(|r| r.get(2))
            .collect()
    } else {
        Vec::new()
    };
    let meta = media_meta(
        &c,
        region,
        office,
        &media_ids.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .await?;
    let mut records = Vec::new();
    let mut parked = Vec::new();
    let mut bytes = 0usize;
    let mut more = false;
    let mut last = req.after;
    for (i, r) in rows.iter().enumerate() {
        if i as i64 == limit {
            more = true;
            break;
        }
        let seq: i64 = r.get(0);
        let fields = fields_of(r.get(1));
        let id: String = r.get(2);
        let media =
            (req.media && r.get::<_, bool>(5)).then(|| meta.get(&id).cloned().unwrap_or_default());
        let hash = match &media {
            None => cetak_sync::record_hash(&fields),
            Some(m) => hash_with(&fields, m),
        };
        let media_size: usize = media
            .iter()
            .flatten()
            .map(|(slot, _, n)| cetak_sync::media_wire_bytes(slot, *n))
            .sum();
        let size = cetak_sync::record_wire_bytes(&fields) + media_size;
        let reason: Option<String> = r.get(3);
        if reason.is_none() && size <= cetak_sync::MAX_ITEM_BYTES {
            if !records.is_empty() && bytes + size > max_bytes {
                more = true;
                break;
            }
            bytes += size;
            records.push((
                PulledRecord {
                    seq,
                    hash,
                    fields,
                    card_issued_by: elsewhere.get(&r.get::<_, String>(4)).cloned(),
                    media: media.as_ref().map(|_| Vec::new()),
                },
                id,
                media,
            ));
        } else {
            let reason = reason.unwrap_or_else(|| {
                if media_size > 0 {
                    format!(
                        "the record with its photo, signature and templates is {size} bytes on the wire ({media_size} of them media), more than any answer may carry ({} bytes) / rekaman beserta foto, tanda tangan dan sidik jarinya terlalu besar untuk dikirim",
                        cetak_sync::MAX_ITEM_BYTES
                    )
                } else {
                    format!(
                        "the record is {size} bytes, more than any answer may carry ({} bytes) / rekaman terlalu besar untuk dikirim",
                        cetak_sync::MAX_ITEM_BYTES
                    )
                }
            });
            c.execute(
                "UPDATE records SET parked_reason = $4 WHERE region = $1 AND office = $2 AND seq = $3 AND parked_reason IS NULL",
                &[&region, &office, &seq, &reason],
            )
            .await?;
            tracing::warn!(region, office, seq, reason, "record parked");
            parked.push(ParkedRecord {
                seq,
                recording_id: id,
                hash,
                reason,
            });
        }
        last = seq;
    }
    // The bytes, for the records that travel in this answer only.
    let sending: Vec<&str> = records
        .iter()
        .filter(|(_, _, m)| m.as_ref().is_some_and(|m| !m.is_empty()))
        .map(|(_, id, _)| id.as_str())
        .collect();
    let mut contents: std::collections::HashMap<(String, String), Vec<u8>> = Default::default();
    if !sending.is_empty() {
        for r in c
            .query(
                "SELECT recording_id, slot, bytes FROM record_media
                 WHERE region = $1 AND office = $2 AND recording_id = ANY($3)",
                &[&region, &office, &sending],
            )
            .await?
        {
            contents.insert((r.get(0), r.get(1)), r.get(2));
        }
    }
    let records = records
        .into_iter()
        .map(|(mut rec, id, media)| {
            if let Some(items) = media {
                use base64::Engine as _;
                // The hash the centre stored when the media came, never one made now: damage
                // at rest is caught at the office like damage on the way.
                rec.media = Some(
                    items
                        .into_iter()
                        .map(|(slot, hash, _)| {
                            let b = contents
                                .remove(&(id.clone(), slot.clone()))
                                .unwrap_or_default();
                            cetak_sync::PulledMedia {
                                bytes: base64::engine::general_purpose::STANDARD.encode(b),
                                slot,
                                hash,
                            }
                        })
                        .collect(),
                );
            }
            rec
        })
        .collect();
    let waiting: Option<i64> = if !more {
        Some(0)
    } else if req.count_waiting {
        Some(
        c.query_one(
            "SELECT count(*) FROM records WHERE region = $1 AND office = $2 AND seq > $3 AND parked_reason IS NULL",
            &[&region, &office, &last],
        )
        .await?
        .get(0),
        )
    } else {
        None
    };
    Ok(Ok(PullResponse {
        epoch: who.epoch.clone(),
        records,
        parked,
        more,
        waiting: waiting.map(|w| w as u64),
    }))
}

fn fields_of(v: serde_json::Value) -> Vec<String> {
    serde_json::from_value(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every SQL statement in this file that touches a distributed table filters by its
    /// distribution column (or is listed in CROSS_SHARD): a push or a pull stays on one worker.
    #[test]
    fn every_query_on_a_distributed_table_names_its_region() {
        let src = include_str!("lib.rs");
        let test_start = src.find("#[cfg(test)]").expect("tests");
        let mut checked = 0;
        for (i, _) in src[..test_start].match_indices('"') {
            let rest = &src[i + 1..test_start];
            let Some(end) = rest.find('"') else { break };
            let sql = &rest[..end];
            let upper = sql.to_uppercase();
            if !(upper.starts_with("SELECT")
                || upper.starts_with("INSERT")
                || upper.starts_with("UPDATE")
                || upper.starts_with("DELETE"))
            {
                continue;
            }
            for (table, column) in DISTRIBUTED {
                let touches = [" FROM ", " INTO ", "UPDATE "]
                    .iter()
                    .any(|k| upper.contains(&format!("{k}{}", table.to_uppercase())));
                if !touches {
                    continue;
                }
                checked += 1;
                let cross = CROSS_SHARD.iter().any(|(q, _)| sql.contains(q));
                let filters = sql.contains(&format!("{column} = $"))
                    || sql.contains(&format!("r.{column} = $"))
                    || sql.contains(&format!("INSERT INTO {table} ({column}"))
                    || sql.contains(&format!("INSERT INTO {table} (nik, {column}"));
                assert!(cross || filters, "{table} without {column}: {sql}");
            }
        }
        assert!(
            checked >= 12,
            "found only {checked} statements: the scan is broken"
        );
    }
}
