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
    let nik = f.nik.trim().to_string();
    let kept = [("nik", f.nik.as_str())];
    let find_refused = |why: Refusal| why.on_form(FormPage::Print, "form-handover", &kept);
    if nik.len() != 16 || !nik.bytes().all(|b| b.is_ascii_digit()) {
        return Err(find_refused(Refusal::invalid(
            "NIK harus 16 angka",
            "The NIK must be 16 digits",
        )));
    }
    let key = nik.clone();
    let see = media::may_see(&sess);
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
    let to = f.to.trim().to_string();
    let confirm_page = |why: Option<Refusal>| {
        let extra = match &why {
            Some(why) => refusal_ctx("/print", "form-handover-confirm", &[], why),
            None => context! {},
        };
        let page = render(
            &st,
            "handover_confirm.html",
            &headers,
            &LangQuery::default(),
            Some(&sess),
            context! {
                nik => nik.clone(), nama => facts.nama.clone(), to => to.clone(),
                photo => ser(&photo),
                id_check => f.id_check.clone(), id_checks => ID_CHECKS.to_vec(),
                ..extra
            },
        );
        match why {
            Some(why) => refused_page(page, &why),
            None => page.into_response(),
        }
    };
    if f.confirm != "1" {
        return Ok(confirm_page(None));
    }
    if to.is_empty() {
        return Ok(confirm_page(Some(Refusal::invalid(
            "Isi nama penerima KTP-el. Belum diserahkan.",
            "Say who received the card. Not handed over yet.",
        ))));
    }
    let Some(&(_, check_id, check_en)) = ID_CHECKS.iter().find(|c| c.0 == f.id_check) else {
        return Ok(confirm_page(Some(Refusal::invalid(
            "Pilih cara pemeriksaan identitas. Belum diserahkan.",
            "Choose how identity was checked. Not handed over yet.",
        ))));
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
                    facts.nama
                ),
                &format!(
                    "The card of {} (NIK {nik}) was handed over to {to}; identity: {check_en}.",
                    facts.nama
                ),
            ),
            Err(e) => confirm_page(Some(store_refusal(e))),
        },
    )
}
