//! The office's words for what the store keeps as codes or English sentences: record, attempt
//! and blank states, roles, spoil causes, column names, audit actions, actors and subjects, and
//! the reasons and printer notes the system writes. Pages show these words; the stored codes
//! and sentences stay as they are (and JSON keeps them). Text that is not recognised (a reason a
//! person typed) is shown as written.

/// Indonesian and English words for a stored code (`awaiting_decision`, `chip_failure`, …).
pub(crate) fn label(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        // Record states.
        "received" => ("diterima", "received"),
        "unique" => ("unik, siap antre", "unique, ready to queue"),
        "duplicate" => ("data ganda", "duplicate"),
        "awaiting_decision" => ("menunggu keputusan", "awaiting a decision"),
        "queued" => ("dalam antrean", "queued"),
        "printing" => ("sedang dicetak", "printing"),
        "printed" => ("sudah dicetak", "printed"),
        "issued" => ("sudah diserahkan", "handed over"),
        "cancelled" => ("dibatalkan", "cancelled"),
        // Printer readiness.
        "ready" => ("siap", "ready"),
        "busy" => ("sedang mencetak", "busy"),
        "paused" => ("dijeda", "paused"),
        "blocked" => ("terhenti", "blocked"),
        "capacity_spent" => ("kapasitas hari ini habis", "today's capacity spent"),
        "cooling" => ("mendinginkan", "cooling down"),
        "outside_hours" => ("di luar jam kerja", "outside working hours"),
        // Roles.
        "operator" => ("petugas", "operator"),
        "supervisor" => ("penyelia", "supervisor"),
        "admin" => ("pengelola", "admin"),
        // Print attempts.
        "intent" => ("dicatat, belum dikirim", "written, not yet sent"),
        "sent" => ("terkirim ke printer", "sent to the printer"),
        "completed" => ("selesai dicetak", "completed"),
        "inspect" => ("perlu diperiksa", "to be inspected"),
        "good" => ("baik", "good"),
        "spoiled" => ("rusak", "spoiled"),
        "not_sent" => ("tidak terkirim", "not sent"),
        // Spoil causes.
        "melted" => ("meleleh", "melted"),
        "misprint" => ("salah cetak", "misprint"),
        "jam" => ("macet di printer", "jammed"),
        "chip_failure" => ("chip rusak", "chip failure"),
        "other" => ("lainnya", "other"),
        // Columns of a record.
        "recording_id" => ("ID perekaman", "Recording id"),
        "nik" => ("NIK", "NIK"),
        "nama" => ("Nama", "Name"),
        "tempat_lahir" => ("Tempat lahir", "Place of birth"),
        "tanggal_lahir" => ("Tanggal lahir", "Date of birth"),
        "jenis_kelamin" => ("Jenis kelamin", "Sex"),
        "golongan_darah" => ("Golongan darah", "Blood type"),
        "alamat" => ("Alamat", "Address"),
        "rt" => ("RT", "RT"),
        "rw" => ("RW", "RW"),
        "kelurahan" => ("Kelurahan", "Kelurahan"),
        "kecamatan" => ("Kecamatan", "Kecamatan"),
        "kabupaten_kota" => ("Kabupaten/kota", "Regency/city"),
        "provinsi" => ("Provinsi", "Province"),
        "agama" => ("Agama", "Religion"),
        "status_perkawinan" => ("Status perkawinan", "Marital status"),
        "pekerjaan" => ("Pekerjaan", "Occupation"),
        "kewarganegaraan" => ("Kewarganegaraan", "Citizenship"),
        "nama_ibu" => ("Nama ibu kandung", "Mother's name"),
        "recorded_at" => ("Waktu perekaman", "Recorded at"),
        "recording_site" => ("Tempat perekaman", "Recording site"),
        "jenis_permohonan" => ("Jenis permohonan", "Application"),
        // Evidence levels and the reasons a pair waits come from the dedup model.
        _ => return cetak_dedup::model::words(code),
    })
}

/// A blank's state (`missing` is "lost" here, not the dedup level "empty").
pub(crate) fn blank_state(code: &str) -> (&'static str, &'static str) {
    match code {
        "on_hand" => ("tersedia", "on hand"),
        "in_print" => ("sedang dicetak", "in print"),
        "issued" => ("jadi KTP-el", "issued"),
        "spoiled" => ("rusak", "spoiled"),
        "missing" => ("hilang", "missing"),
        _ => ("status blangko tidak dikenal", "unknown blank state"),
    }
}

/// What an audit entry's action means.
pub(crate) fn action(code: &str) -> (String, String) {
    let (id, en) = match code {
        "import_batch" => ("impor data siap cetak", "records imported"),
        "dedup_run" => ("pemeriksaan data ganda", "duplicate check"),
        "decide_same_person" => ("diputuskan: orang yang sama", "decided: same person"),
        "decide_different_people" => ("diputuskan: orang berbeda", "decided: different people"),
        "mark_unique" => ("ditandai unik", "marked unique"),
        "mark_duplicate" => ("ditandai data ganda", "marked duplicate"),
        "send_to_review" => ("dikirim ke penyelia", "sent for a decision"),
        "enqueue" => ("masuk antrean cetak", "queued for printing"),
        "start_printing" => ("mulai dicetak", "printing started"),
        "print_confirmed" => ("kartu tercetak", "card printed"),
        "print_spoiled" => ("kartu rusak", "card spoiled"),
        "print_not_sent" => ("tidak terkirim ke printer", "not sent to the printer"),
        "hand_over" => ("KTP-el diserahkan", "card handed over"),
        "request_replacement" => ("penggantian diminta", "replacement requested"),
        "cancel" => ("dibatalkan", "cancelled"),
        "printer_add" => ("printer ditambahkan", "printer added"),
        "printer_set" => ("printer diubah", "printer changed"),
        "printer_remove" => ("printer dihapus", "printer removed"),
        "printer_reseat" => ("hopper printer dikosongkan", "printer hopper emptied"),
        "printer_pause" => ("printer dijeda", "printer paused"),
        "printer_resume" => ("printer dilanjutkan", "printer resumed"),
        "printer_cooldown" => ("printer didinginkan", "printer cooling down"),
        "print_lease_takeover" => ("printer diambil alih", "printer taken over"),
        "print_raise" => ("dinaikkan dalam antrean", "raised in the queue"),
        "card_revoke" => ("kartu dicabut", "card revoked"),
        "card_returned" => ("kartu dikembalikan", "card returned"),
        "clock_reset" => ("jam kantor diatur ulang", "office clock reset"),
        "stock_receive" => ("blangko diterima", "blanks received"),
        "stock_blank" => ("status blangko diubah", "blank state changed"),
        "stock_load" => ("blangko dimuat ke printer", "blanks loaded"),
        "user_add" => ("pengguna dibuat", "user created"),
        "user_disable" => ("pengguna dinonaktifkan", "user disabled"),
        "user_enable" => ("pengguna diaktifkan", "user enabled"),
        "user_role" => ("peran diubah", "role changed"),
        "user_password_reset" => ("kata sandi diatur ulang", "password reset"),
        "user_password_change" => ("kata sandi diganti", "password changed"),
        "user_sessions_end" => ("sesi diakhiri", "sessions ended"),
        other => {
            if let Some(state) = other.strip_prefix("attempt_") {
                let (id, en) = label(state).unwrap_or(("?", "?"));
                return (
                    format!("percobaan cetak: {id}"),
                    format!("print attempt: {en}"),
                );
            }
            return (other.replace('_', " "), other.replace('_', " "));
        }
    };
    (id.into(), en.into())
}

/// Who did it: `user:rina` is `rina`; the system's parts by their job.
pub(crate) fn actor(a: &str) -> (String, String) {
    if let Some(name) = a.strip_prefix("user:") {
        return (name.into(), name.into());
    }
    // `cetak` on the office machine's command line, as its login user.
    if let Some(name) = a.strip_prefix("operator:") {
        return (
            format!("{name} (baris perintah)"),
            format!("{name} (command line)"),
        );
    }
    if let Some(part) = a.strip_prefix("system:") {
        let (id, en) = match part {
            "dedup" => ("pemeriksa data ganda", "duplicate check"),
            "spool" => ("antrean cetak", "print spool"),
            "sync" => ("sinkron pusat", "sync with the centre"),
            "import" => ("impor", "import"),
            "cli" => ("baris perintah", "command line"),
            other => return (format!("sistem ({other})"), format!("system ({other})")),
        };
        return (format!("sistem ({id})"), format!("system ({en})"));
    }
    (a.into(), a.into())
}

/// What an entry is about: `printer:P1`, `user:rina`, `stock:1-20`, `blank:7`, recording ids.
pub(crate) fn subject(s: &str) -> (String, String) {
    for (prefix, id, en) in [
        ("printer_id:", "printer #", "printer #"),
        ("printer:", "printer ", "printer "),
        ("user:", "pengguna ", "user "),
        ("stock:", "blangko ", "blanks "),
        ("blank:", "blangko ", "blank "),
    ] {
        if let Some(rest) = s.strip_prefix(prefix) {
            return (format!("{id}{rest}"), format!("{en}{rest}"));
        }
    }
    match s {
        "registry" => ("seluruh data".into(), "the registry".into()),
        "clock" => ("jam kantor".into(), "the office clock".into()),
        _ => (s.into(), s.into()),
    }
}

/// A reason or note the system writes, in both languages; "id / en" is split; anything else
/// (a reason a person typed) is kept as written.
pub(crate) fn reason(r: &str) -> (String, String) {
    let fixed = |id: &str, en: &str| (id.to_string(), en.to_string());
    let r = r.trim();
    // Sentences the store and the pages write whole.
    let known = match r {
        "no other recording of this person found" => Some(fixed(
            "tidak ada perekaman lain orang ini",
            "no other recording of this person found",
        )),
        "possible duplicate: a supervisor decides" => Some(fixed(
            "mungkin data ganda: penyelia memutuskan",
            "possible duplicate: a supervisor decides",
        )),
        "print-ready and unique: queued for printing" => Some(fixed(
            "siap cetak dan unik: masuk antrean cetak",
            "print-ready and unique: queued for printing",
        )),
        "print-ready records imported" => Some(fixed(
            "data siap cetak diimpor",
            "print-ready records imported",
        )),
        "duplicate recordings searched" => Some(fixed(
            "perekaman ganda dicari",
            "duplicate recordings searched",
        )),
        "printer configured" => Some(fixed("printer diatur", "printer configured")),
        "printer changed" => Some(fixed("printer diubah", "printer changed")),
        "blanks loaded into the printer's hopper" => Some(fixed(
            "blangko dimuat ke hopper printer",
            "blanks loaded into the printer's hopper",
        )),
        "the run that held this printer is gone" => Some(fixed(
            "proses cetak yang memegang printer ini sudah tidak ada",
            "the run that held this printer is gone",
        )),
        "a revoked card came back to the office; its blank is spoiled for the monthly return" => {
            Some(fixed(
                "kartu yang dicabut kembali ke kantor; blangkonya dicatat rusak untuk laporan bulanan",
                "a revoked card came back to the office; its blank is spoiled for the monthly return",
            ))
        }
        "account disabled; its sessions ended" => Some(fixed(
            "akun dinonaktifkan; semua sesinya diakhiri",
            "account disabled; its sessions ended",
        )),
        "account enabled" => Some(fixed("akun diaktifkan", "account enabled")),
        "password changed by its user; other sessions ended" => Some(fixed(
            "kata sandi diganti oleh pemiliknya; sesi lain diakhiri",
            "password changed by its user; other sessions ended",
        )),
        "password reset; its sessions ended" => Some(fixed(
            "kata sandi diatur ulang; semua sesinya diakhiri",
            "password reset; its sessions ended",
        )),
        "all sessions ended" => Some(fixed("semua sesi diakhiri", "all sessions ended")),
        "paused from the print page" => Some(fixed(
            "dijeda dari halaman cetak",
            "paused from the print page",
        )),
        "resumed from the print page" => Some(fixed(
            "dilanjutkan dari halaman cetak",
            "resumed from the print page",
        )),
        "an operator inspected the card on the print page" => Some(fixed(
            "petugas memeriksa kartu di halaman cetak",
            "an operator inspected the card on the print page",
        )),
        // Serials that break the blank books (`Store::stock_reconcile`).
        "blank is not inside the batch it was received in" => Some(fixed(
            "blangko di luar rentang penerimaannya",
            "blank is not inside the batch it was received in",
        )),
        "blank has an unknown state" => Some(fixed(
            "status blangko tidak dikenal",
            "blank has an unknown state",
        )),
        "blank is in print but no attempt waits on it" => Some(fixed(
            "blangko sedang dicetak tetapi tidak ada percobaan cetak yang menunggunya",
            "blank is in print but no attempt waits on it",
        )),
        "an attempt waits on this blank but the blank is not in print" => Some(fixed(
            "ada percobaan cetak yang menunggu blangko ini, tetapi blangko tidak sedang dicetak",
            "an attempt waits on this blank but the blank is not in print",
        )),
        "blank is issued but no attempt made a card of it" => Some(fixed(
            "blangko tercatat jadi KTP-el tetapi tidak ada percobaan cetak yang membuatnya",
            "blank is issued but no attempt made a card of it",
        )),
        "blank is issued but has no card" => Some(fixed(
            "blangko tercatat jadi KTP-el tetapi tidak ada kartunya",
            "blank is issued but has no card",
        )),
        "card and blank disagree" => Some(fixed(
            "status kartu dan blangko tidak cocok",
            "card and blank disagree",
        )),
        "attempt was not sent but its blank is no longer unused and no later attempt took it" => {
            Some(fixed(
                "percobaan tidak terkirim tetapi blangkonya tidak lagi tersedia dan tidak dipakai percobaan lain",
                "attempt was not sent but its blank is no longer unused and no later attempt took it",
            ))
        }
        "received but has no blank record" => Some(fixed(
            "diterima tetapi tidak ada catatan blangkonya",
            "received but has no blank record",
        )),
        _ => None,
    };
    if let Some(k) = known {
        return k;
    }
    if let Some((id, en)) = r.split_once(" / ") {
        return (id.into(), en.into());
    }
    if let Some((id, en)) = patterns(r) {
        return (id, en);
    }
    if let Some((id, en)) = note(r) {
        return (id, en);
    }
    (r.into(), r.into())
}

/// Sentences with a value inside.
fn patterns(r: &str) -> Option<(String, String)> {
    if let Some(rest) = r.strip_prefix("attempt ")
        && let Some((head, n)) = rest.split_once(": ")
        && let Some((attempt, serial)) = head.split_once(", blank ")
    {
        let (nid, _) = note(n).unwrap_or_else(|| (n.to_string(), n.to_string()));
        return Some((
            format!("percobaan {attempt}, blangko {serial}: {nid}"),
            r.into(),
        ));
    }
    if let Some(rest) = r.strip_prefix("another recording of the person of ")
        && let Some(kept) = rest.strip_suffix(", which is kept")
    {
        return Some((
            format!("perekaman lain dari orang yang sama dengan {kept}, yang dipakai"),
            r.into(),
        ));
    }
    if let Some(rest) = r.strip_prefix("role changed from ")
        && let Some((from, to)) = rest.split_once(" to ")
    {
        let w = |c: &str| label(c).map_or(c.to_string(), |l| l.0.to_string());
        return Some((
            format!("peran diubah dari {} menjadi {}", w(from), w(to)),
            r.into(),
        ));
    }
    if let Some(role) = r.strip_prefix("account created with role ") {
        let id = label(role).map_or(role, |l| l.0);
        return Some((format!("akun dibuat dengan peran {id}"), r.into()));
    }
    if let Some(rest) = r.strip_prefix("print attempt ")
        && let Some((attempt, rest)) = rest.split_once(" on blank ")
        && let Some((serial, job)) = rest.split_once(", job ")
    {
        return Some((
            format!("percobaan cetak {attempt} pada blangko {serial}, tugas {job}"),
            r.into(),
        ));
    }
    if let Some(rest) = r.strip_prefix("card ")
        && let Some((serial, rest)) = rest.split_once(" handed to ")
        && let Some((who, check)) = rest.split_once("; identity checked: ")
    {
        return Some((
            format!("kartu {serial} diserahkan kepada {who}; identitas diperiksa: {check}"),
            r.into(),
        ));
    }
    if let Some(rest) = r.strip_prefix("replacement for card ")
        && let Some((serial, why)) = rest.split_once(": ")
    {
        return Some((format!("pengganti kartu {serial}: {why}"), r.into()));
    }
    if let Some(office) =
        r.strip_prefix("the centre reports a card already issued to this NIK by office ")
    {
        return Some((
            format!("pusat melaporkan KTP-el untuk NIK ini sudah diterbitkan oleh kantor {office}"),
            r.into(),
        ));
    }
    None
}

/// What the spool notes on a print attempt (`cetak_print::spool`), in both languages.
pub(crate) fn note(n: &str) -> Option<(String, String)> {
    let n = n.trim();
    let fixed = |id: &str| Some((id.to_string(), n.to_string()));
    match n {
        "the printer completed the job (a completed job is not proof of a good card)" => {
            return fixed(
                "printer menyelesaikan tugas (tugas selesai belum membuktikan kartu baik)",
            );
        }
        "inspected: the card is good" => return fixed("diperiksa: kartu baik"),
        "inspected: the blank was never used" => {
            return fixed("diperiksa: blangko tidak terpakai");
        }
        _ => {}
    }
    for (verb, id) in [("aborted", "membatalkan"), ("canceled", "membatalkan")] {
        if let Some(rest) = n.strip_prefix(&format!("the printer {verb} the job ("))
            && let Some(why) = rest.strip_suffix("): check the card and record the outcome")
        {
            return Some((
                format!("printer {id} tugas ({why}): periksa kartu dan catat hasilnya"),
                n.into(),
            ));
        }
    }
    if let Some(rest) = n.strip_prefix("the printer cannot confirm this card (")
        && let Some(why) = rest.strip_suffix("): look in the output tray and record the outcome")
    {
        return Some((
            format!(
                "printer tidak dapat memastikan kartu ini ({why}): lihat baki keluaran dan catat hasilnya"
            ),
            n.into(),
        ));
    }
    for (prefix, id) in [
        ("printer accepted job ", "printer menerima tugas "),
        ("not sent: ", "tidak terkirim: "),
        ("taken over by an operator: ", "diambil alih petugas: "),
        ("no answer from the printer: ", "printer tidak menjawab: "),
        ("found job ", "tugas ditemukan di printer: "),
    ] {
        if let Some(rest) = n.strip_prefix(prefix) {
            let rest = rest.strip_suffix(" at the printer").unwrap_or(rest);
            return Some((format!("{id}{rest}"), n.into()));
        }
    }
    for (prefix, id) in [
        ("inspected: spoiled (", "diperiksa: rusak ("),
        (
            "reported after printing: spoiled (",
            "dilaporkan setelah dicetak: rusak (",
        ),
    ] {
        if let Some(rest) = n.strip_prefix(prefix)
            && let Some((cause, _)) = rest.split_once(')')
        {
            let c = label(cause).map_or(cause, |l| l.0);
            return Some((
                format!("{id}{c}); potong sudut kartu dan simpan untuk laporan bulanan"),
                n.into(),
            ));
        }
    }
    if let Some(rest) = n.strip_prefix("printer failing (strike ")
        && let Some((strike, rest)) = rest.split_once("): cooling down ")
        && let Some((minutes, _)) = rest.split_once(" min")
    {
        return Some((
            format!(
                "printer bermasalah (peringatan {strike}): didinginkan {minutes} menit; periksa suhu cetak (160-170 °C) sebelum lanjut"
            ),
            n.into(),
        ));
    }
    None
}

/// A store refusal that is not already "id / en": the lifecycle's, the spool's and the
/// stock's own errors.
pub(crate) fn refusal(e: &cetak_store::StoreError) -> Option<(String, String)> {
    use cetak_domain::lifecycle::TransitionError;
    use cetak_store::StoreError;
    let state = |s: &str| label(s).map_or(s.to_string(), |l| l.0.to_string());
    match e {
        StoreError::Transition(TransitionError::NoReason) => Some((
            "perubahan status perlu alasan".into(),
            "a state change needs a reason".into(),
        )),
        StoreError::Transition(TransitionError::Illegal(t)) => Some((
            format!(
                "{} tidak boleh selagi data berstatus {}",
                action(t.event).0,
                state(t.from.as_str())
            ),
            t.to_string(),
        )),
        StoreError::Attempt(t) => Some((
            format!(
                "percobaan cetak berstatus {}: langkah ini tidak boleh",
                state(t.from.as_str())
            ),
            t.to_string(),
        )),
        StoreError::Blank(t) => Some((
            format!(
                "blangko {} berstatus {}: langkah ini tidak boleh",
                t.serial,
                blank_state(t.from.as_str()).0
            ),
            t.to_string(),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_sentences_have_indonesian_words() {
        for r in [
            "no other recording of this person found",
            "possible duplicate: a supervisor decides",
            "print-ready records imported",
            "role changed from operator to supervisor",
            "account created with role admin",
            "attempt 4, blank 17: the printer cannot confirm this card (not in the job list): look in the output tray and record the outcome",
            "card 17 handed to SITI; identity checked: sidik jari cocok",
            "another recording of the person of PLG1, which is kept",
            "inspected: spoiled (chip_failure); cut the card's corner and keep it for the monthly return",
            "printer failing (strike 2/3): cooling down 30 min; check the print temperature (160-170 °C) before going on",
        ] {
            let (id, en) = reason(r);
            assert_ne!(id, r, "no Indonesian for {r:?}");
            assert_eq!(en, r);
            for english in [
                "printer cannot",
                "operator",
                "supervisor",
                "admin",
                "chip_failure",
                "handed",
            ] {
                assert!(!id.contains(english), "{english:?} in {id:?}");
            }
        }
        // What a person typed stays.
        assert_eq!(reason("Ibu kandung berbeda").0, "Ibu kandung berbeda");
        assert_eq!(reason("jeda / pause").0, "jeda");
    }

    #[test]
    fn codes_have_words() {
        assert_eq!(
            action("decide_different_people").0,
            "diputuskan: orang berbeda"
        );
        assert_eq!(action("attempt_spoiled").0, "percobaan cetak: rusak");
        assert_eq!(actor("user:rina").0, "rina");
        assert_eq!(actor("system:dedup").0, "sistem (pemeriksa data ganda)");
        assert_eq!(subject("printer:P1").0, "printer P1");
        assert_eq!(label("supervisor").map(|l| l.0), Some("penyelia"));
        assert_eq!(label("chip_failure").map(|l| l.0), Some("chip rusak"));
        assert_eq!(blank_state("missing").0, "hilang");
    }
}
