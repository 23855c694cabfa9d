//! The OpenAPI document's answer schemas are the answers: every route of `ROUTES` that declares
//! a JSON view is called, and its real answer must match the schema the document publishes —
//! every required key there, no key the schema does not name, every value of its type. API
//! errors match `ErrorAnswer`. The checker itself is shown to refuse a wrong answer.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use cetak_domain::access::Role;
use cetak_web::routes::ROUTES;
use common::{Opts, fixture, login, request, send};
use serde_json::Value;

const IP: [u8; 4] = [10, 0, 0, 7];

/// Where `value` breaks `schema` (a subset of JSON Schema: type, properties, required,
/// items, prefixItems, anyOf, enum, $ref to components), or `None`.
fn breaks(value: &Value, schema: &Value, doc: &Value, at: &str) -> Option<String> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/components/schemas/");
        return breaks(value, &doc["components"]["schemas"][name], doc, at);
    }
    if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
        return if any.iter().any(|s| breaks(value, s, doc, at).is_none()) {
            None
        } else {
            Some(format!("{at}: {value} matches none of {any:?}"))
        };
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        return Some(format!("{at}: {value} not in {options:?}"));
    }
    let ok = match schema.get("type").and_then(Value::as_str) {
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        Some("null") => value.is_null(),
        _ => true,
    };
    if !ok {
        return Some(format!("{at}: {value} is not {}", schema["type"]));
    }
    if let (Some(obj), Some(props)) = (
        value.as_object(),
        schema.get("properties").and_then(Value::as_object),
    ) {
        for req in schema["required"].as_array().into_iter().flatten() {
            let key = req.as_str().unwrap_or_default();
            if !obj.contains_key(key) {
                return Some(format!("{at}: required key {key:?} missing"));
            }
        }
        for (k, v) in obj {
            let Some(s) = props.get(k) else {
                return Some(format!("{at}: key {k:?} is not in the schema"));
            };
            if let Some(e) = breaks(v, s, doc, &format!("{at}.{k}")) {
                return Some(e);
            }
        }
    }
    if let Some(arr) = value.as_array() {
        if let Some(prefix) = schema.get("prefixItems").and_then(Value::as_array) {
            for (i, (v, s)) in arr.iter().zip(prefix).enumerate() {
                if let Some(e) = breaks(v, s, doc, &format!("{at}[{i}]")) {
                    return Some(e);
                }
            }
        } else if let Some(items) = schema.get("items") {
            for (i, v) in arr.iter().enumerate() {
                if let Some(e) = breaks(v, items, doc, &format!("{at}[{i}]")) {
                    return Some(e);
                }
            }
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_json_answer_matches_its_schema_in_the_openapi_document() {
    let f = fixture(Opts::default());
    let doc = cetak_web::routes::openapi();
    let sup = login(&f.app, common::user_of(Role::Supervisor), IP).await;
    let cookie = sup.cookie_header();
    let mut checked = Vec::new();
    for spec in ROUTES.iter().filter(|r| r.answer.is_some()) {
        let schema = &doc["paths"][spec.path][spec.method.to_ascii_lowercase()]["responses"]["200"]
            ["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{} {}: no schema published",
            spec.method,
            spec.path
        );
        let mut headers = vec![("cookie", cookie.as_str())];
        let body = if spec.method == "POST" {
            headers.push(("x-csrf-token", sup.csrf.as_str()));
            headers.push(("content-type", "application/json"));
            Body::from(
                r#"{"nik": "1671170503020001", "tanggal_lahir": "1990-08-05", "nama_ibu": "SITI"}"#,
            )
        } else {
            Body::empty()
        };
        let method = Method::from_bytes(spec.method.as_bytes()).expect("method");
        let r = send(&f.app, request(method, spec.path, IP, &headers, body)).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{} {}: {}",
            spec.method,
            spec.path,
            r.body
        );
        let value: Value = serde_json::from_str(&r.body).expect("JSON answer");
        if let Some(e) = breaks(&value, schema, &doc, spec.path) {
            panic!(
                "{} {} does not match its schema: {e}\n{value:#}",
                spec.method, spec.path
            );
        }
        checked.push(spec.path);
    }
    for path in [
        "/ready",
        "/api/v1/resident/status",
        "/api/v1/dashboard",
        "/api/v1/print/status",
        "/api/v1/review",
        "/api/v1/stock/reconcile",
        "/api/v1/audit/verify",
    ] {
        assert!(checked.contains(&path), "{path} declares no JSON view");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_errors_match_error_answer_and_the_checker_refuses_a_wrong_answer() {
    let f = fixture(Opts::default());
    let doc = cetak_web::routes::openapi();
    let error = serde_json::json!({ "$ref": "#/components/schemas/ErrorAnswer" });
    // Not signed in (the guard), and a bad body (the handler): both ErrorAnswer.
    let r = send(
        &f.app,
        request(Method::GET, "/api/v1/dashboard", IP, &[], Body::empty()),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let v: Value = serde_json::from_str(&r.body).expect("JSON");
    assert_eq!(breaks(&v, &error, &doc, "401"), None, "{v}");
    let r = send(
        &f.app,
        request(
            Method::POST,
            "/api/v1/resident/status",
            IP,
            &[("content-type", "application/json")],
            Body::from("{"),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let v: Value = serde_json::from_str(&r.body).expect("JSON");
    assert_eq!(breaks(&v, &error, &doc, "400"), None, "{v}");

    // The checker is not vacuous: a key missing, a key too many, a wrong type.
    let mut wrong = v.clone();
    wrong.as_object_mut().map(|o| o.remove("error_id"));
    assert!(breaks(&wrong, &error, &doc, "x").is_some());
    let mut wrong = v.clone();
    wrong["extra"] = Value::from(1);
    assert!(breaks(&wrong, &error, &doc, "x").is_some());
    let mut wrong = v;
    wrong["status"] = Value::from("400");
    assert!(breaks(&wrong, &error, &doc, "x").is_some());
}
