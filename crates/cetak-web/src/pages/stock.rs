//! Blank stock: the page, receiving a batch, reconciliation, the monthly report.

use super::*;

pub(crate) async fn stock_page(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Extension(sess): Extension<Session>,
) -> Answer<Page> {
    Ok(stock_view(&st, &headers, &q, &sess, context! {}).await?)
}

/// The stock page, with `extra` in its context.
pub(super) async fn stock_view(
    st: &AppState,
    headers: &HeaderMap,
    q: &LangQuery,
    sess: &Session,
    extra: minijinja::Value,
) -> Result<Page, StoreError> {
    let page = page_no(q.page.as_deref());
    let (r, receipts) = st
        .pool
        .run(|s| Ok((s.stock_reconcile()?, s.stock_receipts()?)))
        .await?;
    let n = now().to_offset(schedule::OFFICE_OFFSET);
    let month = format!("{:04}-{:02}", n.year(), u8::from(n.month()));
    let total = receipts.len() as u64;
    // The newest batches first, a page at a time.
    let receipts: Vec<_> = receipts
        .into_iter()
        .rev()
        .skip(((page - 1) * PER_PAGE) as usize)
        .take(PER_PAGE as usize)
        .collect();
    Ok(render(
        st,
        "stock.html",
        headers,
        q,
        Some(sess),
        context! {
            r => ser(&r), receipts => ser(&receipts), month => month,
            pager => ser(&pager("page", page, Some(total), false)),
            ..extra
        },
    ))
}

pub(crate) async fn stock_api(State(st): S) -> Answer<Json<cetak_print::stock::Reconciliation>> {
    Ok(Json(st.pool.run(|s| s.stock_reconcile()).await?))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReceiveForm {
    #[serde(default)]
    first: String,
    #[serde(default)]
    last: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    date: String,
}

pub(crate) async fn stock_receive(
    State(st): S,
    Extension(sess): Extension<Session>,
    Form(f): Form<ReceiveForm>,
) -> Answer {
    match receive(&st, &sess, &f).await {
        Ok(r) => Ok(r),
        Err(why) => {
            let kept = [
                ("first", f.first.as_str()),
                ("last", f.last.as_str()),
                ("date", f.date.as_str()),
                ("reference", f.reference.as_str()),
            ];
            Err(why.on_form(FormPage::Stock, "form-receive", &kept))
        }
    }
}

pub(super) async fn receive(
    st: &AppState,
    sess: &Session,
    f: &ReceiveForm,
) -> Result<Response, Refusal> {
    let (Ok(first), Ok(last)) = (f.first.trim().parse::<i64>(), f.last.trim().parse::<i64>())
    else {
        return Err(Refusal::invalid(
            "Nomor seri pertama dan terakhir harus angka",
            "The first and last serial must be numbers",
        ));
    };
    let date = f.date.trim().to_string();
    if time::Date::parse(
        &date,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .is_err()
    {
        return Err(Refusal::invalid(
            "Isi tanggal penerimaan",
            "Give the date the blanks were received",
        ));
    }
    let reference = f.reference.trim().to_string();
    if reference.is_empty() {
        return Err(Refusal::invalid(
            "Isi referensi (nomor surat jalan)",
            "Give the reference (delivery note number)",
        ));
    }
    let count = last.saturating_sub(first).saturating_add(1).max(0);
    let done = (
        format!(
            "{} blangko diterima (seri {} sampai {}).",
            fmt::int(count, false),
            first,
            last
        ),
        format!(
            "{} blanks received (serials {} to {}).",
            fmt::int(count, true),
            first,
            last
        ),
    );
    change_then_back(st, sess, "/stock", done, move |s, a| {
        let range = SerialRange { first, last };
        s.stock_receive(range, &date, &reference, a, office(s))
    })
    .await
}

pub(crate) async fn stock_report(State(st): S, Query(q): Query<LangQuery>) -> Answer {
    let month = q.month.unwrap_or_default();
    let r = st.pool.run(move |s| s.monthly_report(&month)).await?;
    // The same table as `cetak report monthly` writes.
    let csv = r.csv();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"blangko-{}.csv\"", r.month),
            ),
        ],
        csv,
    )
        .into_response())
}
