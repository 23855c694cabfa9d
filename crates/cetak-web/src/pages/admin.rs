//! Accounts: the users page (admin) and one's own account.

use super::*;

pub(crate) async fn users_page(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Extension(sess): Extension<Session>,
) -> Answer<Page> {
    Ok(users_view(&st, &headers, &q, &sess, context! {}).await?)
}

/// The users page, with `extra` in its context.
pub(super) async fn users_view(
    st: &AppState,
    headers: &HeaderMap,
    q: &LangQuery,
    sess: &Session,
    extra: minijinja::Value,
) -> Result<Page, StoreError> {
    let page = page_no(q.page.as_deref());
    let users = st.pool.run(|s| s.users()).await?;
    let total = users.len() as u64;
    let users: Vec<_> = users
        .into_iter()
        .skip(((page - 1) * PER_PAGE) as usize)
        .take(PER_PAGE as usize)
        .collect();
    Ok(render(
        st,
        "users.html",
        headers,
        q,
        Some(sess),
        context! {
            users => ser(&users), roles => Role::ALL.map(|r| r.as_str()).to_vec(),
            pager => ser(&pager("page", page, Some(total), false)),
            ..extra
        },
    ))
}

/// A password the policy refuses.
pub(super) fn weak_password(e: crate::password::PasswordError) -> Refusal {
    let (id, en) = split_message(&e.to_string());
    Refusal::invalid(id, en)
}

pub(super) async fn hash(password: String) -> Result<String, Refusal> {
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .unwrap_or_else(|e| Err(e.to_string()))
        .map_err(|e| {
            tracing::error!("hashing a password: {e}");
            Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Kata sandi tidak bisa diproses",
                "The password could not be processed",
            )
        })
}

#[derive(Debug, Deserialize)]
pub(crate) struct UserForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

/// A role's words (Indonesian, English).
pub(super) fn role_words(role: Role) -> (&'static str, &'static str) {
    words::label(role.as_str()).unwrap_or((role.as_str(), role.as_str()))
}

pub(super) fn bad_role() -> Refusal {
    Refusal::invalid(
        "Pilih peran: petugas, penyelia atau pengelola",
        "Choose a role: operator, supervisor or admin",
    )
}

/// A users-page action refused: the users page again, the reason above, what was typed
/// (never a password) kept in form `form`.
pub(super) fn users_refused(form: &str, kept: &[(&str, &str)], why: Refusal) -> WebError {
    why.on_form(FormPage::Users, form, kept)
}

pub(crate) async fn users_create(
    State(st): S,
    headers: HeaderMap,
    Extension(sess): Extension<Session>,
    Form(f): Form<UserForm>,
) -> Answer {
    match user_create(&st, &headers, &sess, &f).await {
        Ok(r) => Ok(r),
        Err(why) => {
            let kept = [("name", f.name.as_str()), ("role", f.role.as_str())];
            Err(users_refused("form-user-add", &kept, why))
        }
    }
}

pub(super) async fn user_create(
    st: &AppState,
    headers: &HeaderMap,
    sess: &Session,
    f: &UserForm,
) -> Result<Response, Refusal> {
    let role = Role::parse(&f.role).ok_or_else(bad_role)?;
    let name = f.name.trim().to_string();
    crate::password::check(&name, &f.password).map_err(weak_password)?;
    let hash = hash(f.password.clone()).await?;
    let a = actor(sess);
    let n = name.clone();
    st.pool
        .run(move |s| s.user_add(&n, role, &hash, &a, office(s)))
        .await?;
    Ok(done_page(
        st,
        headers,
        sess,
        &format!("Pengguna {name} dibuat ({}).", role_words(role).0),
        &format!("User {name} created ({}).", role.as_str()),
        "/users",
        None,
    ))
}

/// What an admin does to an account from the users page.
pub(super) enum UserChange {
    Disable,
    Enable,
    SessionsEnd,
}

pub(super) async fn user_change(
    st: &AppState,
    headers: &HeaderMap,
    sess: &Session,
    name: String,
    change: UserChange,
) -> Answer {
    let a = actor(sess);
    let n = name.clone();
    let result = st
        .pool
        .run(move |s| match change {
            UserChange::Disable => s.user_set_disabled(&n, true, &a, office(s)).map(|()| {
                (
                    format!("Pengguna {n} dinonaktifkan; semua sesinya diakhiri."),
                    format!("User {n} disabled; all their sessions ended."),
                )
            }),
            UserChange::Enable => s.user_set_disabled(&n, false, &a, office(s)).map(|()| {
                (
                    format!("Pengguna {n} diaktifkan kembali."),
                    format!("User {n} enabled again."),
                )
            }),
            UserChange::SessionsEnd => s.user_sessions_end(&n, &a, office(s)).map(|k| {
                (
                    format!("{k} sesi pengguna {n} diakhiri."),
                    format!("{k} sessions of user {n} ended."),
                )
            }),
        })
        .await;
    match result {
        Ok((id, en)) => Ok(done_page(st, headers, sess, &id, &en, "/users", None)),
        Err(e) => {
            let row = format!("user-{name}");
            Err(users_refused(&row, &[], store_refusal(e)))
        }
    }
}

pub(crate) async fn user_disable(
    State(st): S,
    headers: HeaderMap,
    Path(name): Path<String>,
    Extension(sess): Extension<Session>,
) -> Answer {
    user_change(&st, &headers, &sess, name, UserChange::Disable).await
}

pub(crate) async fn user_enable(
    State(st): S,
    headers: HeaderMap,
    Path(name): Path<String>,
    Extension(sess): Extension<Session>,
) -> Answer {
    user_change(&st, &headers, &sess, name, UserChange::Enable).await
}

pub(crate) async fn user_sessions_end(
    State(st): S,
    headers: HeaderMap,
    Path(name): Path<String>,
    Extension(sess): Extension<Session>,
) -> Answer {
    user_change(&st, &headers, &sess, name, UserChange::SessionsEnd).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct RoleForm {
    #[serde(default)]
    role: String,
}

pub(crate) async fn user_role(
    State(st): S,
    headers: HeaderMap,
    Path(name): Path<String>,
    Extension(sess): Extension<Session>,
    Form(f): Form<RoleForm>,
) -> Answer {
    let result = match Role::parse(&f.role) {
        None => Err(bad_role()),
        Some(role) => {
            let a = actor(&sess);
            let n = name.clone();
            st.pool
                .run(move |s| s.user_set_role(&n, role, &a, office(s)))
                .await
                .map(|()| role)
                .map_err(store_refusal)
        }
    };
    match result {
        Ok(role) => Ok(done_page(
            &st,
            &headers,
            &sess,
            &format!("Peran {name} sekarang {}.", role_words(role).0),
            &format!("{name} is now {}.", role.as_str()),
            "/users",
            None,
        )),
        Err(why) => {
            let form = format!("form-role-{name}");
            let kept = [("role", f.role.as_str())];
            Err(users_refused(&form, &kept, why))
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ResetForm {
    /// Empty: make a random one and show it once.
    #[serde(default)]
    password: String,
}

pub(crate) async fn user_password_reset(
    State(st): S,
    headers: HeaderMap,
    Path(name): Path<String>,
    Extension(sess): Extension<Session>,
    Form(f): Form<ResetForm>,
) -> Answer {
    match password_reset(&st, &headers, &sess, &name, f).await {
        Ok(r) => Ok(r),
        Err(why) => {
            // The password typed is not shown again.
            let form = format!("form-reset-{name}");
            Err(users_refused(&form, &[], why))
        }
    }
}

pub(super) async fn password_reset(
    st: &AppState,
    headers: &HeaderMap,
    sess: &Session,
    name: &str,
    f: ResetForm,
) -> Result<Response, Refusal> {
    let (password, generated) = if f.password.trim().is_empty() {
        (auth::random_password_for(name), true)
    } else {
        (f.password, false)
    };
    crate::password::check(name, &password).map_err(weak_password)?;
    let hash = hash(password.clone()).await?;
    let a = actor(sess);
    let n = name.to_string();
    st.pool
        .run(move |s| s.user_set_password(&n, &hash, None, false, &a, office(s)))
        .await?;
    Ok(done_page(
        st,
        headers,
        sess,
        &if generated {
            format!(
                "Kata sandi {name} diatur ulang; semua sesinya diakhiri. Kata sandi baru (catat sekarang, tidak ditampilkan lagi):"
            )
        } else {
            format!("Kata sandi {name} diatur ulang; semua sesinya diakhiri.")
        },
        &if generated {
            format!(
                "{name}'s password was reset; all their sessions ended. The new password (note it now, it is not shown again):"
            )
        } else {
            format!("{name}'s password was reset; all their sessions ended.")
        },
        "/users",
        generated.then_some(password.as_str()),
    ))
}

pub(crate) async fn account_page(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Extension(sess): Extension<Session>,
) -> Response {
    render(&st, "account.html", &headers, &q, Some(&sess), context! {}).into_response()
}

#[derive(Debug, Deserialize)]
pub(crate) struct OwnPasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

pub(crate) async fn account_password(
    State(st): S,
    headers: HeaderMap,
    Extension(sess): Extension<Session>,
    req: Request,
) -> Answer {
    let ip = auth::client_ip(&req);
    let f = match Form::<OwnPasswordForm>::from_request_parts_and_body(req).await {
        Ok(Form(f)) => Ok(f),
        Err(_) => Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "Formulir tidak lengkap",
            "The form is incomplete",
        )),
    };
    let result = match f {
        Ok(f) => own_password(&st, &headers, &sess, ip, f).await,
        Err(why) => Err(why),
    };
    match result {
        Ok(r) => Ok(r),
        // Nothing typed here is shown again: every field is a password.
        Err(why) => Err(why.on_form(FormPage::Account, "form-password", &[])),
    }
}

pub(super) async fn own_password(
    st: &AppState,
    headers: &HeaderMap,
    sess: &Session,
    ip: std::net::IpAddr,
    f: OwnPasswordForm,
) -> Result<Response, Refusal> {
    let name = sess.0.user.name.clone();
    // The current password is guessed like a login: the same throttle.
    let wait = st.login_throttle.wait(&name, ip, std::time::Instant::now());
    if !wait.is_zero() {
        let mut why = Refusal::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Terlalu banyak percobaan yang salah; coba lagi nanti",
            "Too many wrong attempts; try again later",
        );
        why.retry_after = Some(wait.as_secs() + 1);
        return Err(why);
    }
    let stored = sess.0.user.password_hash.clone();
    let current = f.current.clone();
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&stored, &current))
        .await
        .unwrap_or(false);
    if !ok {
        st.login_throttle
            .failed(&name, ip, std::time::Instant::now());
        return Err(Refusal::invalid(
            "Kata sandi sekarang salah",
            "The current password is wrong",
        ));
    }
    if f.password != f.password2 {
        return Err(Refusal::invalid(
            "Kedua kata sandi baru tidak sama",
            "The two new passwords differ",
        ));
    }
    crate::password::check(&name, &f.password).map_err(weak_password)?;
    let hash = hash(f.password).await?;
    let keep = auth::cookie(headers, SESSION_COOKIE).map(auth::token_hash);
    let a = actor(sess);
    let ended = st
        .pool
        .run(move |s| s.user_set_password(&name, &hash, keep.as_ref(), true, &a, office(s)))
        .await?;
    Ok(done_page(
        st,
        headers,
        sess,
        &format!("Kata sandi Anda diganti; {ended} sesi lain diakhiri."),
        &format!("Your password was changed; {ended} other sessions ended."),
        "/",
        None,
    ))
}
