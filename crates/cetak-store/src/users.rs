//! Office accounts and web sessions. Passwords arrive already hashed (argon2id, by the server);
//! session tokens arrive hashed too: the database never holds a secret that logs a user in.

use cetak_domain::access::Role;
use cetak_domain::lifecycle::Actor;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
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
                "a user name is 1-64 letters, digits, '.', '_' or '-'".into(),
            ));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM users WHERE name = ?1)",
            [name],
            |r| r.get(0),
        )?;
        if exists {
            return Err(StoreError::Refused(format!("user {name:?} already exists")));
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

    /// Disable or enable an account (audited); disabling ends its sessions.
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
        let n = tx.execute(
            "UPDATE users SET disabled = ?2 WHERE name = ?1",
            params![name, disabled],
        )?;
        if n == 0 {
            return Err(StoreError::Refused(format!("no user {name:?}")));
        }
        if disabled {
            tx.execute(
                "UPDATE sessions SET revoked_at = ?2 WHERE revoked_at IS NULL
                   AND user_id = (SELECT id FROM users WHERE name = ?1)",
                params![name, rfc3339(at)],
            )?;
        }
        audit::append(
            &tx,
            &AuditEntry {
                seq: 0,
                at: rfc3339(at),
                actor: actor.0.clone(),
                action: if disabled {
                    "user_disable"
                } else {
                    "user_enable"
                }
                .into(),
                subject: format!("user:{name}"),
                reason: "account changed".into(),
                detail: "{}".into(),
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// An account by login name.
    pub fn user_by_name(&self, name: &str) -> Result<Option<UserRow>> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT id, name, role, password_hash, disabled, created_at FROM users WHERE name = ?1",
            )?
            .query_row([name], user_from)
            .optional()?;
        row.map(with_role).transpose()
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
