//! Who may do what: the office's roles and the permission table (mirrored in ARCHITECTURE.md;
//! the server checks every route against [`allows`] in one place).

use serde::Serialize;

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Imports, runs and watches printing, inspects cards, hands cards over.
    Operator,
    /// Everything an operator does, plus duplicate decisions, raising records, blank stock,
    /// reports and the audit log.
    Supervisor,
    /// Everything, plus user accounts.
    Admin,
}

impl Role {
    /// Every role, least powerful first.
    pub const ALL: [Role; 3] = [Role::Operator, Role::Supervisor, Role::Admin];

    /// Stable string form.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    /// Parse the stored form.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }
}

/// Something a route lets a user do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See the dashboard, the print queue, printers, records.
    View,
    /// Start printing, pause/resume a printer, record inspections, hand cards over, correct
    /// recordings that need it (perlu perbaikan).
    Print,
    /// Decide duplicate pairs, raise a record in the queue.
    Decide,
    /// Receive blank stock, reconcile, monthly reports.
    Stock,
    /// Read the audit log and its verification.
    Audit,
    /// Create and disable user accounts.
    Users,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 6] = [
        Permission::View,
        Permission::Print,
        Permission::Decide,
        Permission::Stock,
        Permission::Audit,
        Permission::Users,
    ];
}

/// The permission table: the only place that says which role may do what.
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission as P;
    match role {
        Role::Operator => matches!(permission, P::View | P::Print),
        Role::Supervisor => !matches!(permission, P::Users),
        Role::Admin => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_has_what_the_one_below_has_and_only_admins_manage_users() {
        for p in Permission::ALL {
            assert!(!allows(Role::Operator, p) || allows(Role::Supervisor, p));
            assert!(!allows(Role::Supervisor, p) || allows(Role::Admin, p));
        }
        assert!(!allows(Role::Supervisor, Permission::Users));
        assert!(allows(Role::Admin, Permission::Users));
        assert!(!allows(Role::Operator, Permission::Decide));
        assert_eq!(Role::parse("supervisor"), Some(Role::Supervisor));
        assert_eq!(Role::parse("root"), None);
    }
}
