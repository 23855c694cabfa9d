//! The one error type of the handlers, [`WebError`], and how it answers ([`IntoResponse`]).
//!
//! A handler returns `Result<_, WebError>` and uses `?`: a store error becomes the office's
//! words with its status ([`store_refusal`]: busy → 503 with `Retry-After`, a refused
//! transition → 409, an unknown record → 404, …), a [`Refusal`] says its own. A refusal on its
//! own is the layout's error page (JSON `{"error": …}` on the API); a refused staff form
//! ([`Refusal::on_form`]) answers with **its own page again** — the reason above, a way back,
//! what was typed kept. Rendering needs the request's language, session and state, so the
//! answer carries a [`PageError`] or [`RefusedForm`] in its extensions and the outermost
//! layer (`pages::finish`) renders it; this module knows no template and no state.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cetak_store::StoreError;

/// An error shown as a page within the layout, with a way back (JSON `{"error": …}` on the
/// API): `pages::finish` renders it.
#[derive(Debug, Clone)]
pub(crate) struct PageError {
    pub(crate) id: String,
    pub(crate) en: String,
    /// A form refused before its handler (its token had expired): what was typed, to send
    /// again with the session's current token after the person has seen it.
    pub(crate) resend: Option<Resend>,
}

/// A refused form's address and fields, shown and offered again (never a password).
#[derive(Debug, Clone)]
pub(crate) struct Resend {
    pub(crate) action: String,
    pub(crate) fields: Vec<(String, String)>,
}

/// An error answer in both languages.
pub(crate) fn page_error(status: StatusCode, id: &str, en: &str) -> Response {
    let mut r = (status, format!("{id} / {en}")).into_response();
    r.extensions_mut().insert(PageError {
        id: id.to_string(),
        en: en.to_string(),
        resend: None,
    });
    r
}

/// Why a body too large to read was refused, in both languages. The upload's says the limits,
/// so that the next try fits (`upload_limit`: the upload's body limit); no other form can get
/// there from a browser (every text field has a `maxlength`, far under the 64 KiB).
pub(crate) fn too_large_words(path: &str, upload_limit: usize) -> (String, String) {
    if path.ends_with("/media") {
        let [body_id, body_en] = crate::fmt::size_mib(upload_limit);
        let [photo_id, photo_en] = crate::fmt::size_mib(cetak_ingest::media::limit(
            cetak_domain::media::MediaSlot::Foto,
        ));
        (
            format!(
                "Berkas terlalu besar (lebih dari {body_id}; foto paling besar {photo_id}); tidak ada yang dilampirkan. Perkecil berkasnya lalu coba lagi"
            ),
            format!(
                "The file is too large (over {body_en}; a photo is at most {photo_en}); nothing was attached. Make the file smaller and try again"
            ),
        )
    } else {
        (
            "Isian terlalu besar; tidak ada yang diubah".to_string(),
            "The request is too large; nothing was changed".to_string(),
        )
    }
}

/// A message in both languages as "id / en" (the store's refusals), split for the page.
pub(crate) fn split_message(m: &str) -> (String, String) {
    match m.split_once(" / ") {
        Some((id, en)) => (id.to_string(), en.to_string()),
        None => (m.to_string(), m.to_string()),
    }
}

/// The page a staff form lives on: a refused form is answered with that page again.
#[derive(Debug, Clone)]
pub(crate) enum FormPage {
    Print,
    Review(i64),
    ReviewGroups,
    Correct(String),
    Stock,
    Users,
    Account,
}

impl FormPage {
    /// The page's address (the way back from a refusal).
    pub(crate) fn path(&self) -> String {
        match self {
            FormPage::Print => "/print".into(),
            FormPage::Review(id) => format!("/review/{id}"),
            FormPage::ReviewGroups => "/review/groups".into(),
            FormPage::Correct(id) => format!("/correct/{id}"),
            FormPage::Stock => "/stock".into(),
            FormPage::Users => "/users".into(),
            FormPage::Account => "/account".into(),
        }
    }
}

/// Why a request was refused, in both languages: its status, and how many seconds to wait
/// before trying again when the database was busy.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) id: String,
    pub(crate) en: String,
    pub(crate) retry_after: Option<u64>,
}

impl Refusal {
    pub(crate) fn new(status: StatusCode, id: impl Into<String>, en: impl Into<String>) -> Refusal {
        Refusal {
            status,
            id: id.into(),
            en: en.into(),
            retry_after: None,
        }
    }

    /// A 422: what was sent cannot be done as it is.
    pub(crate) fn invalid(id: impl Into<String>, en: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, id, en)
    }

    /// The refusal on its own page (the layout's error page, or JSON on the API).
    pub(crate) fn page(&self) -> Response {
        let mut r = page_error(self.status, &self.id, &self.en);
        self.add_retry(&mut r);
        r
    }

    pub(crate) fn add_retry(&self, r: &mut Response) {
        if let Some(s) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&s.max(1).to_string())
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }

    /// This refusal for a staff form: answered with the form's page `on` again, the reason
    /// above, and `kept` (what was typed, never a password) put back into form `form`.
    pub(crate) fn on_form(self, on: FormPage, form: &str, kept: &[(&str, &str)]) -> WebError {
        WebError::Form(Box::new(RefusedForm {
            on,
            form: form.to_string(),
            kept: kept
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            why: self,
        }))
    }
}

/// A store error in the office's words.
pub(crate) fn store_refusal(e: StoreError) -> Refusal {
    if e.is_busy() {
        let mut r = Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Basis data kantor sedang sibuk (misalnya impor atau pemeriksaan data ganda sedang berjalan). Tidak ada yang diubah; coba lagi sebentar lagi.",
            "The office database is busy (an import or a duplicate check is running, for example). Nothing was changed; try again in a moment.",
        );
        r.retry_after = Some(5);
        return r;
    }
    let refused = |status: StatusCode, m: &str| {
        let (id, en) = split_message(m);
        Refusal::new(status, format!("Ditolak: {id}"), format!("Refused: {en}"))
    };
    if let Some((id, en)) = crate::words::refusal(&e) {
        return Refusal::new(
            StatusCode::CONFLICT,
            format!("Ditolak: {id}"),
            format!("Refused: {en}"),
        );
    }
    match e {
        StoreError::Refused(m) => refused(StatusCode::UNPROCESSABLE_ENTITY, &m),
        // The state does not allow it now: the same request may succeed later.
        StoreError::Conflict(m) => refused(StatusCode::CONFLICT, &m),
        StoreError::NotFound(m) => refused(StatusCode::NOT_FOUND, &m),
        StoreError::NoSuchRecord(m) => {
            let (id, en) = cetak_words::not_found(&m);
            Refusal::new(StatusCode::NOT_FOUND, id, en)
        }
        StoreError::Transition(t) => refused(StatusCode::CONFLICT, &t.to_string()),
        StoreError::Attempt(t) => refused(StatusCode::CONFLICT, &t.to_string()),
        StoreError::Blank(t) => refused(StatusCode::CONFLICT, &t.to_string()),
        other => {
            tracing::error!("store: {other}");
            Refusal::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Basis data tidak tersedia; coba lagi nanti",
                "The database is unavailable; try again later",
            )
        }
    }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Refusal {
        store_refusal(e)
    }
}

/// A staff form that was refused, for `pages::finish` to answer with its page again.
#[derive(Debug, Clone)]
pub(crate) struct RefusedForm {
    pub(crate) on: FormPage,
    pub(crate) form: String,
    pub(crate) kept: Vec<(String, String)>,
    pub(crate) why: Refusal,
}

/// What a handler answers instead of what was asked.
#[derive(Debug)]
pub(crate) enum WebError {
    /// Refused on its own: the layout's error page, or JSON on the API.
    Refused(Refusal),
    /// A refused staff form: its own page again (see [`Refusal::on_form`]).
    Form(Box<RefusedForm>),
}

impl From<Refusal> for WebError {
    fn from(r: Refusal) -> WebError {
        WebError::Refused(r)
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> WebError {
        WebError::Refused(store_refusal(e))
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::Refused(r) => r.page(),
            WebError::Form(f) => {
                // The refusal on its own, in case the form's page cannot be read; `finish`
                // puts the page in its place.
                let mut r = f.why.page();
                r.extensions_mut().insert(*f);
                r
            }
        }
    }
}
