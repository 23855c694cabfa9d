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
    ErrorBody, MAX_BODY, PROTOCOL_VERSION, PullRequest, PullResponse, PulledRecord, PushRequest,
    PushResponse,
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

/// Create the schema if the database is empty; refuse a schema from a newer cetak.
pub async fn migrate(pool: &Pool) -> Result<(), CentralError> {
    let mut c = client(pool).await?;
    let tx = c.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock(424242)", &[])
        .await?;
    let exists: bool = tx
        .query_one("SELECT to_regclass('cetak_schema') IS NOT NULL", &[])
        .await?
        .get(0);
    if exists {
        let v: i32 = tx
            .query_one("SELECT max(version) FROM cetak_schema", &[])
            .await?
            .get(0);
        if v > 1 {
            return Err(CentralError::Refused(format!(
                "the central database is at schema {v}, newer than this cetak knows (1)"
            )));
        }
    } else {
        tx.batch_execute(include_str!("schema.sql")).await?;
    }
    tx.commit().await?;
    Ok(())
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

/// Queue print-ready records for an office (fields in import-contract order; column 0 is the
/// recording id, column 1 the NIK). Records already queued for it are skipped. Returns how
/// many were added.
pub async fn add_records(
    pool: &Pool,
    region: &str,
    office: &str,
    records: &[Vec<String>],
) -> Result<u64, CentralError> {
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
            "INSERT INTO records (region, office, seq, recording_id, nik, fields)
             SELECT $1, $2, $3 + ord, r.id, r.nik, r.f
             FROM unnest($4::text[], $5::text[], $6::jsonb[]) WITH ORDINALITY AS r(id, nik, f, ord)
             ON CONFLICT (region, office, recording_id) DO NOTHING",
        )
        .await?;
    let mut added = 0;
    let mut seq = next;
    for chunk in records.chunks(5_000) {
        let ids: Vec<&str> = chunk
            .iter()
            .map(|f| f.first().map(String::as_str).unwrap_or(""))
            .collect();
        let niks: Vec<&str> = chunk
            .iter()
            .map(|f| f.get(1).map(String::as_str).unwrap_or(""))
            .collect();
        let fields: Vec<serde_json::Value> = chunk.iter().map(|f| serde_json::json!(f)).collect();
        let n = tx
            .execute(&stmt, &[&region, &office, &seq, &ids, &niks, &fields])
            .await?;
        // Sequence numbers of skipped rows stay unused: gaps are fine, order is what matters.
        seq += chunk.len() as i64;
        added += n;
    }
    tx.commit().await?;
    Ok(added)
}

/// How many events the centre holds for an office (for tests and reports).
pub async fn event_count(pool: &Pool, office: &str) -> Result<i64, CentralError> {
    Ok(client(pool)
        .await?
        .query_one("SELECT count(*) FROM events WHERE office = $1", &[&office])
        .await?
        .get(0))
}

struct AppState {
    pool: Pool,
}

/// The HTTP application.
pub fn app(pool: Pool) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/sync/v1/push", post(push))
        .route("/sync/v1/pull", post(pull))
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

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        axum::Json(ErrorBody {
            error: message.into(),
            supported_versions: vec![PROTOCOL_VERSION],
        }),
    )
        .into_response()
}

fn internal(e: CentralError) -> Response {
    tracing::error!("{e}");
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "the centre cannot answer now; retry later",
    )
}

/// The office behind a bearer token.
async fn office_of(pool: &Pool, headers: &HeaderMap) -> Result<(String, String), Response> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| error(StatusCode::UNAUTHORIZED, "missing bearer token"))?;
    let c = client(pool).await.map_err(internal)?;
    let row = c
        .query_opt(
            "SELECT region, code FROM offices WHERE token_hash = $1",
            &[&token_hash(token.trim())],
        )
        .await
        .map_err(|e| internal(e.into()))?;
    row.map(|r| (r.get(0), r.get(1)))
        .ok_or_else(|| error(StatusCode::UNAUTHORIZED, "unknown office token"))
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

async fn push(State(st): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let (region, office) = match office_of(&st.pool, &headers).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let req: PushRequest = match parse(&body) {
        Ok(r) => r,
        Err(r) => return r,
    };
    if let Err(r) = check_version(req.version) {
        return r;
    }
    if req.events.len() > cetak_sync::PUSH_BATCH * 2 {
        return error(StatusCode::PAYLOAD_TOO_LARGE, "too many events in one push");
    }
    if let Some(e) = req
        .events
        .iter()
        .find(|e| e.key.is_empty() || e.key.len() > 200 || e.kind.len() > 64)
    {
        return error(
            StatusCode::BAD_REQUEST,
            format!("bad event key or kind: {:?}", e.key),
        );
    }
    match store_events(&st.pool, &region, &office, &req).await {
        Ok(new) => axum::Json(PushResponse {
            acknowledged: req.events.iter().map(|e| e.key.clone()).collect(),
            new,
        })
        .into_response(),
        Err(e) => internal(e),
    }
}

async fn store_events(
    pool: &Pool,
    region: &str,
    office: &str,
    req: &PushRequest,
) -> Result<usize, CentralError> {
    let mut c = client(pool).await?;
    let tx = c.transaction().await?;
    let keys: Vec<&str> = req.events.iter().map(|e| e.key.as_str()).collect();
    let kinds: Vec<&str> = req.events.iter().map(|e| e.kind.as_str()).collect();
    let ats: Vec<&str> = req.events.iter().map(|e| e.at.as_str()).collect();
    let bodies: Vec<&serde_json::Value> = req.events.iter().map(|e| &e.body).collect();
    let new = tx
        .execute(
            "INSERT INTO events (region, office, key, kind, at, body)
             SELECT $1, $2, k, kd, a, b FROM unnest($3::text[], $4::text[], $5::text[], $6::jsonb[]) AS t(k, kd, a, b)
             ON CONFLICT (region, office, key) DO NOTHING",
            &[&region, &office, &keys, &kinds, &ats, &bodies],
        )
        .await?;
    tx.execute(
        "INSERT INTO cards_issued (nik, region, office, key)
         SELECT b->>'nik', $1, $2, k FROM unnest($3::text[], $4::text[], $5::jsonb[]) AS t(k, kd, b)
         WHERE kd = 'issued' AND b->>'nik' IS NOT NULL
         ON CONFLICT DO NOTHING",
        &[&region, &office, &keys, &kinds, &bodies],
    )
    .await?;
    tx.commit().await?;
    Ok(new as usize)
}

async fn pull(State(st): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let (region, office) = match office_of(&st.pool, &headers).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let req: PullRequest = match parse(&body) {
        Ok(r) => r,
        Err(r) => return r,
    };
    if let Err(r) = check_version(req.version) {
        return r;
    }
    let limit = req.limit.clamp(1, cetak_sync::PULL_BATCH) as i64;
    let c = match client(&st.pool).await {
        Ok(c) => c,
        Err(e) => return internal(e),
    };
    let rows = c
        .query(
            "SELECT r.seq, r.fields,
                    (SELECT min(ci.office) FROM cards_issued ci
                      WHERE ci.nik = r.nik AND NOT (ci.region = r.region AND ci.office = r.office))
             FROM records r WHERE r.region = $1 AND r.office = $2 AND r.seq > $3
             ORDER BY r.seq LIMIT $4",
            &[&region, &office, &req.after, &(limit + 1)],
        )
        .await;
    let rows = match rows {
        Ok(r) => r,
        Err(e) => return internal(e.into()),
    };
    let more = rows.len() as i64 > limit;
    let records = rows
        .iter()
        .take(limit as usize)
        .map(|r| {
            let fields: serde_json::Value = r.get(1);
            PulledRecord {
                seq: r.get(0),
                fields: serde_json::from_value(fields).unwrap_or_default(),
                card_issued_by: r.get(2),
            }
        })
        .collect();
    axum::Json(PullResponse { records, more }).into_response()
}
