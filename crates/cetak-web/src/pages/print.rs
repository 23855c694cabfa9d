//! The print page: printers, queue, inspection queue; start, pause, resume, inspect, raise.

use super::*;

/// The print page's data; `printed_page` and `inspect_page` pick the page of the two lists
/// that grow (1 = the newest).
pub(super) async fn print_data(
    st: &AppState,
    printed_page: u64,
    inspect_page: u64,
) -> Result<views::PrintStatus, StoreError> {
    let printing_now = st.printing.load(Ordering::Relaxed);
    let last_run = st
        .last_run
        .lock()
        .ok()
        .and_then(|l| l.as_ref().map(last_run_words));
    st.pool
        .run(move |s| {
            // The store lists the newest first, up to a limit: one row more than the page
            // says whether another page follows.
            let page_of = |rows: Vec<cetak_store::AttemptRow>, page: u64| {
                let skip = ((page - 1) * PER_PAGE) as usize;
                let more = rows.len() > skip + PER_PAGE as usize;
                let rows: Vec<_> = rows
                    .into_iter()
                    .skip(skip)
                    .take(PER_PAGE as usize)
                    .collect();
                (rows, more)
            };
            let want = |page: u64| (page * PER_PAGE + 1) as usize;
            let (printed, printed_more) =
                page_of(s.recent_printed(want(printed_page))?, printed_page);
            let inspect_total = s.inspection_count()?;
            let (inspection, _) = page_of(
                s.attempts(&[AttemptState::Inspect], want(inspect_page))?,
                inspect_page,
            );
            let at = now();
            let printers: Vec<_> = s
                .printers(&schedule::office_day(at))?
                .into_iter()
                .map(|p| {
                    let r = schedule::readiness(&p.profile, &p.run, at);
                    views::PrintPrinter {
                        ready: r == Readiness::Ready,
                        readiness: r,
                        name: p.name,
                        uri: p.uri,
                        printed_today: p.run.printed_today,
                        cards_per_day: p.profile.cards_per_day,
                        blanks_loaded: p.blanks_loaded,
                        paused: p.run.paused,
                    }
                })
                .collect();
            Ok(views::PrintStatus {
                printers,
                queue: s.print_queue_len()?,
                next: s.print_queue(10)?.into_iter().map(|(k, _)| k).collect(),
                pending: s.attempts(&[AttemptState::Intent, AttemptState::Sent], 100)?,
                inspection,
                inspection_total: inspect_total,
                inspection_pager: pager("ipage", inspect_page, Some(inspect_total as u64), false),
                printed,
                printed_pager: pager("page", printed_page, None, printed_more),
                printing_now,
                last_run,
            })
        })
        .await
}

pub(crate) async fn print_page(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Extension(sess): Extension<Session>,
) -> Answer<Page> {
    Ok(print_view(&st, &headers, &q, &sess, context! {}).await?)
}

/// The print page, with `extra` in its context (a refused form's reason and input).
pub(super) async fn print_view(
    st: &AppState,
    headers: &HeaderMap,
    q: &LangQuery,
    sess: &Session,
    extra: minijinja::Value,
) -> Result<Page, StoreError> {
    let (printed_page, inspect_page) = (
        page_no(q.page.as_deref()).min(MAX_LIST_PAGE),
        page_no(q.ipage.as_deref()).min(MAX_LIST_PAGE),
    );
    let d = print_data(st, printed_page, inspect_page).await?;
    Ok(render(
        st,
        "print.html",
        headers,
        q,
        Some(sess),
        context! {
            d => ser(&d),
            causes => SpoilCause::ALL.map(|c| c.as_str()).to_vec(),
            id_checks => ID_CHECKS.to_vec(),
            ..extra
        },
    ))
}

/// The print page's lists are read whole up to the page shown: at most this many pages.
pub(super) const MAX_LIST_PAGE: u64 = 200;

pub(crate) async fn print_api(State(st): S) -> Answer<Json<views::PrintStatus>> {
    Ok(Json(print_data(&st, 1, 1).await?))
}

pub(crate) async fn print_start(State(st): S) -> Answer {
    let Some(args) = st.printing_args.clone() else {
        let why = Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Pencetakan tidak tersedia di server ini",
            "Printing is not available on this server",
        );
        return Err(why.on_form(FormPage::Print, "", &[]));
    };
    if st.printing.swap(true, Ordering::SeqCst) {
        return Ok(flash_back(
            &st,
            "/print",
            "Pencetakan sudah berjalan.",
            "Printing is already running.",
        ));
    }
    let flag = st.printing.clone();
    let last = st.last_run.clone();
    let db = st.db.clone();
    tokio::task::spawn_blocking(move || {
        let ran = cetak_store::Store::open(&db)
            .map_err(cetak_office::OfficeError::Store)
            .and_then(|mut store| {
                // The page hears no notices as they come: the report keeps them.
                cetak_office::print_run::run(&mut store, &args, &mut |_| {})
            });
        let outcome = match ran {
            Ok(report) => LastRun::Done {
                counts: report.counts,
                stopped: report.stopped_because,
            },
            Err(e) => {
                tracing::warn!("print run from the page: {e}");
                let (id, en) = office_failure(e);
                LastRun::Failed { id, en }
            }
        };
        if let Ok(mut l) = last.lock() {
            *l = Some(outcome);
        }
        flag.store(false, Ordering::SeqCst);
    });
    Ok(flash_back(
        &st,
        "/print",
        "Pencetakan dimulai; muat ulang halaman untuk melihat hasilnya.",
        "Printing started; reload the page to see what was printed.",
    ))
}

/// The last run's summary, "id / en" (the pages' convention for a message in both).
fn last_run_words(run: &LastRun) -> String {
    match run {
        LastRun::Done { counts, stopped } => {
            let (stop_id, stop_en) = cetak_words::stop_reason(stopped.map_or("", |s| s.as_str()));
            let c = counts;
            format!(
                "{} dikirim, {} selesai dicetak, {} perlu diperiksa; berhenti: {stop_id} / {} sent, {} completed, {} to inspect; stopped: {stop_en}",
                c.started, c.completed, c.to_inspect, c.started, c.completed, c.to_inspect
            )
        }
        LastRun::Failed { id, en } => format!("gagal: {id} / failed: {en}"),
    }
}

/// Why an office use case could not run, in both languages, for a page.
pub(super) fn office_failure(e: cetak_office::OfficeError) -> (String, String) {
    use cetak_office::OfficeError as E;
    match e {
        E::Store(e) => {
            let r = store_refusal(e);
            (r.id, r.en)
        }
        E::NoPrinters => (
            "belum ada printer: pengelola menambahkannya dengan `cetak printer add`".into(),
            "no printers yet: an admin adds one with `cetak printer add`".into(),
        ),
        E::NoDrivablePrinter(notices) => (
            format!(
                "tidak ada printer yang dapat dijalankan ({} catatan; lihat `cetak print run`)",
                notices.len()
            ),
            format!(
                "no printer this run can drive ({} notices; see `cetak print run`)",
                notices.len()
            ),
        ),
        E::NoSuchAttempt(a) => (
            format!("tidak ada percobaan cetak {a}"),
            format!("no print attempt {a}"),
        ),
        E::ChipKeys(k) => {
            let (id, en) = cetak_words::chip_problem(k.code()).unwrap_or((
                "kunci penanda tangan dokumen bermasalah",
                "the document-signer key has a problem",
            ));
            (
                format!(
                    "kunci penanda tangan dokumen belum dapat menandatangani ({id}); tidak ada kartu yang dicetak"
                ),
                format!("the document-signer key cannot sign now ({en}); no card was printed"),
            )
        }
        E::ChipTrust { path, .. } => (
            format!("sertifikat CA tepercaya tidak dapat dibaca: {path}"),
            format!("the trusted CA certificate cannot be read: {path}"),
        ),
        E::Card(_) | E::Driver(_) => (
            "kesalahan program saat mencetak; lihat log server".into(),
            "a program fault while printing; see the server's log".into(),
        ),
    }
}

pub(crate) async fn printer_pause(st: S, name: Path<String>, sess: Extension<Session>) -> Answer {
    set_paused(st, name, sess, true).await
}

pub(crate) async fn printer_resume(st: S, name: Path<String>, sess: Extension<Session>) -> Answer {
    set_paused(st, name, sess, false).await
}

pub(super) async fn set_paused(
    State(st): S,
    Path(name): Path<String>,
    Extension(sess): Extension<Session>,
    paused: bool,
) -> Answer {
    let why = if paused {
        "paused from the print page"
    } else {
        "resumed from the print page"
    };
    let (id, en) = if paused {
        (
            format!("Printer {name} dijeda."),
            format!("Printer {name} paused."),
        )
    } else {
        (
            format!("Printer {name} dilanjutkan."),
            format!("Printer {name} resumed."),
        )
    };
    change_then_back(&st, &sess, "/print", (id, en), move |s, a| {
        s.printer_set_paused(&name, paused, cetak_store::Change::new(a, office(s), why))
    })
    .await
    .map_err(|why| why.on_form(FormPage::Print, "", &[]))
}

#[derive(Debug, Deserialize)]
pub(crate) struct InspectForm {
    /// good, spoiled or unused: chosen, no default.
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    cause: Option<String>,
}

pub(crate) async fn inspect(
    State(st): S,
    Path(id): Path<i64>,
    Extension(sess): Extension<Session>,
    Form(f): Form<InspectForm>,
) -> Answer {
    inspect_do(&st, &sess, id, &f).await.map_err(|why| {
        let form = format!("form-inspect-{id}");
        let cause = f.cause.clone().unwrap_or_default();
        let kept = [("verdict", f.verdict.as_str()), ("cause", cause.as_str())];
        why.on_form(FormPage::Print, &form, &kept)
    })
}

pub(super) async fn inspect_do(
    st: &AppState,
    sess: &Session,
    id: i64,
    f: &InspectForm,
) -> Result<Response, Refusal> {
    let event = match f.verdict.as_str() {
        "good" => AttemptEvent::InspectedGood,
        "unused" => AttemptEvent::InspectedUnused,
        "spoiled" => match f.cause.as_deref().and_then(SpoilCause::parse) {
            Some(c) => AttemptEvent::InspectedSpoiled(c),
            None => {
                return Err(Refusal::invalid(
                    "Pilih penyebab kartu rusak",
                    "Choose why the card is spoiled",
                ));
            }
        },
        _ => {
            return Err(Refusal::invalid(
                "Pilih hasil pemeriksaan: baik, rusak atau tidak terpakai",
                "Choose the finding: good, spoiled or unused",
            ));
        }
    };
    let (verdict_id, verdict_en) = match &event {
        AttemptEvent::InspectedSpoiled(_) => ("rusak", "spoiled"),
        AttemptEvent::InspectedUnused => ("blangko tidak terpakai", "blank unused"),
        _ => ("kartu baik", "card good"),
    };
    // The same rule as `cetak print inspect`: the printer must have let go of the job.
    if !st.ask_printers {
        return Err(Refusal::new(
            StatusCode::CONFLICT,
            "Belum dapat dicatat: printer tidak dapat ditanya dari server ini",
            "Cannot be recorded yet: no printer can be asked from this server",
        ));
    }
    let db = st.db.clone();
    let finding = event.clone();
    let asked = tokio::task::spawn_blocking(move || {
        let store = cetak_store::Store::open(&db)?;
        cetak_office::inspect::printer_lets_go(&store, id, &finding)
    })
    .await;
    let why = match asked {
        Ok(Ok(Ok(()))) => None,
        Ok(Ok(Err(refusal))) => Some(inspect_refusal_words(&refusal)),
        Ok(Err(e)) => Some(office_failure(e)),
        Err(e) => {
            tracing::error!("inspection check: {e}");
            Some((
                "pemeriksaan printer terhenti".into(),
                "the printer check stopped".into(),
            ))
        }
    };
    if let Some((why_id, why_en)) = why {
        return Err(Refusal::new(
            StatusCode::CONFLICT,
            format!("Belum dapat dicatat: {why_id}"),
            format!("Cannot be recorded yet: {why_en}"),
        ));
    }
    let done = (
        format!("Hasil pemeriksaan percobaan cetak {id} dicatat: {verdict_id}."),
        format!("The finding for print attempt {id} was recorded: {verdict_en}."),
    );
    change_then_back(st, sess, "/print", done, move |s, a| {
        let at = office(s);
        s.attempt_inspect(
            id,
            &event,
            cetak_store::Change::new(a, at, "an operator inspected the card on the print page"),
        )
    })
    .await
}

/// Why the printer says a finding may not be recorded now, in the page's words.
fn inspect_refusal_words(r: &cetak_office::inspect::InspectRefusal) -> (String, String) {
    use cetak_office::inspect::InspectRefusal as R;
    let by_hand = (
        "jika printer sudah diperiksa langsung, catat dengan `cetak print inspect --physically-checked`",
        "if the printer was checked by hand, record it with `cetak print inspect --physically-checked`",
    );
    match r {
        R::PrinterRemoved { printer } => (
            format!("printer percobaan ini sudah dihapus: {printer}; {}", by_hand.0),
            format!("this attempt's printer was removed: {printer}; {}", by_hand.1),
        ),
        R::CannotAsk { printer, error } => {
            let (fid, fen) = cetak_words::printer_fault(error);
            (
                format!("printer {printer} tidak dapat ditanya ({fid}); {}", by_hand.0),
                format!("cannot ask the printer {printer} ({fen}); {}", by_hand.1),
            )
        }
        R::StillHolds { printer } => (
            format!("printer {printer} masih memegang tugas cetak ini: tunggu sampai selesai, atau batalkan di printer, lalu periksa lagi"),
            format!("printer {printer} still holds this job: wait for it to finish, or cancel it at the printer, then inspect again"),
        ),
        R::SaysCompleted => (
            "printer menyatakan kartu ini selesai dicetak: cari di baki keluaran, lalu pilih baik atau rusak".into(),
            "the printer says it completed this card: look in the output tray, then choose good or spoiled".into(),
        ),
        R::Busy { printer } => (
            format!("printer {printer} sedang bekerja: blangko mungkin masih ditarik masuk — tunggu sampai printer berhenti"),
            format!("printer {printer} is busy: the blank may still be fed — wait until it is idle"),
        ),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct RaiseForm {
    #[serde(default)]
    recording_id: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn raise(
    State(st): S,
    Extension(sess): Extension<Session>,
    Form(f): Form<RaiseForm>,
) -> Answer {
    let rid = f.recording_id.trim().to_string();
    let done = (
        format!("Perekaman {rid} dinaikkan ke depan antrean."),
        format!("Recording {rid} was raised to the front of the queue."),
    );
    let reason = f.reason.clone();
    let result = change_then_back(&st, &sess, "/print", done, move |s, a| {
        s.print_raise(&rid, cetak_store::Change::new(a, office(s), &reason))
    })
    .await;
    match result {
        Ok(r) => Ok(r),
        Err(why) => {
            let kept = [
                ("recording_id", f.recording_id.as_str()),
                ("reason", f.reason.as_str()),
            ];
            Err(why.on_form(FormPage::Print, "form-raise", &kept))
        }
    }
}
