//! The resident page (`/cek`) and its JSON twin: NIK, birth date and mother's name in, the card's state out.

use super::*;

#[derive(Debug, Deserialize)]
pub(crate) struct ResidentQuery {
    nik: String,
    tanggal_lahir: String,
    /// The mother's name (nama ibu kandung), as on the family card: the factor the NIK does
    /// not encode. Absent (an old client) means "not given": never found.
    #[serde(default)]
    nama_ibu: String,
}

use crate::views::ResidentAnswer;

/// `05-08-1990`, `05/08/1990` or `1990-08-05` → `1990-08-05`.
pub(super) fn iso_date(s: &str) -> String {
    let s = s.trim();
    let parts: Vec<&str> = s.split(['-', '/', '.']).collect();
    match parts.as_slice() {
        [d, m, y] if y.len() == 4 && d.len() <= 2 && m.len() <= 2 => format!("{y}-{m:0>2}-{d:0>2}"),
        _ => s.to_string(),
    }
}

/// A name as compared: letters and digits only, lower-case (`Siti  Nur'aini` = `SITI NURAINI`).
pub(crate) fn name_for_comparison(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Equal without leaking where or how long: the hashes of both are compared in constant time.
pub(super) fn same_secret(a: &str, b: &str) -> bool {
    let (ha, hb) = (blake3::hash(a.as_bytes()), blake3::hash(b.as_bytes()));
    auth::constant_eq(&ha.to_hex(), &hb.to_hex())
}

/// A check of one NIK was refused: it failed too often lately.
pub(super) struct NikLimited;

pub(super) async fn resident_answer(
    st: &AppState,
    q: ResidentQuery,
) -> Result<Result<ResidentAnswer, NikLimited>, StoreError> {
    let nik: String = q.nik.trim().chars().take(32).collect();
    let dob = iso_date(&q.tanggal_lahir.chars().take(32).collect::<String>());
    let mother = name_for_comparison(&q.nama_ibu.chars().take(200).collect::<String>());
    let started = std::time::Instant::now();
    if !st.resident_nik_limit.allow(&nik, started) {
        return Ok(Err(NikLimited));
    }
    let key = nik.clone();
    let found = st.pool.run(move |s| s.resident_facts(&key)).await?;
    // Compare against dummies when the NIK is unknown, and make every comparison whatever the
    // others gave, so each kind of failure costs the same.
    let (stored_dob, stored_mother, state, site) = match &found {
        Some(f) => (
            f.tanggal_lahir.clone(),
            name_for_comparison(&f.nama_ibu),
            Some(f.state),
            Some(f.recording_site.clone()),
        ),
        None => ("0000-00-00".to_string(), String::new(), None, None),
    };
    let dob_ok = auth::constant_eq(&stored_dob, &dob);
    let mother_ok = same_secret(&stored_mother, &mother);
    let matches = dob_ok & mother_ok & !mother.is_empty() & found.is_some();
    if !matches {
        st.resident_nik_limit.failed(&nik, started);
    }
    Ok(Ok(match (matches, state) {
        (true, Some(state)) => {
            let (id, en) = state.describe();
            let ready = matches!(state, RecordState::Printed);
            ResidentAnswer {
                found: true,
                state: Some(state),
                message_id: id.into(),
                message_en: en.into(),
                collect_at: if ready { site } else { None },
            }
        }
        _ => ResidentAnswer {
            found: false,
            state: None,
            message_id: "Data tidak ditemukan. Periksa NIK, tanggal lahir dan nama ibu kandung, atau datang ke kantor Disdukcapil.".into(),
            message_en: "Not found. Check the NIK, birth date and mother's name, or visit the Disdukcapil office.".into(),
            collect_at: None,
        },
    }))
}

pub(super) fn too_many(retry_after_s: u64) -> Response {
    let mut r = page_error(
        StatusCode::TOO_MANY_REQUESTS,
        "Terlalu banyak permintaan; coba lagi nanti",
        "Too many requests; try again later",
    );
    if let Ok(v) = HeaderValue::from_str(&retry_after_s.max(1).to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

pub(crate) async fn resident_page(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    render(
        &st,
        "resident.html",
        &headers,
        &q,
        None,
        context! { answer => (), asked => false },
    )
    .into_response()
}

pub(crate) async fn resident_submit(State(st): S, headers: HeaderMap, req: Request) -> Response {
    let allowed = st.resident_limit.allow(auth::client_ip(&req));
    let Ok(Form(q)) = Form::<ResidentQuery>::from_request_parts_and_body(req).await else {
        if !allowed {
            return too_many(60);
        }
        return page_error(
            StatusCode::BAD_REQUEST,
            "NIK, tanggal lahir dan nama ibu kandung wajib diisi",
            "NIK, birth date and mother's name are required",
        );
    };
    // What the resident typed goes back into the form unless the card was found.
    let (nik, dob, mother) = (q.nik.clone(), q.tanggal_lahir.clone(), q.nama_ibu.clone());
    let typed = [
        ("nik", nik.as_str()),
        ("tanggal_lahir", dob.as_str()),
        ("nama_ibu", mother.as_str()),
    ];
    let kept = |why: Option<&Refusal>| match why {
        Some(why) => refusal_ctx("/cek", "form-cek", &typed, why),
        None => context! { kept_form => kept_ctx("form-cek", &typed) },
    };
    let refused = |why: Refusal| {
        let page = render(
            &st,
            "resident.html",
            &headers,
            &LangQuery::default(),
            None,
            context! { answer => (), asked => false, ..kept(Some(&why)) },
        );
        refused_page(page, &why)
    };
    let limited = |retry_after_s: u64| {
        let mut why = Refusal::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Terlalu banyak permintaan; coba lagi nanti",
            "Too many requests; try again later",
        );
        why.retry_after = Some(retry_after_s);
        refused(why)
    };
    if !allowed {
        return limited(60);
    }
    match resident_answer(&st, q).await {
        Ok(Ok(a)) => {
            let extra = if a.found {
                context! {}
            } else {
                kept(None)
            };
            render(
                &st,
                "resident.html",
                &headers,
                &LangQuery::default(),
                None,
                context! { answer => ser(&a), asked => true, ..extra },
            )
            .into_response()
        }
        Ok(Err(NikLimited)) => limited(crate::state::NIK_WINDOW.as_secs()),
        Err(e) => refused(store_refusal(e)),
    }
}

pub(crate) async fn resident_api(State(st): S, req: Request) -> Response {
    if !st.resident_limit.allow(auth::client_ip(&req)) {
        return too_many(60);
    }
    let Ok(Json(q)) = Json::<ResidentQuery>::from_request_parts_and_body(req).await else {
        return (
            StatusCode::BAD_REQUEST,
            Json(views::ErrorAnswer {
                error: r#"expected JSON {"nik": "…", "tanggal_lahir": "YYYY-MM-DD", "nama_ibu": "…"}"#.into(),
                error_id: r#"diharapkan JSON {"nik": "…", "tanggal_lahir": "YYYY-MM-DD", "nama_ibu": "…"}"#.into(),
                status: StatusCode::BAD_REQUEST.as_u16(),
            }),
        )
            .into_response();
    };
    match resident_answer(&st, q).await {
        Ok(Ok(a)) => Json(a).into_response(),
        Ok(Err(NikLimited)) => too_many(crate::state::NIK_WINDOW.as_secs()),
        Err(e) => WebError::from(e).into_response(),
    }
}
