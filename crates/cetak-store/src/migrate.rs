//! Versioned migrations, tracked in SQLite's `user_version`.

use rusqlite::Connection;

use crate::{Result, StoreError};

/// Migrations in order; `MIGRATIONS[i]` brings the schema from version `i` to `i + 1`.
/// Never edit one that has shipped: add the next.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_registry.sql"),
    include_str!("migrations/0002_dedup.sql"),
    include_str!("migrations/0003_print.sql"),
    include_str!("migrations/0004_users.sql"),
    include_str!("migrations/0005_sync.sql"),
    include_str!("migrations/0006_print_guards.sql"),
    include_str!("migrations/0007_needs_correction.sql"),
    include_str!("migrations/0008_narrow_states.sql"),
    include_str!("migrations/0009_sync_histories.sql"),
    include_str!("migrations/0010_media.sql"),
    include_str!("migrations/0011_chip.sql"),
];

pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    let known = MIGRATIONS.len() as i64;
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > known {
        return Err(StoreError::SchemaTooNew { found, known });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
        tracing::info!(version = i + 1, "database schema migrated");
    }
    Ok(())
}

/// A database file at an older schema `version` (the first `version` migrations only), for
/// tests of the migrations that follow it.
#[doc(hidden)]
pub fn create_at_version(path: &std::path::Path, version: usize) -> Result<()> {
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    for (i, sql) in MIGRATIONS.iter().enumerate().take(version) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
