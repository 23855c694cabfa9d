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
    /// The office's IT: accounts, plus everything an operator and a supervisor do with
    /// records — but not the person on the card (photos, signatures, fingerprints), which only
    /// the staff who check identity see.
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
    /// Start printing, pause/resume a printer, record inspections, correct recordings that
    /// need it (perlu perbaikan).
    Print,
    /// Decide duplicate pairs, raise a record in the queue.
    Decide,
    /// Receive blank stock, reconcile, monthly reports.
    Stock,
    /// Read the audit log and its verification.
    Audit,
    /// Create and disable user accounts.
    Users,
    /// See a recording's face photo and signature (checking identity at hand-over, deciding
    /// duplicates, correcting recordings); every view is audited.
    Media,
    /// See a recording's fingerprint templates.
    Biometrics,
    /// Hand a printed card to its resident: whoever does it checks the person against the
    /// card's photo and name, so it goes with seeing the person ([`Permission::Media`]).
    HandOver,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 9] = [
        Permission::View,
        Permission::Print,
        Permission::Decide,
        Permission::Stock,
        Permission::Audit,
        Permission::Users,
        Permission::Media,
        Permission::Biometrics,
        Permission::HandOver,
    ];

    /// Permissions over the person on the card: given only to the roles whose work needs
    /// them, never by rank (an admin is IT, not registry staff). Handing a card over is one:
    /// it is an identity check against the photo, which an admin does not see.
    pub fn personal(self) -> bool {
        matches!(
            self,
            Permission::Media | Permission::Biometrics | Permission::HandOver
        )
    }
}

/// The permission table: the only place that says which role may do what.
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission as P;
    match role {
        Role::Operator => matches!(permission, P::View | P::Print | P::Media | P::HandOver),
        Role::Supervisor => !matches!(permission, P::Users),
        Role::Admin => !permission.personal(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_has_what_the_one_below_has_and_only_admins_manage_users() {
        for p in Permission::ALL {
            assert!(!allows(Role::Operator, p) || allows(Role::Supervisor, p));
            assert!(p.personal() || !allows(Role::Supervisor, p) || allows(Role::Admin, p));
        }
        assert!(!allows(Role::Supervisor, Permission::Users));
        assert!(allows(Role::Admin, Permission::Users));
        assert!(!allows(Role::Operator, Permission::Decide));
        assert_eq!(Role::parse("supervisor"), Some(Role::Supervisor));
    }

    #[test]
    fn only_the_staff_who_check_identity_see_the_person_on_the_card() {
        assert!(allows(Role::Operator, Permission::Media));
        assert!(allows(Role::Supervisor, Permission::Media));
        assert!(!allows(Role::Admin, Permission::Media));
        assert!(!allows(Role::Operator, Permission::Biometrics));
        assert!(allows(Role::Supervisor, Permission::Biometrics));
        assert!(!allows(Role::Admin, Permission::Biometrics));
        // Whoever hands a card over may see the photo it is checked against.
        for role in Role::ALL {
            if allows(role, Permission::HandOver) {
                assert!(allows(role, Permission::Media), "{role:?}");
            }
        }
        assert!(allows(Role::Operator, Permission::HandOver));
        assert!(allows(Role::Supervisor, Permission::HandOver));
        assert!(!allows(Role::Admin, Permission::HandOver));
        assert_eq!(Role::parse("root"), None);
    }
}
