//! Corrections (issue 12): the worklist of recordings that need one, one recording, one field.

use super::*;

pub(crate) async fn correct_list(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Extension(sess): Extension<Session>,
) -> Answer<Page> {
    let items = st.pool.run(|s| s.correction_list(false, 500)).await?;
    Ok(render(
        &st,
        "correct_list.html",
        &headers,
        &q,
        Some(&sess),
        context! { items => ser(&items) },
    ))
}

pub(crate) async fn correct_show(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Path(id): Path<String>,
    Extension(sess): Extension<Session>,
) -> Answer<Page> {
    Ok(correct_view(&st, &headers, &q, &sess, id, context! {}).await?)
}

/// One recording's correction page (the worklist, saying so, for an id that is not there),
/// with `extra` in its context.
pub(super) async fn correct_view(
    st: &AppState,
    headers: &HeaderMap,
    q: &LangQuery,
    sess: &Session,
    id: String,
    extra: minijinja::Value,
) -> Result<Page, StoreError> {
    let wanted = id.clone();
    let see = media::may_see(sess);
    let data = st
        .pool
        .run(move |s| match s.correction_view(&id) {
            Ok(v) => {
                let token = media::token_for("correct", &id);
                let slots = media::slots_view(&id, &s.media_list(&id)?, &token, see, "media");
                Ok(Ok((v, slots)))
            }
            Err(StoreError::NoSuchRecord(_)) => Ok(Err(s.correction_list(false, 500)?)),
            Err(e) => Err(e),
        })
        .await?;
    Ok(match data {
        Ok((v, slots)) => render(
            st,
            "correct_show.html",
            headers,
            q,
            Some(sess),
            context! {
                v => ser(&v), media => ser(&slots),
                limit_photo => crate::fmt::size_mib(cetak_ingest::media::limit(cetak_domain::media::MediaSlot::Foto)),
                limit_signature => crate::fmt::size_mib(cetak_ingest::media::limit(cetak_domain::media::MediaSlot::TandaTangan)),
                ..extra
            },
        ),
        Err(items) => render(
            st,
            "correct_list.html",
            headers,
            q,
            Some(sess),
            context! { items => ser(&items), missing => wanted, ..extra },
        ),
    })
}

#[derive(Debug, Deserialize)]
pub(crate) struct CorrectForm {
    #[serde(default)]
    field: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn correct_set(
    State(st): S,
    Path(id): Path<String>,
    Extension(sess): Extension<Session>,
    Form(f): Form<CorrectForm>,
) -> Answer {
    let to = format!("/correct/{id}");
    let done = (
        format!("Perbaikan {id} dicatat; perekaman diperiksa ulang."),
        format!("Correction of {id} recorded; the recording is checked again."),
    );
    let (rid, field, value, reason) = (
        id.clone(),
        f.field.clone(),
        f.value.clone(),
        f.reason.clone(),
    );
    match change_then_back(&st, &sess, &to, done, move |s, a| {
        s.correct_field(
            &rid,
            &field,
            &value,
            cetak_store::Change::new(a, office(s), &reason),
        )
    })
    .await
    {
        Ok(r) => Ok(r),
        Err(why) => {
            let kept = [
                ("field", f.field.as_str()),
                ("value", f.value.as_str()),
                ("reason", f.reason.as_str()),
            ];
            Err(why.on_form(FormPage::Correct(id), "correct", &kept))
        }
    }
}
