//! Hand-over of a printed card to its resident, in two steps.

use super::*;

#[derive(Debug, Deserialize)]
pub(crate) struct HandoverForm {
    #[serde(default)]
    nik: String,
    #[serde(default)]
    to: String,
    /// One of [`ID_CHECKS`]; there is no default, it must be chosen.
    #[serde(default)]
    id_check: String,
    /// "1" on the confirmation step, after staff saw whose card it is.
    #[serde(default)]
    confirm: String,
}

/// How identity was checked at hand-over: (code, Indonesian, English). The Indonesian words
/// are what the audit entry records.
pub(crate) const ID_CHECKS: [(&str, &str, &str); 4] = [
    ("sidik_jari", "sidik jari cocok", "fingerprint matched"),
    (
        "ktp_lama",
        "KTP lama atau surat keterangan cocok",
        "old card or certificate matched",
    ),
    (
        "kk_wajah",
        "Kartu Keluarga dan wajah cocok",
        "family card and face matched",
    ),
    (
        "surat_kuasa",
        "surat kuasa dan KTP penerima diperiksa",
        "power of attorney and the receiver's card checked",
    ),
];

/// A printed card waiting for the resident with this NIK (as typed): the NIK, the resident's
/// name and the printed recording's photo box. A NIK that is not 16 digits, or no printed
/// card waiting, is refused on the print page's hand-over form with what was typed kept.
async fn printed_card(
    st: &AppState,
    sess: &Session,
    typed: &str,
) -> Result<(String, String, Option<serde_json::Value>), WebError> {
    let nik = typed.trim().to_string();
    let kept = [("nik", typed)];
    let find_refused = |why: Refusal| why.on_form(FormPage::Print, "form-handover", &kept);
    if nik.len() != 16 || !nik.bytes().all(|b| b.is_ascii_digit()) {
        return Err(find_refused(Refusal::invalid(
            "NIK harus 16 angka",
            "The NIK must be 16 digits",
        )));
    }
    let key = nik.clone();
    let see = media::may_see(sess);
    let found = st
        .pool
        .run(move |s| {
            let Some(facts) = s.resident_facts(&key)? else {
                return Ok(None);
            };
            // The printed recording's photo, so staff see whose card it is.
            let printed = s
                .records_by_nik(&key)?
                .into_iter()
                .find(|r| r.state == RecordState::Printed);
            let photo = match printed {
                Some(r) => {
                    let info = s.media_list(&r.recording_id)?;
                    Some(media::slot_view(
                        &r.recording_id,
                        cetak_domain::media::MediaSlot::Foto,
                        &info,
                        "handover",
                        see,
                        "confirm-photo",
                    ))
                }
                None => None,
            };
            Ok(Some((facts, photo)))
        })
        .await;
    let (facts, photo) = match found {
        Ok(Some((f, p))) => (Some(f), p),
        Ok(None) => (None, None),
        Err(e) => return Err(find_refused(store_refusal(e))),
    };
    let Some(facts) = facts.filter(|f| f.state == RecordState::Printed) else {
        return Err(find_refused(Refusal::invalid(
            "Tidak ada KTP-el tercetak yang menunggu untuk NIK ini; periksa NIK",
            "No printed card is waiting for this NIK; check the NIK",
        )));
    };
    Ok((nik, facts.nama, photo))
}

/// The confirmation step's page: whose card it is, the chip check when the counter has a
/// reader (`chip`: what the last check found), and the form that hands it over; `why`: the
/// hand-over was refused, said above.
struct Confirm<'a> {
    nik: &'a str,
    nama: &'a str,
    photo: &'a Option<serde_json::Value>,
    form: &'a HandoverForm,
    chip: Option<serde_json::Value>,
}

impl Confirm<'_> {
    fn page(
        self,
        st: &AppState,
        headers: &HeaderMap,
        sess: &Session,
        why: Option<Refusal>,
    ) -> Response {
        let extra = match &why {
            Some(why) => refusal_ctx("/print", "form-handover-confirm", &[], why),
            None => context! {},
        };
        let page = render(
            st,
            "handover_confirm.html",
            headers,
            &LangQuery::default(),
            Some(sess),
            context! {
                nik => self.nik, nama => self.nama, to => self.form.to.trim(),
                photo => ser(self.photo),
                id_check => self.form.id_check.clone(), id_checks => ID_CHECKS.to_vec(),
                chip_reader => st.chip_check.is_some(), chip => ser(&self.chip),
                ..extra
            },
        );
        match why {
            Some(why) => refused_page(page, &why),
            None => page.into_response(),
        }
    }
}

/// Hand-over in two steps. The print page's form finds the card by NIK and answers a
/// confirmation page with the owner's name, NIK and photo box; there staff say who received
/// it and choose how identity was checked (no default), and only that form (`confirm=1`)
/// hands the card over. A mistyped NIK shows a stranger's name, not a done deed. A refusal
/// answers the step it came from again, with what was typed kept.
pub(crate) async fn handover(
    State(st): S,
    headers: HeaderMap,
    Extension(sess): Extension<Session>,
    Form(f): Form<HandoverForm>,
) -> Answer {
    let (nik, nama, photo) = printed_card(&st, &sess, &f.nik).await?;
    let confirm = Confirm {
        nik: &nik,
        nama: &nama,
        photo: &photo,
        form: &f,
        chip: None,
    };
    if f.confirm != "1" {
        return Ok(confirm.page(&st, &headers, &sess, None));
    }
    let to = f.to.trim().to_string();
    if to.is_empty() {
        return Ok(confirm.page(
            &st,
            &headers,
            &sess,
            Some(Refusal::invalid(
                "Isi nama penerima KTP-el. Belum diserahkan.",
                "Say who received the card. Not handed over yet.",
            )),
        ));
    }
    let Some(&(_, check_id, check_en)) = ID_CHECKS.iter().find(|c| c.0 == f.id_check) else {
        return Ok(confirm.page(
            &st,
            &headers,
            &sess,
            Some(Refusal::invalid(
                "Pilih cara pemeriksaan identitas. Belum diserahkan.",
                "Choose how identity was checked. Not handed over yet.",
            )),
        ));
    };
    let a = actor(&sess);
    let (n, t) = (nik.clone(), to.clone());
    Ok(
        match st
            .pool
            .run(move |s| s.handover(&n, &t, check_id, &a, office(s)))
            .await
        {
            Ok(_) => flash_back(
                &st,
                "/print",
                &format!(
                    "KTP-el {} (NIK {nik}) diserahkan kepada {to}; identitas: {check_id}.",
                    nama
                ),
                &format!(
                    "The card of {} (NIK {nik}) was handed over to {to}; identity: {check_en}.",
                    nama
                ),
            ),
            Err(e) => confirm.page(&st, &headers, &sess, Some(store_refusal(e))),
        },
    )
}

/// "Check the chip" on the confirmation step (only with a reader at the counter, `cetak serve
/// --chip-reader`): reads the card on the reader on a blocking thread, and answers the same
/// page with what its chip holds beside the resident's record, its face photo, whether the
/// signature chain holds and whether it is the chip the books kept for this resident's card —
/// a card that fails any of these is flagged "do not hand over". A reader or card that cannot
/// be read is said on the page (200), never a server error. Nothing is written.
pub(crate) async fn handover_chip(
    State(st): S,
    headers: HeaderMap,
    Extension(sess): Extension<Session>,
    Form(f): Form<HandoverForm>,
) -> Answer {
    let Some(check) = st.chip_check.clone() else {
        return Err(Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Tidak ada pembaca chip di loket ini (cetak serve --chip-reader)",
            "There is no chip reader at this counter (cetak serve --chip-reader)",
        )
        .on_form(FormPage::Print, "form-handover", &[("nik", f.nik.as_str())]));
    };
    let (nik, nama, photo) = printed_card(&st, &sess, &f.nik).await?;
    let n = nik.clone();
    let read = tokio::task::spawn_blocking(move || check(&n))
        .await
        .unwrap_or_else(|e| {
            Err(crate::state::ChipProblem {
                code: "pcsc_error".into(),
                detail: format!("the reader's task failed: {e}"),
            })
        });
    let chip = Some(chip_view(&read, media::may_see(&sess)));
    let confirm = Confirm {
        nik: &nik,
        nama: &nama,
        photo: &photo,
        form: &f,
        chip,
    };
    Ok(confirm.page(&st, &headers, &sess, None))
}

/// A problem's words: (Indonesian, English) from the catalogue, its code and detail.
fn problem_view(p: &crate::state::ChipProblem) -> serde_json::Value {
    let words = words::chip_problem(&p.code).unwrap_or(("masalah chip", "a chip problem"));
    serde_json::json!({ "words": words, "code": p.code, "detail": p.detail })
}

/// What the page shows of a chip check: `fault` when nothing could be read; otherwise the
/// fields side by side, the photo (`data:` URL, only for a role that sees photos), passive
/// authentication, the books, and `ok` with the `reasons` not to hand the card over.
fn chip_view(
    read: &Result<crate::state::CounterChip, crate::state::ChipProblem>,
    see: bool,
) -> serde_json::Value {
    use crate::state::KeptChip;
    let c = match read {
        Err(p) => return serde_json::json!({ "fault": problem_view(p) }),
        Ok(c) => c,
    };
    let fields: Vec<serde_json::Value> = c
        .fields
        .iter()
        .map(|f| {
            serde_json::json!({
                "column": f.column,
                "label": words::label(&f.column).unwrap_or((f.column.as_str(), f.column.as_str())),
                "on_chip": f.on_chip,
                "in_books": f.in_books,
                "same": f.in_books.as_deref() == Some(f.on_chip.as_str()),
            })
        })
        .collect();
    let differs = c
        .fields
        .iter()
        .any(|f| f.in_books.as_deref() != Some(f.on_chip.as_str()));
    let photo = if c.photo.is_empty() {
        serde_json::json!({ "state": "none" })
    } else if !see {
        serde_json::json!({ "state": "hidden" })
    } else if c.photo.starts_with(&[0xFF, 0xD8, 0xFF]) {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(&c.photo);
        serde_json::json!({ "state": "ok", "src": format!("data:image/jpeg;base64,{b64}") })
    } else {
        serde_json::json!({ "state": "not_jpeg" })
    };
    let mut reasons: Vec<(String, String)> = Vec::new();
    if let Err(p) = &c.passive {
        let (id, en) = words::chip_problem(&p.code).unwrap_or(("masalah chip", "a chip problem"));
        reasons.push((
            format!("autentikasi pasif GAGAL: {id}"),
            format!("passive authentication FAILS: {en}"),
        ));
    }
    match c.kept {
        KeptChip::Same { .. } => {}
        KeptChip::Different { serial } => reasons.push((
            format!("BUKAN chip yang dicatat untuk kartu warga ini (blangko {serial})"),
            format!("NOT the chip the books kept for this resident's card (blank {serial})"),
        )),
        KeptChip::NoneKept => reasons.push((
            "catatan kantor tidak memuat chip terverifikasi untuk kartu warga ini".into(),
            "the books keep no verified chip for this resident's card".into(),
        )),
    }
    if differs {
        reasons.push((
            "data di chip berbeda dengan data warga di catatan kantor (baris bertanda)".into(),
            "the chip's data differ from the resident's record (rows marked)".into(),
        ));
    }
    let (kept, serial) = match c.kept {
        KeptChip::Same { serial } => ("same", Some(serial)),
        KeptChip::Different { serial } => ("different", Some(serial)),
        KeptChip::NoneKept => ("none", None),
    };
    serde_json::json!({
        "ok": reasons.is_empty(),
        "reasons": reasons,
        "fields": fields,
        "photo": photo,
        "passive": match &c.passive {
            Ok(signer) => serde_json::json!({ "holds": true, "signer": signer }),
            Err(p) => serde_json::json!({ "holds": false, "problem": problem_view(p) }),
        },
        "kept": kept,
        "serial": serial,
    })
}

#[cfg(test)]
mod tests {
    use super::chip_view;
    use crate::state::{ChipField, ChipProblem, CounterChip, KeptChip};

    fn chip(kept: KeptChip, passive: Result<String, ChipProblem>, books: &str) -> CounterChip {
        CounterChip {
            fields: vec![ChipField {
                column: "nik".into(),
                on_chip: "1671014508900001".into(),
                in_books: Some(books.into()),
            }],
            photo: vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3],
            passive,
            kept,
        }
    }

    const NIK: &str = "1671014508900001";

    #[test]
    fn only_a_kept_chip_that_holds_and_matches_may_be_handed_over() {
        let v = chip_view(
            &Ok(chip(KeptChip::Same { serial: 7 }, Ok("CN=DS".into()), NIK)),
            true,
        );
        assert_eq!(v["ok"], true, "{v}");
        assert_eq!(v["serial"], 7);
        assert_eq!(v["photo"]["src"], "data:image/jpeg;base64,/9j/4AECAw==");
        let bad_sig = ChipProblem {
            code: "dg_altered".into(),
            detail: "DG2 was altered".into(),
        };
        for (c, why) in [
            (
                chip(KeptChip::Different { serial: 9 }, Ok("CN=DS".into()), NIK),
                "NOT the chip the books kept for this resident's card (blank 9)",
            ),
            (
                chip(KeptChip::NoneKept, Ok("CN=DS".into()), NIK),
                "the books keep no verified chip for this resident's card",
            ),
            (
                chip(KeptChip::Same { serial: 7 }, Err(bad_sig), NIK),
                "passive authentication FAILS: a data group was altered after signing (its hash does not match EF.SOD)",
            ),
            (
                chip(
                    KeptChip::Same { serial: 7 },
                    Ok("CN=DS".into()),
                    "1671014508900002",
                ),
                "the chip's data differ from the resident's record (rows marked)",
            ),
        ] {
            let v = chip_view(&Ok(c), true);
            assert_eq!(v["ok"], false, "{v}");
            let reasons: Vec<&str> = v["reasons"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r[1].as_str())
                .collect();
            assert_eq!(reasons, [why], "{v}");
        }
    }

    #[test]
    fn the_photo_is_shown_only_to_roles_that_see_photos_and_only_as_a_jpeg() {
        let c = chip(KeptChip::Same { serial: 7 }, Ok("CN=DS".into()), NIK);
        assert_eq!(chip_view(&Ok(c.clone()), false)["photo"]["state"], "hidden");
        let mut png = c.clone();
        png.photo = b"\x89PNG\r\n\x1a\n".to_vec();
        assert_eq!(chip_view(&Ok(png), true)["photo"]["state"], "not_jpeg");
        let mut none = c;
        none.photo.clear();
        assert_eq!(chip_view(&Ok(none), true)["photo"]["state"], "none");
        let fault = chip_view(
            &Err(ChipProblem {
                code: "card_absent".into(),
                detail: "no card in the reader".into(),
            }),
            true,
        );
        assert_eq!(
            fault["fault"]["words"][1],
            "no card in the reader; put the card on the reader and try again"
        );
    }
}
