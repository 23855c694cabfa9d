//! The audit log and the chain's verification.

use super::*;

pub(crate) async fn audit_page(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Extension(sess): Extension<Session>,
) -> Answer<Page> {
    let page = page_no(q.page.as_deref());
    let data = st
        .pool
        .run(move |s| {
            let v = s.audit_verify(None)?;
            let verdict = match v {
                Ok(r) => serde_json::json!({ "ok": true, "entries": r.entries, "head": r.head }),
                Err(b) => serde_json::json!({ "ok": false, "error": b.to_string() }),
            };
            let (total, _) = s.audit_head()?;
            Ok((
                verdict,
                s.audit_page((page - 1) * PER_PAGE, PER_PAGE as u32)?,
                total,
            ))
        })
        .await?;
    let (verdict, entries, total) = data;
    Ok(render(
        &st,
        "audit.html",
        &headers,
        &q,
        Some(&sess),
        context! {
            verdict => ser(&verdict), entries => ser(&entries),
            pager => ser(&pager("page", page, Some(total), false)),
        },
    ))
}

pub(crate) async fn audit_api(State(st): S) -> Answer<Json<views::AuditVerdict>> {
    Ok(Json(match st.pool.run(|s| s.audit_verify(None)).await? {
        Ok(r) => views::AuditVerdict {
            ok: true,
            entries: Some(r.entries),
            head: Some(r.head),
            error: None,
        },
        Err(b) => views::AuditVerdict {
            ok: false,
            entries: None,
            head: None,
            error: Some(b.to_string()),
        },
    }))
}
