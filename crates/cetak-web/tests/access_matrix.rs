//! The route × role matrix, generated from `cetak_web::routes::ROUTES`: every route is sent by
//! an anonymous client and by a user of each role, and the answer must match the route's
//! `Access` and the permission table. A new route is in the matrix the moment it is declared.
//! Run with `--nocapture` to see the matrix.

mod common;

use std::collections::{BTreeMap, HashSet};

use axum::body::Body;
use axum::http::{Method, StatusCode};
use cetak_domain::access::{Permission, Role, allows};
use cetak_web::routes::{Access, ROUTES, RouteSpec};
use common::{FORM, Opts, PRINTER, Session, fixture, login, request, send, user_of};

const IP: [u8; 4] = [10, 0, 0, 1];
/// The account the `/users/{name}/…` routes act on (made for the matrix, so an admin's
/// requests really disable, enable, re-role, reset and end it).
const TARGET: &str = "matrix.target";

/// The route's path with plausible values for its parameters.
fn concrete(path: &str) -> String {
    let name = if path.starts_with("/users/") {
        TARGET
    } else {
        PRINTER
    };
    path.split('/')
        .map(|seg| match seg {
            "{id}" => "1".to_string(),
            "{name}" => name.to_string(),
            "{recording_id}" => common::REC_A.to_string(),
            "{slot}" => "foto".to_string(),
            s if s.starts_with('{') => panic!("no value for path parameter {s} in {path}"),
            s => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn method(spec: &RouteSpec) -> Method {
    Method::from_bytes(spec.method.as_bytes()).expect("method")
}

/// Send `spec` as `who` (None: anonymous): POSTs carry the session's CSRF token and a minimal body.
async fn hit(app: &axum::Router, spec: &RouteSpec, who: Option<&Session>) -> common::Resp {
    let uri = concrete(spec.path);
    let cookie = who.map(Session::cookie_header).unwrap_or_default();
    let mut headers: Vec<(&str, &str)> = Vec::new();
    if let Some(s) = who {
        headers.push(("cookie", &cookie));
        if spec.method != "GET" {
            headers.push(("x-csrf-token", &s.csrf));
        }
    }
    let body = if spec.method == "GET" {
        Body::empty()
    } else if spec.path.starts_with("/api/") {
        headers.push(("content-type", "application/json"));
        Body::from("{}")
    } else {
        headers.push(("content-type", FORM));
        // A choice the route needs, so an allowed role's request does what it says.
        match spec.path {
            "/users/{name}/role" => Body::from("role=supervisor"),
            _ => Body::empty(),
        }
    };
    send(app, request(method(spec), &uri, IP, &headers, body)).await
}

#[test]
fn routes_are_unique_and_declared_once() {
    let mut seen = HashSet::new();
    for r in ROUTES {
        assert!(
            seen.insert((r.method, r.path)),
            "duplicate route {} {}",
            r.method,
            r.path
        );
        assert!(
            matches!(r.method, "GET" | "POST"),
            "{} {}",
            r.method,
            r.path
        );
        assert!(r.path.starts_with('/'), "{}", r.path);
        assert!(
            !r.summary.is_empty(),
            "{} {} has no summary",
            r.method,
            r.path
        );
        let found = cetak_web::routes::find_route(&method(r), r.path).expect("find_route");
        assert_eq!((found.method, found.path), (r.method, r.path));
    }
}

/// The routes issue 16 added (the account life cycle, one's own password, the two-step
/// hand-over) are declared — and so are in the router, the guard and the matrix below.
#[test]
fn the_account_and_hand_over_routes_are_declared_with_their_permission() {
    for (method, path, permission) in [
        ("GET", "/users", Permission::Users),
        ("POST", "/users", Permission::Users),
        ("POST", "/users/{name}/disable", Permission::Users),
        ("POST", "/users/{name}/enable", Permission::Users),
        ("POST", "/users/{name}/role", Permission::Users),
        ("POST", "/users/{name}/password", Permission::Users),
        ("POST", "/users/{name}/sessions-end", Permission::Users),
        ("GET", "/account", Permission::View),
        ("POST", "/account/password", Permission::View),
        ("POST", "/handover", Permission::HandOver),
        ("POST", "/handover/chip", Permission::HandOver),
        ("GET", "/media/{recording_id}/{slot}", Permission::Media),
        ("POST", "/correct/{id}/media", Permission::Media),
    ] {
        let m = Method::from_bytes(method.as_bytes()).expect("method");
        let spec = cetak_web::routes::find_route(&m, path)
            .unwrap_or_else(|| panic!("{method} {path} is not declared"));
        assert_eq!(spec.access, Access::Signed(permission), "{method} {path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_each_role_as_the_table_says() {
    let f = fixture(Opts::default());
    {
        let hash = cetak_web::hash_password("matriks-uji-sandi-2026").expect("hash");
        f.store()
            .user_add(
                TARGET,
                Role::Operator,
                &hash,
                &cetak_domain::lifecycle::Actor("system:test".into()),
                time::OffsetDateTime::now_utc(),
            )
            .expect("the target account");
    }
    let mut sessions = BTreeMap::new();
    for role in Role::ALL {
        sessions.insert(role, login(&f.app, user_of(role), IP).await);
    }
    // Logging out ends the session: those routes go last.
    let mut order: Vec<&RouteSpec> = ROUTES.iter().filter(|r| r.path != "/logout").collect();
    order.extend(ROUTES.iter().filter(|r| r.path == "/logout"));

    let principals: Vec<Option<Role>> = std::iter::once(None)
        .chain(Role::ALL.into_iter().map(Some))
        .collect();
    let mut results: BTreeMap<(&str, &str), Vec<StatusCode>> = BTreeMap::new();
    let mut failures = Vec::new();
    for spec in order {
        let mut row = Vec::new();
        for who in &principals {
            let session = who.map(|r| &sessions[&r]);
            let resp = hit(&f.app, spec, session).await;
            let s = resp.status;
            let label = who.map_or("anonymous", Role::as_str);
            let what = format!("{} {} as {label}: {s}", spec.method, spec.path);
            if s.is_server_error() && s != StatusCode::SERVICE_UNAVAILABLE {
                failures.push(format!("{what} (server error: {})", resp.body));
            }
            match (spec.access, who) {
                (Access::Public, _) => {
                    if s == StatusCode::UNAUTHORIZED || s == StatusCode::FORBIDDEN {
                        failures.push(format!("{what}, but the route is public"));
                    }
                }
                (Access::Signed(_), None) => {
                    if spec.path.starts_with("/api/") {
                        if s != StatusCode::UNAUTHORIZED {
                            failures.push(format!("{what}, expected 401"));
                        }
                        if !resp.body.contains("\"error\"") {
                            failures.push(format!("{what}: no JSON error: {}", resp.body));
                        }
                    } else if s != StatusCode::SEE_OTHER
                        || !resp.location().is_some_and(|l| l.starts_with("/login"))
                    {
                        failures.push(format!("{what}, expected 303 to /login"));
                    }
                }
                (Access::Signed(p), Some(role)) => {
                    if allows(*role, p) {
                        if s == StatusCode::UNAUTHORIZED || s == StatusCode::FORBIDDEN {
                            failures.push(format!("{what}, but {label} may {p:?}"));
                        }
                    } else if s != StatusCode::FORBIDDEN {
                        failures.push(format!("{what}, expected 403 ({label} may not {p:?})"));
                    }
                }
            }
            // Every declared route exists: an admin never meets the router's 404 or 405.
            if *who == Some(Role::Admin)
                && (s == StatusCode::NOT_FOUND || s == StatusCode::METHOD_NOT_ALLOWED)
            {
                failures.push(format!("{what}: declared but not reachable"));
            }
            // The account routes act on a real account: the admin's request is done.
            if *who == Some(Role::Admin) && spec.path.starts_with("/users/") && !s.is_success() {
                failures.push(format!(
                    "{what}: the admin's change was not done: {}",
                    resp.body
                ));
            }
            row.push(s);
        }
        results.insert((spec.method, spec.path), row);
    }

    // The matrix, in declaration order: it documents who may do what.
    let mut table = String::from("\nroles × permissions\n");
    table.push_str(&format!("{:<12}", ""));
    for p in Permission::ALL {
        table.push_str(&format!("{:<8}", format!("{p:?}")));
    }
    table.push('\n');
    for role in Role::ALL {
        table.push_str(&format!("{:<12}", role.as_str()));
        for p in Permission::ALL {
            table.push_str(&format!("{:<8}", if allows(role, p) { "yes" } else { "-" }));
        }
        table.push('\n');
    }
    table.push_str(&format!(
        "\n{:<5} {:<28} {:<8} {:>5} {:>5} {:>5} {:>5}\n",
        "", "route", "access", "anon", "oper", "super", "admin"
    ));
    for spec in ROUTES {
        let access = match spec.access {
            Access::Public => "public".to_string(),
            Access::Signed(p) => format!("{p:?}"),
        };
        let row = &results[&(spec.method, spec.path)];
        table.push_str(&format!(
            "{:<5} {:<28} {:<8}",
            spec.method, spec.path, access
        ));
        for s in row {
            table.push_str(&format!(" {:>5}", s.as_u16()));
        }
        table.push('\n');
    }
    eprintln!("{table}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Only the admin acted on the target: enabled again last, a supervisor now.
    let target = f
        .store()
        .user_by_name(TARGET)
        .expect("read")
        .expect("the target account");
    assert!(!target.disabled);
    assert_eq!(target.role, Role::Supervisor);
}
