//! Duplicate review: the pair list, one pair side by side, decisions one by one or by evidence group.

use super::*;

pub(crate) async fn review_list(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Extension(sess): Extension<Session>,
) -> Answer<Page> {
    let page = page_no(q.page.as_deref());
    let data = st
        .pool
        .run(move |s| {
            let (pairs, total) = s.open_reviews_page((page - 1) * PER_PAGE, PER_PAGE as u32)?;
            let ids: Vec<&str> = pairs
                .iter()
                .flat_map(|p| [p.a.as_str(), p.b.as_str()])
                .collect();
            let names = s.record_names(&ids)?;
            let rows: Vec<_> = pairs
                .iter()
                .map(|p| {
                    serde_json::json!({
                        "id": p.id, "a": p.a, "b": p.b, "probability": p.probability, "why": p.why,
                        "name_a": names.get(&p.a), "name_b": names.get(&p.b),
                    })
                })
                .collect();
            Ok((rows, total))
        })
        .await?;
    let (pairs, total) = data;
    Ok(render(
        &st,
        "review_list.html",
        &headers,
        &q,
        Some(&sess),
        context! { pairs => ser(&pairs), total => total, pager => ser(&pager("page", page, Some(total), false)) },
    ))
}

pub(crate) async fn review_api(State(st): S) -> Answer<Json<views::ReviewList>> {
    let pairs = st.pool.run(|s| s.dedup_pairs(true, 500)).await?;
    Ok(Json(views::ReviewList { pairs }))
}

pub(crate) async fn review_show(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Path(id): Path<i64>,
    Extension(sess): Extension<Session>,
) -> Answer {
    Ok(
        match review_view(&st, &headers, &q, &sess, id, context! {}).await? {
            Some(p) => p.into_response(),
            None => not_found().await,
        },
    )
}

/// One pair's page (`None`: no such pair), with `extra` in its context.
pub(super) async fn review_view(
    st: &AppState,
    headers: &HeaderMap,
    q: &LangQuery,
    sess: &Session,
    id: i64,
    extra: minijinja::Value,
) -> Result<Option<Page>, StoreError> {
    let see = media::may_see(sess);
    let data = st
        .pool
        .run(move |s| {
            let Some((pair, decided_at)) = s.pair_for_view(id)? else {
                return Ok(None);
            };
            let a = s.record_fields(&pair.a)?;
            let b = s.record_fields(&pair.b)?;
            let rows: Vec<_> = a
                .iter()
                .zip(b.iter())
                .map(|((name, va), (_, vb))| serde_json::json!({ "field": name, "a": va, "b": vb, "same": va == vb }))
                .collect();
            let token = media::token_for("review", &id.to_string());
            let sides: Vec<_> = [("a", &pair.a), ("b", &pair.b)]
                .into_iter()
                .map(|(side, rid)| {
                    Ok(serde_json::json!({
                        "side": side,
                        "recording_id": rid,
                        "slots": media::slots_view(rid, &s.media_list(rid)?, &token, see, &format!("media-{side}")),
                    }))
                })
                .collect::<Result<_, StoreError>>()?;
            Ok(Some((pair, rows, decided_at, sides)))
        })
        .await?;
    Ok(data.map(|(pair, rows, decided_at, sides)| {
        render(
            st,
            "review_show.html",
            headers,
            q,
            Some(sess),
            context! { pair => ser(&pair), rows => ser(&rows), decided_at => decided_at, media => ser(&sides), ..extra },
        )
    }))
}

#[derive(Debug, Deserialize)]
pub(crate) struct DecideForm {
    /// `same` or `different`: chosen, no default (a form sent without choosing has no field).
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn review_decide(
    State(st): S,
    Path(id): Path<i64>,
    Extension(sess): Extension<Session>,
    Form(f): Form<DecideForm>,
) -> Answer {
    match decide(&st, &sess, id, &f).await {
        Ok(r) => Ok(r),
        Err(why) => {
            let kept = [
                ("decision", f.decision.as_str()),
                ("reason", f.reason.as_str()),
            ];
            Err(why.on_form(FormPage::Review(id), "form-decide", &kept))
        }
    }
}

pub(super) async fn decide(
    st: &AppState,
    sess: &Session,
    id: i64,
    f: &DecideForm,
) -> Result<Response, Refusal> {
    let same = chosen_decision(
        &f.decision,
        &f.reason,
        (
            "Pilih keputusan: orang yang sama atau orang berbeda. Tidak ada yang diputuskan.",
            "Choose a decision: same person or different people. Nothing was decided.",
        ),
    )?;
    let a = actor(sess);
    let reason = f.reason.clone();
    st.pool
        .run(move |s| s.decide_pair(id, same, cetak_store::Change::new(&a, office(s), &reason)))
        .await?;
    apply_decisions(st).await;
    let (what_id, what_en) = decision_words(same);
    Ok(flash_back(
        st,
        "/review",
        &format!("Pasangan {id} diputuskan: {what_id}. Keputusan dapat dilihat di /review/{id}."),
        &format!("Pair {id} decided: {what_en}. The decision stays viewable at /review/{id}."),
    ))
}

/// Pairs shown per group on the groups page, to look at before deciding the group.
pub(super) const GROUP_SAMPLE: usize = 5;

/// Open review pairs grouped by evidence pattern (issue 12): each group with its levels in
/// words, a sample of pairs with names, and one decision for the whole group.
pub(crate) async fn review_groups(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Extension(sess): Extension<Session>,
) -> Answer<Page> {
    Ok(review_groups_view(&st, &headers, &q, &sess, context! {}).await?)
}

pub(super) async fn review_groups_view(
    st: &AppState,
    headers: &HeaderMap,
    q: &LangQuery,
    sess: &Session,
    extra: minijinja::Value,
) -> Result<Page, StoreError> {
    let page = page_no(q.page.as_deref());
    let (groups, total) = st
        .pool
        .run(move |s| {
            let groups = s.dedup_pair_groups(GROUP_SAMPLE)?;
            let total = groups.len() as u64;
            let ids: Vec<&str> = groups
                .iter()
                .flat_map(|g| &g.sample)
                .flat_map(|p| [p.a.as_str(), p.b.as_str()])
                .collect();
            let names = s.record_names(&ids)?;
            let shown: Vec<_> = groups
                .iter()
                .enumerate()
                .skip(((page - 1) * PER_PAGE) as usize)
                .take(PER_PAGE as usize)
                .map(|(i, g)| {
                    let levels: Vec<_> = g
                        .pattern
                        .split(" | ")
                        .next()
                        .unwrap_or("")
                        .split(' ')
                        .filter_map(|fl| fl.split_once('='))
                        .map(|(f, l)| serde_json::json!({ "field": f, "level": l }))
                        .collect();
                    let sample: Vec<_> = g
                        .sample
                        .iter()
                        .map(|p| {
                            serde_json::json!({
                                "id": p.id, "a": p.a, "b": p.b, "probability": p.probability,
                                "name_a": names.get(&p.a), "name_b": names.get(&p.b),
                            })
                        })
                        .collect();
                    serde_json::json!({
                        "number": i + 1, "pattern": g.pattern, "why": g.why, "pairs": g.pairs,
                        "min": g.min_probability, "max": g.max_probability,
                        "levels": levels, "sample": sample,
                    })
                })
                .collect();
            Ok((shown, total))
        })
        .await?;
    Ok(render(
        st,
        "review_groups.html",
        headers,
        q,
        Some(sess),
        context! {
            groups => ser(&groups), total => total,
            pager => ser(&pager("page", page, Some(total), false)),
            ..extra
        },
    ))
}

#[derive(Deserialize)]
pub(crate) struct GroupDecideForm {
    /// The group's evidence pattern, as the page showed it.
    #[serde(default)]
    pattern: String,
    /// How many pairs the group had when the supervisor looked: a group that changed since
    /// is not decided blind.
    #[serde(default)]
    expect_pairs: String,
    /// The group's number on the page (which form to put the input back into).
    #[serde(default)]
    group: String,
    /// `same` or `different`: chosen, no default.
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn review_group_decide(
    State(st): S,
    Extension(sess): Extension<Session>,
    Form(f): Form<GroupDecideForm>,
) -> Answer {
    match decide_group(&st, &sess, &f).await {
        Ok(r) => Ok(r),
        Err(why) => {
            let form = format!("form-group-{}", f.group.trim());
            let kept = [
                ("decision", f.decision.as_str()),
                ("reason", f.reason.as_str()),
            ];
            Err(why.on_form(FormPage::ReviewGroups, &form, &kept))
        }
    }
}

pub(super) async fn decide_group(
    st: &AppState,
    sess: &Session,
    f: &GroupDecideForm,
) -> Result<Response, Refusal> {
    let same = chosen_decision(
        &f.decision,
        &f.reason,
        (
            "Pilih keputusan untuk kelompok: orang yang sama atau orang berbeda. Tidak ada yang diputuskan.",
            "Choose a decision for the group: same person or different people. Nothing was decided.",
        ),
    )?;
    let expected: u64 = f.expect_pairs.trim().parse().map_err(|_| {
        Refusal::invalid(
            "Jumlah pasangan kelompok tidak terbaca. Tidak ada yang diputuskan.",
            "The group's pair count could not be read. Nothing was decided.",
        )
    })?;
    let pattern = f.pattern.clone();
    let now = {
        let pattern = pattern.clone();
        st.pool
            .run(move |s| {
                Ok(s.dedup_pair_groups(0)?
                    .into_iter()
                    .find(|g| g.pattern == pattern)
                    .map(|g| g.pairs))
            })
            .await?
    };
    match now {
        None => {
            return Err(Refusal::new(
                StatusCode::CONFLICT,
                "Kelompok ini tidak ada lagi (sudah diputuskan atau pencarian data ganda berjalan lagi). Tidak ada yang diputuskan.",
                "This group is gone (decided, or data ganda ran again). Nothing was decided.",
            ));
        }
        Some(n) if n != expected => {
            return Err(Refusal::new(
                StatusCode::CONFLICT,
                format!(
                    "Kelompok ini sekarang berisi {n} pasangan, bukan {expected} seperti yang Anda lihat. Periksa lagi; tidak ada yang diputuskan."
                ),
                format!(
                    "This group now holds {n} pairs, not the {expected} you saw. Look again; nothing was decided."
                ),
            ));
        }
        Some(_) => {}
    }
    let a = actor(sess);
    let reason = f.reason.clone();
    let decided = st
        .pool
        .run(move |s| {
            s.decide_pair_group(
                &pattern,
                same,
                cetak_store::Change::new(&a, office(s), &reason),
            )
        })
        .await?;
    apply_decisions(st).await;
    let (what_id, what_en) = decision_words(same);
    Ok(flash_back(
        st,
        "/review/groups",
        &format!("{decided} pasangan diputuskan sekaligus: {what_id}."),
        &format!("{decided} pairs decided at once: {what_en}."),
    ))
}

/// A supervisor's choice from a decision form: `same` or `different` (no default) and a
/// reason; `unchosen` is the refusal when nothing was chosen.
pub(super) fn chosen_decision(
    decision: &str,
    reason: &str,
    unchosen: (&'static str, &'static str),
) -> Result<bool, Refusal> {
    let same = match decision {
        "same" => true,
        "different" => false,
        _ => return Err(Refusal::invalid(unchosen.0, unchosen.1)),
    };
    if reason.trim().is_empty() {
        return Err(Refusal::invalid(
            "Keputusan perlu alasan. Tidak ada yang diputuskan.",
            "A decision needs a reason. Nothing was decided.",
        ));
    }
    Ok(same)
}

/// Apply recorded decisions now (as `cetak review decide` does): the pairs' recordings become
/// unique, duplicates or stay apart for good.
pub(super) async fn apply_decisions(st: &AppState) {
    let Some(config) = st.dedup_after_decision.clone() else {
        return;
    };
    let db = st.db.clone();
    let ran = tokio::task::spawn_blocking(move || {
        let mut store = Store::open(&db)?;
        cetak_office::dedup_run::run(
            &mut store,
            &config,
            &Actor::system("dedup"),
            &mut |_| {},
            false,
        )
    })
    .await;
    match ran {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::error!("applying a decision: {e}"),
        Err(e) => tracing::error!("applying a decision: {e}"),
    }
}

/// A decision in words, for the confirmation.
pub(super) fn decision_words(same: bool) -> (&'static str, &'static str) {
    if same {
        ("orang yang sama", "same person")
    } else {
        ("orang berbeda", "different people")
    }
}
