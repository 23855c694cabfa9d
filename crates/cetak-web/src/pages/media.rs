//! The person on the card on the staff pages (issue 17): a recording's photo and signature,
//! served one view at a time through the store's audited read, and attached again from the
//! correction page after the same checks an import makes.
//!
//! Only `foto` and `tanda_tangan` are ever served; fingerprint templates are not (the
//! `Biometrics` permission says who may see them, and no page needs to). Every image answer
//! names the page it was shown on (`?for=review-7`), which the audit entry keeps.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Extension, Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cetak_domain::access::{Permission, allows};
use cetak_domain::media::{MediaItem, MediaSlot, MediaVerdict};
use cetak_store::{MediaInfo, Store};
use serde::Deserialize;

use super::{Answer, FormPage, Refusal, S, actor, flash_back, office, page_error, store_refusal};
use crate::auth::Session;
use crate::state::AppState;

/// The slots a page may show: the two the card prints.
pub(crate) const SHOWN: [MediaSlot; 2] = [MediaSlot::Foto, MediaSlot::TandaTangan];

/// Longest recording id the route looks up (the import contract's limit).
const MAX_ID: usize = 64;
/// Longest `?for=` page token.
const MAX_TOKEN: usize = 80;

/// A recording id as the import contract allows it (letters, digits, `-_./`, at most 64), or
/// nothing: anything else is not looked up at all.
fn recording_id(raw: &str) -> Option<&str> {
    (!raw.is_empty()
        && raw.len() <= MAX_ID
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/')))
    .then_some(raw)
}

/// The pages that show media, as `?for=` names them.
const PAGES: [&str; 3] = ["review", "correct", "handover"];

/// A `?for=` token: one of [`PAGES`], optionally followed by `-` and what the page is about
/// (letters, digits, `_`, `.`, `-`), at most 80 characters in all.
fn page_token(raw: &str) -> Option<&str> {
    let (page, rest) = match raw.split_once('-') {
        Some((p, r)) => (p, Some(r)),
        None => (raw, None),
    };
    let rest_ok = rest.is_none_or(|r| {
        !r.is_empty()
            && r.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    });
    (raw.len() <= MAX_TOKEN && PAGES.contains(&page) && rest_ok).then_some(raw)
}

/// The `?for=` token of a page about `what` (a recording id or a pair number): unsafe
/// characters dropped, cut to length.
pub(crate) fn token_for(page: &str, what: &str) -> String {
    let clean: String = what
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        .take(MAX_TOKEN - page.len() - 1)
        .collect();
    if clean.is_empty() {
        page.to_string()
    } else {
        format!("{page}-{clean}")
    }
}

/// The words of a slot: (label, nothing there, not valid), each (Indonesian, English).
type SlotWords = [(&'static str, &'static str); 3];

fn slot_words(slot: MediaSlot) -> SlotWords {
    match slot {
        MediaSlot::Foto => [
            ("Foto", "Photo"),
            ("Tidak ada foto", "No photo"),
            ("Foto tidak sah", "The photo is not valid"),
        ],
        _ => [
            ("Tanda tangan", "Signature"),
            ("Tidak ada tanda tangan", "No signature"),
            ("Tanda tangan tidak sah", "The signature is not valid"),
        ],
    }
}

/// The address of a slot's image, for the page `token`.
fn src(recording_id: &str, slot: MediaSlot, token: &str) -> String {
    let id: String = form_urlencoded::byte_serialize(recording_id.as_bytes()).collect();
    format!("/media/{id}/{}?for={token}", slot.name())
}

/// What a page shows for one slot of a recording (the template `media_box.html` draws it):
/// `state` is `ok` (an image from the media route), `none`, `invalid` (with the problem's
/// words) or `hidden` (the role may not see media).
pub(crate) fn slot_view(
    recording_id: &str,
    slot: MediaSlot,
    info: &[MediaInfo],
    token: &str,
    may_see: bool,
    element_id: &str,
) -> serde_json::Value {
    let [label, none, bad] = slot_words(slot);
    let found = info.iter().find(|m| m.slot == slot.name());
    let (state, problem) = match found {
        Some(m) if m.valid && servable(&m.mime) => ("ok", None),
        Some(m) => (
            "invalid",
            Some(
                m.problem
                    .as_deref()
                    .and_then(cetak_words::problem)
                    .unwrap_or(("isi tidak sah", "content not valid")),
            ),
        ),
        None => ("none", None),
    };
    let state = if may_see { state } else { "hidden" };
    serde_json::json!({
        "id": element_id,
        "slot": slot.name(),
        "state": state,
        "src": (state == "ok").then(|| src(recording_id, slot, token)),
        "width": found.map(|m| m.width),
        "height": found.map(|m| m.height),
        "label": label,
        "none": none,
        "bad": bad,
        "problem": problem,
    })
}

/// Both shown slots of a recording.
pub(crate) fn slots_view(
    recording_id: &str,
    info: &[MediaInfo],
    token: &str,
    may_see: bool,
    prefix: &str,
) -> serde_json::Value {
    serde_json::Value::Array(
        SHOWN
            .iter()
            .map(|&slot| {
                slot_view(
                    recording_id,
                    slot,
                    info,
                    token,
                    may_see,
                    &format!("{prefix}-{}", slot.name()),
                )
            })
            .collect(),
    )
}

/// Whether the session's role may see photos and signatures.
pub(crate) fn may_see(sess: &Session) -> bool {
    allows(sess.0.user.role, Permission::Media)
}

/// MIME types the route answers: the images the checks accept. Anything else (content kept
/// beside its problem) is never served, so a browser never renders what the checks refused.
fn servable(mime: &str) -> bool {
    matches!(mime, "image/jpeg" | "image/png")
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct MediaQuery {
    #[serde(rename = "for")]
    page: Option<String>,
}

fn no_media() -> Response {
    page_error(
        StatusCode::NOT_FOUND,
        "Tidak ada foto atau tanda tangan yang dapat ditampilkan di sini",
        "No photo or signature to show here",
    )
}

/// `GET /media/{recording_id}/{slot}?for=page`: the current photo or signature of a recording,
/// for a signed-in role with `Media`, through the store's audited read — each answer writes a
/// `media_view` entry with the user and the page. 404 for any other slot (fingerprint
/// templates included), an empty slot, content that is not a valid image, or an id the import
/// contract would not allow; 400 without a page token.
pub(crate) async fn media_show(
    State(st): S,
    Path((rid, slot)): Path<(String, String)>,
    Query(q): Query<MediaQuery>,
    Extension(sess): Extension<Session>,
) -> Response {
    let slot = match MediaSlot::parse(&slot) {
        Some(s) if SHOWN.contains(&s) => s,
        _ => return no_media(),
    };
    let Some(rid) = recording_id(&rid).map(str::to_string) else {
        return no_media();
    };
    let Some(token) = q.page.as_deref().and_then(page_token).map(str::to_string) else {
        return page_error(
            StatusCode::BAD_REQUEST,
            "Sebutkan halaman tempat foto ditampilkan (?for=…); tidak ada yang ditampilkan",
            "Say which page the photo is shown on (?for=…); nothing was shown",
        );
    };
    let a = actor(&sess);
    let viewed = st
        .pool
        .run(move |s: &mut Store| {
            // Only a valid image is shown (and audited); the list itself shows nothing personal.
            let shown = s
                .media_list(&rid)?
                .into_iter()
                .any(|m| m.slot == slot.name() && m.valid && servable(&m.mime));
            if !shown {
                return Ok(None);
            }
            // "id / en": the audit page shows it in the reader's language.
            let purpose = format!("ditampilkan di halaman {token} / shown on page {token}");
            let at = office(s);
            s.media_view(&rid, slot, &a, &purpose, at)
        })
        .await;
    match viewed {
        Ok(Some((mime, bytes))) if servable(&mime) => image(&mime, bytes),
        Ok(_) => no_media(),
        Err(e) => store_refusal(e).page(),
    }
}

/// An image answer: its own type, never cached, never sniffed, never framed, shown inline,
/// and a policy that lets nothing in it run.
fn image(mime: &str, bytes: Vec<u8>) -> Response {
    let mut r = (StatusCode::OK, Body::from(bytes)).into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime) {
        h.insert(header::CONTENT_TYPE, v);
    }
    for (name, value) in [
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CONTENT_DISPOSITION, "inline"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox; frame-ancestors 'none'",
        ),
        (
            header::HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    r
}

/// What the upload form sent.
#[derive(Default)]
struct Upload {
    slot: String,
    reason: String,
    file: Option<Vec<u8>>,
}

/// Reads the upload form. The body is already limited to [`crate::auth::MAX_UPLOAD`]; the
/// file's own limit is the check's.
async fn read_upload(mut mp: Multipart) -> Result<Upload, Refusal> {
    let unreadable = || {
        Refusal::invalid(
            "Formulir unggahan tidak terbaca; tidak ada yang diubah",
            "The upload form could not be read; nothing was changed",
        )
    };
    let mut u = Upload::default();
    while let Some(field) = mp.next_field().await.map_err(|_| unreadable())? {
        match field.name() {
            Some("slot") => u.slot = field.text().await.map_err(|_| unreadable())?,
            Some("reason") => u.reason = field.text().await.map_err(|_| unreadable())?,
            Some("file") => {
                let bytes = field.bytes().await.map_err(|_| unreadable())?;
                if !bytes.is_empty() {
                    u.file = Some(bytes.to_vec());
                }
            }
            _ => {}
        }
    }
    Ok(u)
}

/// `POST /correct/{id}/media` (multipart): attach a new photo or signature. The file is
/// checked like an import (decoded, never judged by its name); content that fails is refused
/// with its reason and nothing is written; valid content goes through `Store::media_attach`
/// (audited with the reason, the slot's problems closed, the recording checked again).
pub(crate) async fn correct_media(
    State(st): S,
    Path(id): Path<String>,
    Extension(sess): Extension<Session>,
    mp: Multipart,
) -> Answer {
    let upload = match read_upload(mp).await {
        Ok(u) => u,
        Err(why) => {
            return Err(why.on_form(FormPage::Correct(id), "form-media", &[]));
        }
    };
    match attach(&st, &sess, &id, &upload).await {
        Ok(r) => Ok(r),
        Err(why) => {
            let kept = [
                ("slot", upload.slot.as_str()),
                ("reason", upload.reason.as_str()),
            ];
            Err(why.on_form(FormPage::Correct(id), "form-media", &kept))
        }
    }
}

async fn attach(
    st: &Arc<AppState>,
    sess: &Session,
    id: &str,
    u: &Upload,
) -> Result<Response, Refusal> {
    let slot = match MediaSlot::parse(u.slot.trim()) {
        Some(s) if SHOWN.contains(&s) => s,
        _ => {
            return Err(Refusal::invalid(
                "Pilih foto atau tanda tangan. Tidak ada yang dilampirkan.",
                "Choose photo or signature. Nothing was attached.",
            ));
        }
    };
    let reason = u.reason.trim().to_string();
    if reason.is_empty() {
        return Err(Refusal::invalid(
            "Isi alasan penggantian. Tidak ada yang dilampirkan.",
            "Give the reason for the new file. Nothing was attached.",
        ));
    }
    let Some(bytes) = u.file.clone() else {
        return Err(Refusal::invalid(
            "Pilih berkas gambar. Tidak ada yang dilampirkan.",
            "Choose an image file. Nothing was attached.",
        ));
    };
    let [label, _, _] = slot_words(slot);
    let bytes_len = bytes.len();
    let mut item = MediaItem {
        slot,
        bytes,
        verdict: MediaVerdict::Unchecked,
    };
    // The check decodes the whole image: off the async threads.
    let item = tokio::task::spawn_blocking(move || {
        cetak_ingest::media::check(&mut item);
        item
    })
    .await
    .map_err(|_| {
        Refusal::invalid(
            "Berkas tidak dapat diperiksa. Tidak ada yang dilampirkan.",
            "The file could not be checked. Nothing was attached.",
        )
    })?;
    if let MediaVerdict::Invalid { code, message } = &item.verdict {
        let (why_id, why_en) = cetak_words::problem(code).unwrap_or((code.as_str(), ""));
        if code == "media_too_large" {
            // Said with the sizes, in each language's numbers: what to do is plain.
            let [size_id, size_en] = crate::fmt::size_mib(bytes_len);
            let [max_id, max_en] = crate::fmt::size_mib(cetak_ingest::media::limit(slot));
            return Err(Refusal::invalid(
                format!(
                    "{} ditolak: {why_id} ({size_id}, paling besar {max_id}). Perkecil berkasnya lalu coba lagi; tidak ada yang dilampirkan.",
                    label.0
                ),
                format!(
                    "{} refused: {why_en} ({size_en}, at most {max_en}). Make the file smaller and try again; nothing was attached.",
                    label.1
                ),
            ));
        }
        let why_en = if why_en.is_empty() {
            message.clone()
        } else {
            format!("{why_en} ({message})")
        };
        return Err(Refusal::invalid(
            format!("{} ditolak: {why_id}. Tidak ada yang dilampirkan.", label.0),
            format!("{} refused: {why_en}. Nothing was attached.", label.1),
        ));
    }
    let a = actor(sess);
    let rid = id.to_string();
    let outcome = st
        .pool
        .run(move |s: &mut Store| {
            let at = office(s);
            s.media_attach(&rid, &item, cetak_store::Change::new(&a, at, &reason))
        })
        .await?;
    let (before, after) = (
        outcome.state_before.describe(),
        outcome.state_after.describe(),
    );
    let to = format!(
        "/correct/{}",
        form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
    );
    let (state_id, state_en) = if outcome.state_before == outcome.state_after {
        (
            format!("Status tetap: {}", before.0),
            format!("The state stays: {}", before.1),
        )
    } else {
        (
            format!("Status: {} → {}", before.0, after.0),
            format!("State: {} → {}", before.1, after.1),
        )
    };
    Ok(flash_back(
        st,
        &to,
        &format!("{} {id} dilampirkan. {state_id}.", label.0),
        &format!("{} of {id} attached. {state_en}.", label.1),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_are_short_and_name_a_page() {
        for ok in ["review-7852", "correct-PLG00000001", "handover", "review"] {
            assert_eq!(page_token(ok), Some(ok));
        }
        for bad in [
            "",
            "admin",
            "review-",
            "review-<script>",
            "review-a/b",
            "correct-../../x",
            &format!("review-{}", "9".repeat(100)),
        ] {
            assert_eq!(page_token(bad), None, "{bad}");
        }
        assert_eq!(token_for("correct", "A/B.1"), "correct-AB.1");
        assert_eq!(token_for("correct", "//"), "correct");
        assert!(page_token(&token_for("correct", &"x".repeat(200))).is_some());
    }

    #[test]
    fn ids_are_looked_up_only_in_the_contract_charset() {
        assert_eq!(recording_id("PLG00000001"), Some("PLG00000001"));
        assert_eq!(recording_id(""), None);
        assert_eq!(recording_id("a b"), None);
        assert_eq!(recording_id("a%2Fb"), None);
        assert_eq!(recording_id(&"1".repeat(65)), None);
    }
}
