//! Office accounts and web sessions. Passwords arrive already hashed (argon2id, by the server);
//! session tokens arrive hashed too: the database never holds a secret that logs a user in.
//!
//! Account names are case-insensitive: `ADMIN1` and `admin1` are one account, and a second
//! spelling is refused at creation. (Databases made before this rule may hold two spellings;
//! then the exact spelling wins, and an ambiguous one finds nobody.) Every change to an
//! account is audited; the last enabled admin can be neither disabled nor demoted.
//!
//! Also here: the facts the public resident check compares ([`Store::resident_facts`]), which
//! belong with the other "who may see what" questions rather than with printing.

use cetak_domain::access::Role;
use cetak_domain::lifecycle::{Actor, RecordState};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use serde::Serialize;
use time::OffsetDateTime;

use crate::audit::{self, AuditEntry};
use crate::{Result, Store, StoreError, rfc3339};

/// An account.
#[derive(Debug, Clone, Serialize)]
pub struct UserRow {
    /// Row id.
    pub id: i64,
    /// Login name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// argon2id PHC string (never serialized).
    #[serde(skip)]
    pub password_hash: String,
    /// Cannot log in.
    pub disabled: bool,
    /// When created.
    pub created_at: String,
}

/// A live session.
#[derive(Debug, Clone, Serialize)]
pub struct SessionRow {
    /// The user.
    pub user: UserRow,
    /// The session's CSRF token (forms echo it).
    pub csrf: String,
    /// When it expires.
    pub expires_at: String,
}

fn user_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<(UserRow, String)> {
    let role: String = r.get(2)?;
    Ok((
        UserRow {
            id: r.get(0)?,
            name: r.get(1)?,
            role: Role::Operator,
            password_hash: r.get(3)?,
            disabled: r.get(4)?,
            created_at: r.get(5)?,
        },
        role,
    ))
}

fn with_role((mut u, role): (UserRow, String)) -> Result<UserRow> {
    u.role = Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?;
    Ok(u)
}

/// A login name: 1–64 characters of letters, digits, `.`, `_`, `-`.
pub fn valid_user_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn pick(mut rows: Vec<(UserRow, String)>, name: &str) -> Option<(UserRow, String)> {
    if let Some(i) = rows.iter().position(|(u, _)| u.name == name) {
        return Some(rows.swap_remove(i));
    }
    if rows.len() == 1 { rows.pop() } else { None }
}

/// The account `name` names (ignoring case), inside a transaction.
fn resolve(tx: &Transaction<'_>, name: &str) -> Result<UserRow> {
    let mut stmt = tx.prepare_cached(
        "SELECT id, name, role, password_hash, disabled, created_at FROM users
         WHERE name = ?1 COLLATE NOCASE",
    )?;
    let rows: Vec<(UserRow, String)> = stmt
        .query_map([name], user_from)?
        .collect::<rusqlite::Result<_>>()?;
    match pick(rows, name) {
        Some(u) => with_role(u),
        None => Err(StoreError::NotFound(format!(
            "tidak ada pengguna {name:?} / no user {name:?}"
        ))),
    }
}

/// Refuse to take away the last enabled admin (`what_id`/`what_en`: the verb, for the message).
fn refuse_last_admin(
    tx: &Transaction<'_>,
    u: &UserRow,
    what_id: &str,
    what_en: &str,
) -> Result<()> {
    if u.role != Role::Admin || u.disabled {
        return Ok(());
    }
    let others: i64 = tx.query_row(
        "SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0 AND id != ?1",
        [u.id],
        |r| r.get(0),
    )?;
    if others == 0 {
        return Err(StoreError::Conflict(format!(
            "tidak bisa {what_id} admin terakhir yang aktif / cannot {what_en} the last enabled admin"
        )));
    }
    Ok(())
}

/// Revoke the live sessions of a user, except `keep`; how many.
fn end_sessions(
    tx: &Transaction<'_>,
    user_id: i64,
    keep: Option<&[u8; 32]>,
    at: OffsetDateTime,
) -> Result<usize> {
    let keep: &[u8] = keep.map_or(&[], |k| &k[..]);
    Ok(tx.execute(
        "UPDATE sessions SET revoked_at = ?2
         WHERE user_id = ?1 AND revoked_at IS NULL AND token_hash != ?3",
        params![user_id, rfc3339(at), keep],
    )?)
}

fn audit_user(
    tx: &Transaction<'_>,
    actor: &Actor,
    at: OffsetDateTime,
    action: &str,
    name: &str,
    reason: &str,
    detail: serde_json::Value,
) -> Result<()> {
    audit::append(
        tx,
        &AuditEntry {
            seq: 0,
            at: rfc3339(at),
            actor: actor.0.clone(),
            action: action.into(),
            subject: format!("user:{name}"),
            reason: reason.into(),
            detail: detail.to_string(),
        },
    )?;
    Ok(())
}

/// What the public resident check compares for a NIK: the birth date, the mother's name,
/// the record's state and where it was recorded (where the card is collected).
#[derive(Debug, Clone)]
pub struct ResidentFacts {
    /// The resident's name (shown to staff before a hand-over, never to the public).
    pub nama: String,
    /// `YYYY-MM-DD`.
    pub tanggal_lahir: String,
    /// The mother's name as recorded.
    pub nama_ibu: String,
    /// The record's state.
    pub state: RecordState,
    /// Where the card is collected.
    pub recording_site: String,
}

impl StoreError {
    /// SQLite answered "busy" or "locked": another writer (an import, a dedup run) holds the
    /// database longer than the connection's busy timeout. Worth trying again shortly.
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    }
}

impl Store {
    /// The facts of the record a resident asks about by NIK: the live recording (not a
    /// duplicate or cancelled one) if any, else the latest.
    pub fn resident_facts(&self, nik: &str) -> Result<Option<ResidentFacts>> {
        let row: Option<(String, String, String, String, String)> = self
            .conn
            .prepare_cached(
                "SELECT tanggal_lahir, nama_ibu, state, recording_site, nama FROM records
                 WHERE nik = ?1 ORDER BY state IN ('duplicate', 'cancelled'), recorded_at DESC LIMIT 1",
            )?
            .query_row([nik], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()?;
        row.map(|(tanggal_lahir, nama_ibu, state, recording_site, nama)| {
            let state = RecordState::parse(&state)
                .ok_or_else(|| StoreError::Corrupt(format!("record state {state:?}")))?;
            Ok(ResidentFacts {
                nama,
                tanggal_lahir,
                nama_ibu,
                state,
                recording_site,
            })
        })
        .transpose()
    }
}

impl Store {
    /// Create an account (audited). The password is already an argon2id hash.
    pub fn user_add(
        &mut self,
        name: &str,
        role: Role,
        password_hash: &str,
        actor: &Actor,
        at: OffsetDateTime,
    ) -> Result<i64> {
        if !valid_user_name(name) {
            return Err(StoreError::Refused(
                "nama pengguna 1-64 huruf, angka, '.', '_' atau '-' / a user name is 1-64 letters, digits, '.', '_' or '-'".into(),
            ));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM users WHERE name = ?1 COLLATE NOCASE)",
            [name],
            |r| r.get(0),
        )?;
        if exists {
            return Err(StoreError::Conflict(format!(
                "pengguna {name:?} sudah ada (huruf besar/kecil tidak dibedakan) / user {name:?} already exists (names ignore case)"
            )));
        }
        tx.execute(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![name, role.as_str(), password_hash, rfc3339(at)],
        )?;
        let id = tx.last_insert_rowid();
        audit::append(
            &tx,
            &AuditEntry {
                seq: 0,
                at: rfc3339(at),
                actor: actor.0.clone(),
                action: "user_add".into(),
                subject: format!("user:{name}"),
                reason: format!("account created with role {}", role.as_str()),
                detail: serde_json::json!({ "role": role }).to_string(),
            },
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Disable or enable an account (audited); disabling ends its sessions. The last enabled
    /// admin cannot be disabled.
    pub fn user_set_disabled(
        &mut self,
        name: &str,
        disabled: bool,
        actor: &Actor,
        at: OffsetDateTime,
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let u = resolve(&tx, name)?;
        if disabled {
            refuse_last_admin(&tx, &u, "menonaktifkan", "disable")?;
        }
        tx.execute(
            "UPDATE users SET disabled = ?2 WHERE id = ?1",
            params![u.id, disabled],
        )?;
        let ended = if disabled {
            end_sessions(&tx, u.id, None, at)?
        } else {
            0
        };
        audit_user(
            &tx,
            actor,
            at,
            if disabled {
                "user_disable"
            } else {
                "user_enable"
            },
            &u.name,
            if disabled {
                "account disabled; its sessions ended"
            } else {
                "account enabled"
            },
            serde_json::json!({ "sessions_ended": ended }),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Change an account's role (audited). The last enabled admin cannot be demoted.
    pub fn user_set_role(
        &mut self,
        name: &str,
        role: Role,
        actor: &Actor,
        at: OffsetDateTime,
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let u = resolve(&tx, name)?;
        if role != Role::Admin {
            refuse_last_admin(&tx, &u, "menurunkan peran", "demote")?;
        }
        tx.execute(
            "UPDATE users SET role = ?2 WHERE id = ?1",
            params![u.id, role.as_str()],
        )?;
        audit_user(
            &tx,
            actor,
            at,
            "user_role",
            &u.name,
            &format!("role changed from {} to {}", u.role.as_str(), role.as_str()),
            serde_json::json!({ "from": u.role, "to": role }),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Set an account's password (already an argon2id hash; audited) and end its sessions,
    /// except the one whose token hash is `keep` (the user changing their own password stays
    /// signed in there). `own`: the user changed it themselves; otherwise an admin reset it.
    pub fn user_set_password(
        &mut self,
        name: &str,
        password_hash: &str,
        keep: Option<&[u8; 32]>,
        own: bool,
        actor: &Actor,
        at: OffsetDateTime,
    ) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let u = resolve(&tx, name)?;
        tx.execute(
            "UPDATE users SET password_hash = ?2 WHERE id = ?1",
            params![u.id, password_hash],
        )?;
        let ended = end_sessions(&tx, u.id, keep, at)?;
        audit_user(
            &tx,
            actor,
            at,
            if own {
                "user_password_change"
            } else {
                "user_password_reset"
            },
            &u.name,
            if own {
                "password changed by its user; other sessions ended"
            } else {
                "password reset; its sessions ended"
            },
            serde_json::json!({ "sessions_ended": ended }),
        )?;
        tx.commit()?;
        Ok(ended)
    }

    /// End every live session of an account (audited); how many were ended.
    pub fn user_sessions_end(
        &mut self,
        name: &str,
        actor: &Actor,
        at: OffsetDateTime,
    ) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let u = resolve(&tx, name)?;
        let ended = end_sessions(&tx, u.id, None, at)?;
        audit_user(
            &tx,
            actor,
            at,
            "user_sessions_end",
            &u.name,
            "all sessions ended",
            serde_json::json!({ "sessions_ended": ended }),
        )?;
        tx.commit()?;
        Ok(ended)
    }

    /// An account by login name, ignoring case: the exact spelling if it exists, else the one
    /// account whose name matches ignoring case (none if two do).
    pub fn user_by_name(&self, name: &str) -> Result<Option<UserRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, role, password_hash, disabled, created_at FROM users
             WHERE name = ?1 COLLATE NOCASE",
        )?;
        let rows: Vec<(UserRow, String)> = stmt
            .query_map([name], user_from)?
            .collect::<rusqlite::Result<_>>()?;
        pick(rows, name).map(with_role).transpose()
    }

    /// Every account.
    pub fn users(&self) -> Result<Vec<UserRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, name, role, password_hash, disabled, created_at FROM users ORDER BY name",
        )?;
        let rows = stmt.query_map([], user_from)?;
        rows.map(|r| with_role(r?)).collect()
    }

    /// How many accounts exist.
    pub fn user_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM users", [], |r| r.get(0))?)
    }

    /// Record a new session (the token's hash, never the token).
    pub fn session_create(
        &mut self,
        token_hash: &[u8; 32],
        user_id: i64,
        csrf: &str,
        at: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![&token_hash[..], user_id, csrf, rfc3339(at), rfc3339(expires_at)],
        )?;
        Ok(())
    }

    /// A session that is live at `at`: not revoked, not expired, its user not disabled.
    pub fn session_get(
        &self,
        token_hash: &[u8; 32],
        at: OffsetDateTime,
    ) -> Result<Option<SessionRow>> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT u.id, u.name, u.role, u.password_hash, u.disabled, u.created_at, s.csrf, s.expires_at
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.revoked_at IS NULL AND s.expires_at > ?2 AND u.disabled = 0",
            )?
            .query_row(params![&token_hash[..], rfc3339(at)], |r| {
                Ok((user_from(r)?, r.get::<_, String>(6)?, r.get::<_, String>(7)?))
            })
            .optional()?;
        match row {
            None => Ok(None),
            Some((u, csrf, expires_at)) => Ok(Some(SessionRow {
                user: with_role(u)?,
                csrf,
                expires_at,
            })),
        }
    }

    /// End a session (logout). A replayed cookie finds it revoked.
    pub fn session_revoke(&mut self, token_hash: &[u8; 32], at: OffsetDateTime) -> Result<()> {
        self.conn.execute(
            "UPDATE sessions SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL",
            params![&token_hash[..], rfc3339(at)],
        )?;
        Ok(())
    }
}
