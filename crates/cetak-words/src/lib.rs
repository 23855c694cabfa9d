//! The office's words, one catalogue for the command line (`cetak`) and the pages
//! (`cetak-web`): what the store keeps as codes or English sentences — record, attempt and
//! blank states, printer readiness, roles, spoil causes, column names, audit actions, actors
//! and subjects, and the reasons and printer notes the system writes — in Bahasa Indonesia and
//! English. The stored codes and sentences stay as they are (JSON keeps them, and the audit
//! log's hash chain covers them); only what a person reads changes. Text that is not
//! recognised (a reason a person typed) is shown as written.
//!
//! Every entry holds both languages side by side; the tests fail when a word exists in one
//! language only.

use cetak_domain::lifecycle::RecordState;

/// A word or sentence in Bahasa Indonesia and in English.
pub type Words = (&'static str, &'static str);

/// Stored codes and their words: record states, printer readiness, roles, print attempts,
/// spoil causes and the columns of a record.
pub const LABELS: &[(&str, &str, &str)] = &[
    // Record states.
    ("received", "diterima", "received"),
    ("perlu_perbaikan", "perlu perbaikan", "needs correction"),
    (
        "unique",
        "unik, siap masuk antrean",
        "unique, ready to queue",
    ),
    ("duplicate", "data ganda", "duplicate"),
    (
        "awaiting_decision",
        "menunggu keputusan",
        "awaiting a decision",
    ),
    ("queued", "dalam antrean cetak", "queued"),
    ("printing", "sedang dicetak", "printing"),
    ("printed", "sudah dicetak", "printed"),
    ("issued", "sudah diserahkan", "handed over"),
    ("cancelled", "dibatalkan", "cancelled"),
    // Printer readiness.
    ("ready", "siap", "ready"),
    ("busy", "sedang mencetak", "busy"),
    ("paused", "dijeda", "paused"),
    ("blocked", "terhenti", "blocked"),
    (
        "capacity_spent",
        "kapasitas hari ini habis",
        "today's capacity spent",
    ),
    ("cooling", "sedang didinginkan", "cooling down"),
    (
        "outside_hours",
        "di luar jam kerja",
        "outside working hours",
    ),
    // Roles.
    ("operator", "petugas", "operator"),
    ("supervisor", "penyelia", "supervisor"),
    ("admin", "pengelola", "admin"),
    // Print attempts.
    ("intent", "dicatat, belum dikirim", "written, not yet sent"),
    ("sent", "terkirim ke printer", "sent to the printer"),
    ("completed", "selesai dicetak", "completed"),
    ("inspect", "perlu diperiksa", "to be inspected"),
    ("good", "baik", "good"),
    ("spoiled", "rusak", "spoiled"),
    ("not_sent", "tidak terkirim", "not sent"),
    // Spoil causes.
    ("melted", "meleleh", "melted"),
    ("misprint", "salah cetak", "misprint"),
    ("jam", "macet di printer", "jammed"),
    ("chip_failure", "chip rusak", "chip failure"),
    ("other", "lainnya", "other"),
    // Columns of a record.
    ("recording_id", "ID perekaman", "Recording id"),
    ("nik", "NIK", "NIK"),
    ("nama", "Nama", "Name"),
    ("tempat_lahir", "Tempat lahir", "Place of birth"),
    ("tanggal_lahir", "Tanggal lahir", "Date of birth"),
    ("jenis_kelamin", "Jenis kelamin", "Sex"),
    ("golongan_darah", "Golongan darah", "Blood type"),
    ("alamat", "Alamat", "Address"),
    ("rt", "RT", "RT"),
    ("rw", "RW", "RW"),
    ("kelurahan", "Kelurahan", "Kelurahan"),
    ("kecamatan", "Kecamatan", "Kecamatan"),
    ("kabupaten_kota", "Kabupaten/kota", "Regency/city"),
    ("provinsi", "Provinsi", "Province"),
    ("agama", "Agama", "Religion"),
    ("status_perkawinan", "Status perkawinan", "Marital status"),
    ("pekerjaan", "Pekerjaan", "Occupation"),
    ("kewarganegaraan", "Kewarganegaraan", "Citizenship"),
    ("nama_ibu", "Nama ibu kandung", "Mother's name"),
    ("recorded_at", "Waktu perekaman", "Recorded at"),
    ("recording_site", "Tempat perekaman", "Recording site"),
    ("jenis_permohonan", "Jenis permohonan", "Application"),
    // The chip's DG1 carries one more (`SEUMUR HIDUP` on every card).
    ("berlaku_hingga", "Berlaku hingga", "Valid until"),
    // Fields of the staff forms (shown when a stale form is offered again).
    ("reason", "Alasan", "Reason"),
    ("decision", "Keputusan", "Decision"),
    ("verdict", "Hasil pemeriksaan", "Finding"),
    ("cause", "Penyebab", "Cause"),
    ("to", "Diserahkan kepada", "Handed to"),
    ("id_check", "Pemeriksaan identitas", "Identity check"),
    ("first", "Nomor pertama", "First serial"),
    ("last", "Nomor terakhir", "Last serial"),
    ("ref", "Referensi", "Reference"),
    ("field", "Kolom", "Field"),
    ("value", "Nilai", "Value"),
];

/// Indonesian and English words for a stored code (`awaiting_decision`, `chip_failure`, …);
/// evidence levels and the reasons a pair waits come from the dedup model.
pub fn label(code: &str) -> Option<Words> {
    LABELS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|&(_, id, en)| (id, en))
        .or_else(|| cetak_dedup::model::words(code))
}

/// A record state as the office says it (short, for tables; `describe` is the resident's
/// sentence).
pub fn record_state(state: RecordState) -> Words {
    label(state.as_str()).unwrap_or_else(|| state.describe())
}

/// A blank's states (`missing` is "lost" here, not the dedup level "empty").
pub const BLANK_STATES: &[(&str, &str, &str)] = &[
    ("on_hand", "tersedia", "on hand"),
    ("in_print", "sedang dicetak", "in print"),
    ("issued", "sudah menjadi KTP-el", "issued"),
    ("spoiled", "rusak", "spoiled"),
    ("missing", "hilang", "missing"),
];

/// A blank's state.
pub fn blank_state(code: &str) -> Words {
    BLANK_STATES.iter().find(|(c, _, _)| *c == code).map_or(
        ("status blangko tidak dikenal", "unknown blank state"),
        |&(_, id, en)| (id, en),
    )
}

/// Audit actions (the `action` column) and their words; `attempt_STATE` is read from the
/// attempt's state.
pub const ACTIONS: &[(&str, &str, &str)] = &[
    ("import_batch", "impor data siap cetak", "records imported"),
    ("dedup_run", "pemeriksaan data ganda", "duplicate check"),
    (
        "decide_same_person",
        "diputuskan: orang yang sama",
        "decided: same person",
    ),
    (
        "decide_different_people",
        "diputuskan: orang berbeda",
        "decided: different people",
    ),
    ("mark_unique", "ditandai unik", "marked unique"),
    ("mark_duplicate", "ditandai data ganda", "marked duplicate"),
    (
        "send_to_review",
        "dikirim ke penyelia",
        "sent for a decision",
    ),
    ("enqueue", "masuk antrean cetak", "queued for printing"),
    ("start_printing", "mulai dicetak", "printing started"),
    ("print_confirmed", "kartu tercetak", "card printed"),
    ("print_spoiled", "kartu rusak", "card spoiled"),
    (
        "print_not_sent",
        "tidak terkirim ke printer",
        "not sent to the printer",
    ),
    ("hand_over", "KTP-el diserahkan", "card handed over"),
    (
        "request_replacement",
        "penggantian diminta",
        "replacement requested",
    ),
    ("cancel", "dibatalkan", "cancelled"),
    ("printer_add", "printer ditambahkan", "printer added"),
    ("printer_set", "printer diubah", "printer changed"),
    ("printer_remove", "printer dihapus", "printer removed"),
    (
        "printer_reseat",
        "wadah blangko printer dikosongkan",
        "printer hopper emptied",
    ),
    ("printer_pause", "printer dijeda", "printer paused"),
    ("printer_resume", "printer dilanjutkan", "printer resumed"),
    (
        "printer_cooldown",
        "printer didinginkan",
        "printer cooling down",
    ),
    (
        "print_lease_takeover",
        "printer diambil alih",
        "printer taken over",
    ),
    (
        "print_raise",
        "dinaikkan dalam antrean",
        "raised in the queue",
    ),
    ("card_revoke", "kartu dicabut", "card revoked"),
    ("card_returned", "kartu dikembalikan", "card returned"),
    (
        "clock_reset",
        "jam kantor diatur ulang",
        "office clock reset",
    ),
    ("stock_receive", "blangko diterima", "blanks received"),
    (
        "stock_blank",
        "status blangko diubah",
        "blank state changed",
    ),
    ("stock_load", "blangko dimuat ke printer", "blanks loaded"),
    ("user_add", "pengguna dibuat", "user created"),
    ("user_disable", "pengguna dinonaktifkan", "user disabled"),
    ("user_enable", "pengguna diaktifkan", "user enabled"),
    ("user_role", "peran diubah", "role changed"),
    (
        "user_password_reset",
        "kata sandi diatur ulang",
        "password reset",
    ),
    (
        "user_password_change",
        "kata sandi diganti",
        "password changed",
    ),
    ("user_sessions_end", "sesi diakhiri", "sessions ended"),
    (
        "mark_needs_correction",
        "ditandai perlu perbaikan",
        "marked as needing correction",
    ),
    (
        "corrected",
        "diperbaiki, diperiksa ulang",
        "corrected, to be checked again",
    ),
    ("correct_field", "kolom diperbaiki", "field corrected"),
    (
        "media_view",
        "foto/sidik jari dilihat",
        "photo/fingerprint viewed",
    ),
    ("media_attach", "media dilampirkan", "media attached"),
    (
        "media_erase",
        "media dihapus (UU PDP)",
        "media erased (UU PDP)",
    ),
    (
        "readmit_quarantine",
        "baris karantina masuk register",
        "quarantined rows admitted",
    ),
    (
        "overrule_automatic_link",
        "tautan otomatis dibatalkan",
        "automatic link overruled",
    ),
];

/// What an audit entry's action means.
pub fn action(code: &str) -> (String, String) {
    if let Some(&(_, id, en)) = ACTIONS.iter().find(|(c, _, _)| *c == code) {
        return (id.into(), en.into());
    }
    if let Some(state) = code.strip_prefix("attempt_") {
        let (id, en) = label(state).unwrap_or(("?", "?"));
        return (
            format!("percobaan cetak: {id}"),
            format!("print attempt: {en}"),
        );
    }
    (code.replace('_', " "), code.replace('_', " "))
}

/// Why a row was quarantined or a recording needs a correction (the import contract's reason
/// codes, docs/import-contract.md): what the code means. The stored message is the
/// validator's English detail; in Indonesian these words say it.
pub const PROBLEMS: &[(&str, &str, &str)] = &[
    ("invalid_utf8", "bukan teks UTF-8", "not UTF-8 text"),
    ("nul_byte", "ada byte NUL di baris", "a NUL byte in the row"),
    (
        "field_count",
        "jumlah kolom tidak sama dengan baris judul",
        "the number of fields differs from the header",
    ),
    (
        "record_too_large",
        "baris terlalu besar",
        "the row is too large",
    ),
    (
        "unterminated_quote",
        "berkas berakhir di dalam tanda kutip",
        "the file ends inside a quoted field",
    ),
    (
        "invalid_json",
        "baris bukan objek JSON",
        "the line is not a JSON object",
    ),
    (
        "wrong_type",
        "nilai bukan teks",
        "a value that is not a string",
    ),
    (
        "missing_field",
        "kolom wajib tidak ada",
        "a required field is missing",
    ),
    (
        "unknown_field",
        "kolom di luar kontrak impor",
        "a field outside the contract",
    ),
    ("empty_field", "kosong", "empty"),
    ("too_long", "terlalu panjang", "too long"),
    (
        "invalid_characters",
        "berisi karakter yang tidak dapat dicetak (angka di nama?)",
        "holds characters that cannot be printed (a digit in a name?)",
    ),
    (
        "nik_length",
        "NIK tidak 16 digit",
        "the NIK does not have 16 digits",
    ),
    (
        "nik_not_digits",
        "NIK berisi karakter selain angka",
        "the NIK holds more than digits",
    ),
    (
        "nik_unknown_province",
        "kode provinsi NIK tidak dikenal",
        "unknown province in the NIK",
    ),
    (
        "nik_unknown_kota",
        "kode kabupaten/kota NIK tidak dikenal",
        "unknown kabupaten/kota in the NIK",
    ),
    (
        "nik_unknown_kecamatan",
        "kode kecamatan NIK tidak dikenal",
        "unknown kecamatan in the NIK",
    ),
    (
        "nik_invalid_date",
        "tanggal di NIK tidak mungkin",
        "the NIK's date is impossible",
    ),
    (
        "nik_serial_zero",
        "nomor urut NIK 0000",
        "the NIK's serial is 0000",
    ),
    (
        "invalid_date",
        "tanggal tidak ada di kalender",
        "no such date",
    ),
    (
        "implausible_date",
        "tanggal lahir tidak masuk akal",
        "an implausible birth date",
    ),
    (
        "invalid_value",
        "nilai di luar daftar",
        "a value outside its list",
    ),
    (
        "invalid_rt_rw",
        "RT/RW bukan 1–3 angka",
        "RT/RW is not 1–3 digits",
    ),
    (
        "invalid_timestamp",
        "waktu perekaman tidak sah",
        "not a valid recording time",
    ),
    (
        "unknown_kelurahan",
        "kelurahan tidak ada di kecamatan itu",
        "the kelurahan is not in that kecamatan",
    ),
    (
        "conflicting_recording",
        "ID perekaman sudah ada dengan isi lain",
        "the recording_id exists with other content",
    ),
    // The person on the card (import contract v2): photo, signature, fingerprint templates.
    ("foto_missing", "foto tidak ada", "no photo"),
    (
        "tanda_tangan_missing",
        "tanda tangan tidak ada",
        "no signature",
    ),
    ("media_empty", "berkas kosong", "an empty file"),
    (
        "media_too_large",
        "berkas terlalu besar",
        "the file is too large",
    ),
    (
        "media_not_image",
        "bukan gambar JPEG atau PNG",
        "not a JPEG or PNG image",
    ),
    (
        "media_wrong_format",
        "jenis gambar salah (foto harus JPEG)",
        "the wrong image type (a photo must be JPEG)",
    ),
    (
        "media_undecodable",
        "gambar rusak, tidak dapat dibaca",
        "a damaged image that cannot be read",
    ),
    ("media_truncated", "gambar terpotong", "a truncated image"),
    (
        "media_too_many_pixels",
        "ukuran gambar di luar batas",
        "the image dimensions are beyond the limit",
    ),
    (
        "photo_too_small",
        "foto terlalu kecil untuk kotak foto 300 dpi",
        "the photo is too small for the photo box at 300 dpi",
    ),
    (
        "photo_bad_aspect",
        "foto bukan potret (lebar:tinggi 0,6–0,9)",
        "the photo is not a portrait (width:height 0.6–0.9)",
    ),
    (
        "signature_too_small",
        "tanda tangan terlalu kecil",
        "the signature is too small",
    ),
    (
        "signature_bad_aspect",
        "bentuk tanda tangan tidak wajar",
        "the signature has an unusual shape",
    ),
    ("media_bad_base64", "bukan base64", "not base64"),
    (
        "media_wrong_type",
        "nilai media harus teks base64",
        "a media value must be base64 text",
    ),
    (
        "media_unreadable",
        "berkas tidak dapat dibaca",
        "the file cannot be read",
    ),
    (
        "media_not_a_file",
        "bukan berkas biasa (tautan atau folder)",
        "not a plain file (a link or a folder)",
    ),
    (
        "media_unknown_file",
        "berkas di luar susunan folder media",
        "a file outside the media folder layout",
    ),
    (
        "media_damaged",
        "media rusak di perjalanan",
        "media damaged on the way",
    ),
    (
        "media_unknown_slot",
        "media untuk isian yang tidak dikenal",
        "media for an unknown slot",
    ),
    (
        "media_twice",
        "berkas media ganda untuk satu isian",
        "a second media file for one slot",
    ),
    (
        "media_dir_unsafe_id",
        "ID perekaman tidak dapat dipakai sebagai nama folder",
        "the recording_id cannot name a folder",
    ),
    (
        "media_unchecked",
        "media belum diperiksa",
        "media not checked",
    ),
    (
        "finger_bad_position",
        "posisi jari bukan kode ISO 1–10",
        "the finger position is not an ISO code 1–10",
    ),
    (
        "finger_twice",
        "posisi jari disebut dua kali",
        "a finger position given twice",
    ),
    (
        "finger_position_mismatch",
        "templat untuk jari lain",
        "a template of another finger",
    ),
    (
        "template_not_fmr",
        "bukan templat minusi sidik jari",
        "not a fingerprint minutiae template",
    ),
    (
        "template_truncated",
        "templat sidik jari terpotong",
        "a truncated fingerprint template",
    ),
    (
        "template_malformed",
        "templat sidik jari rusak",
        "a malformed fingerprint template",
    ),
    (
        "template_too_large",
        "templat sidik jari terlalu besar",
        "the fingerprint template is too large",
    ),
    (
        "template_bad_version",
        "versi templat tidak dikenal",
        "an unknown template version",
    ),
    (
        "template_length_mismatch",
        "panjang templat tidak cocok",
        "the template length does not match",
    ),
    (
        "template_trailing_garbage",
        "ada data asing setelah templat",
        "foreign bytes after the template",
    ),
    (
        "template_minutia_out_of_bounds",
        "minusi di luar gambar sidik jari",
        "a minutia outside the fingerprint image",
    ),
    (
        "template_bad_minutia",
        "minusi tidak sah",
        "an invalid minutia",
    ),
    (
        "template_bad_field",
        "isian templat tidak sah",
        "an invalid template field",
    ),
    (
        "template_bad_extension",
        "blok perluasan templat rusak",
        "a damaged template extension block",
    ),
];

/// What a quarantine or problem reason code means.
pub fn problem(code: &str) -> Option<Words> {
    PROBLEMS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|&(_, id, en)| (id, en))
}

/// Why a chip could not be read or does not hold (`cetak_chip`'s `VerifyError`, `CardError`
/// and `ChipError` codes, the counter's check of a card): what the code means. The error's own
/// English detail names the data group, file or certificate.
pub const CHIP_PROBLEMS: &[(&str, &str, &str)] = &[
    // Passive authentication.
    (
        "chip_malformed",
        "isi chip rusak atau tidak dapat diurai",
        "the chip's content is malformed",
    ),
    (
        "dg_altered",
        "sebuah kelompok data diubah sesudah ditandatangani (hash-nya tidak cocok dengan EF.SOD)",
        "a data group was altered after signing (its hash does not match EF.SOD)",
    ),
    (
        "dg_missing",
        "kelompok data yang ditandatangani di EF.SOD hilang",
        "a data group signed in EF.SOD is missing",
    ),
    (
        "dg_unsigned",
        "ada kelompok data yang tidak ditandatangani di EF.SOD",
        "a data group is present that EF.SOD does not sign",
    ),
    (
        "ds_certificate_missing",
        "EF.SOD tidak membawa sertifikat penanda tangan dokumen",
        "EF.SOD carries no document-signer certificate",
    ),
    (
        "ds_unknown_issuer",
        "penanda tangan dokumen tidak dijamin oleh CA tepercaya",
        "the document signer is not vouched for by a trusted CA",
    ),
    (
        "ds_expired",
        "sertifikat penanda tangan dokumen sudah kedaluwarsa",
        "the document-signer certificate has expired",
    ),
    (
        "ds_not_yet_valid",
        "sertifikat penanda tangan dokumen belum berlaku",
        "the document-signer certificate is not valid yet",
    ),
    (
        "ca_not_valid",
        "sertifikat CA tidak berlaku pada saat pemeriksaan",
        "the CA certificate is not valid at the time of the check",
    ),
    (
        "sod_bad_signature",
        "tanda tangan EF.SOD tidak cocok dengan kunci penanda tangan dokumen",
        "the EF.SOD signature does not verify with the document-signer key",
    ),
    (
        "sod_unsupported_algorithm",
        "algoritma di EF.SOD tidak didukung",
        "an unsupported algorithm in EF.SOD",
    ),
    // The reader and the card.
    (
        "pcsc_no_service",
        "layanan pembaca kartu (pcscd) tidak berjalan",
        "the card reader service (pcscd) is not running",
    ),
    (
        "pcsc_no_reader",
        "pembaca kartu tidak ditemukan; periksa kabelnya",
        "the card reader was not found; check its cable",
    ),
    (
        "card_absent",
        "tidak ada kartu di pembaca; letakkan kartu di pembaca lalu coba lagi",
        "no card in the reader; put the card on the reader and try again",
    ),
    (
        "card_removed",
        "kartu diangkat saat ditulis atau dibaca",
        "the card was removed while it was written or read",
    ),
    (
        "card_write_refused",
        "kartu menolak penulisan",
        "the card refused a write",
    ),
    (
        "card_wrong_type",
        "bukan kartu KTP-el (aplikasinya tidak ada di chip)",
        "not an E-KTP card (the application is not on its chip)",
    ),
    (
        "card_timeout",
        "kartu terlalu lama menjawab",
        "the card answered too slowly",
    ),
    (
        "card_status",
        "kartu memberi jawaban yang tidak terduga",
        "the card gave an unexpected answer",
    ),
    (
        "chip_file_too_large",
        "sebuah berkas terlalu besar untuk chip",
        "a file is too large for the chip",
    ),
    (
        "card_readback_mismatch",
        "isi yang dibaca ulang berbeda dengan yang ditulis",
        "what was read back differs from what was written",
    ),
    (
        "pcsc_error",
        "kesalahan pembaca kartu",
        "a card reader error",
    ),
    // Building the content.
    (
        "chip_input",
        "data ini tidak dapat dimuat ke chip",
        "these data cannot go on a chip",
    ),
    (
        "chip_sign_failed",
        "penandatanganan gagal",
        "signing failed",
    ),
    (
        "chip_crypto",
        "kesalahan kriptografi",
        "a cryptography error",
    ),
    // The office's side.
    (
        "store",
        "catatan kantor tidak dapat dibaca",
        "the office's books could not be read",
    ),
];

/// What a chip problem code means.
pub fn chip_problem(code: &str) -> Option<Words> {
    CHIP_PROBLEMS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|&(_, id, en)| (id, en))
}

/// Why a print run stopped (`cetak_print::driver::StopReason` codes): the command line's
/// summary and the print page's "last run" say the same.
pub const STOP_REASONS: &[(&str, &str, &str)] = &[
    ("max_cards", "batas kartu tercapai", "card limit reached"),
    ("queue_empty", "antrean kosong", "queue empty"),
    ("no_blanks", "blangko habis", "out of blanks"),
    (
        "capacity_or_hours",
        "kapasitas hari ini habis atau di luar jam kerja",
        "today's capacity spent or outside working hours",
    ),
    (
        "cooling",
        "printer sedang didinginkan",
        "printers cooling down",
    ),
    ("printers_blocked", "printer terhenti", "printers blocked"),
    (
        "awaiting_inspection",
        "menunggu pemeriksaan kartu",
        "waiting for a card inspection",
    ),
    (
        "no_photo_for_chip",
        "data yang tersisa tanpa foto wajah untuk chip: perlu printer tanpa penulis chip",
        "the records left have no face photo for the chip: they need a printer without a chip encoder",
    ),
];

/// Why a print run stopped, by its code; an unknown code as it is.
pub fn stop_reason(code: &str) -> (String, String) {
    match STOP_REASONS.iter().find(|(c, _, _)| *c == code) {
        Some(&(_, id, en)) => (id.to_string(), en.to_string()),
        None => (code.replace('_', " "), code.replace('_', " ")),
    }
}

/// A state change without a reason, refused.
pub const NO_REASON: Words = (
    "perubahan status perlu alasan",
    "a state change needs a reason",
);

/// The lifecycle refuses an event (an audit action code) in a record state (a state code).
pub fn refused_event(event: &str, from: &str) -> (String, String) {
    let (aid, aen) = action(event);
    let (sid, sen) = label(from).unwrap_or((from, from));
    (
        format!("{aid} tidak boleh selagi data berstatus {sid}"),
        format!("{aen} is not allowed while the record is {sen}"),
    )
}

/// The spool refuses a step for a print attempt in this state (an attempt state code).
pub fn refused_attempt(from: &str) -> (String, String) {
    let (id, en) = label(from).unwrap_or((from, from));
    (
        format!("percobaan cetak berstatus {id}: langkah ini tidak boleh"),
        format!("the print attempt is {en}: this step is not allowed"),
    )
}

/// The blank books refuse a step for a blank in this state (a blank state code).
pub fn refused_blank(serial: i64, from: &str) -> (String, String) {
    let (id, en) = blank_state(from);
    (
        format!("blangko {serial} berstatus {id}: langkah ini tidak boleh"),
        format!("blank {serial} is {en}: this step is not allowed"),
    )
}

/// Something the store looked for and did not find: a recording id, or `pair N`.
pub fn not_found(what: &str) -> (String, String) {
    match what.strip_prefix("pair ") {
        Some(n) => (
            format!("tidak ada pasangan nomor {n} dalam pencarian data ganda terakhir"),
            format!("no pair {n} in the latest duplicate search"),
        ),
        None => (
            format!("tidak ada perekaman {what}"),
            format!("no recording {what}"),
        ),
    }
}

/// Who did it: `user:rina` is `rina`; the system's parts by their job.
pub fn actor(a: &str) -> (String, String) {
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
    // `--actor supervisor:rina` on the command line: a name with the role it claims.
    for (prefix, id, en) in [
        ("supervisor:", "penyelia", "supervisor"),
        ("admin:", "pengelola", "admin"),
    ] {
        if let Some(name) = a.strip_prefix(prefix) {
            return (format!("{name} ({id})"), format!("{name} ({en})"));
        }
    }
    if let Some(part) = a.strip_prefix("system:") {
        let (id, en) = match part {
            "dedup" => ("pemeriksa data ganda", "duplicate check"),
            "spool" => ("antrean cetak", "print spool"),
            "sync" => ("sinkronisasi pusat", "sync with the centre"),
            "import" => ("impor", "import"),
            "cli" => ("baris perintah", "command line"),
            "correct" => ("perbaikan data", "data correction"),
            other => return (format!("sistem ({other})"), format!("system ({other})")),
        };
        return (format!("sistem ({id})"), format!("system ({en})"));
    }
    (a.into(), a.into())
}

/// What an entry is about: `printer:P1`, `user:rina`, `stock:1-20`, `blank:7`, recording ids.
pub fn subject(s: &str) -> (String, String) {
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
pub fn reason(r: &str) -> (String, String) {
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
        "chip encoder changed" => Some(fixed("penulis chip diubah", "chip encoder changed")),
        "blanks loaded into the printer's hopper" => Some(fixed(
            "blangko dimuat ke wadah blangko printer",
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
        "readable quarantined rows enter the registry (import contract 1.1)" => Some(fixed(
            "baris karantina yang terbaca masuk register (kontrak impor 1.1)",
            "readable quarantined rows enter the registry (import contract 1.1)",
        )),
        "media attached: the photo and signature are valid" => Some(fixed(
            "media dilampirkan: foto dan tanda tangan sah",
            "media attached: the photo and signature are valid",
        )),
        "media attached: a printed item is not valid" => Some(fixed(
            "media dilampirkan: foto atau tanda tangan tidak sah",
            "media attached: a printed item is not valid",
        )),
        "media erased on request" => Some(fixed(
            "media dihapus atas permintaan",
            "media erased on request",
        )),
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
            "blangko tercatat sudah menjadi KTP-el tetapi tidak ada percobaan cetak yang membuatnya",
            "blank is issued but no attempt made a card of it",
        )),
        "blank is issued but has no card" => Some(fixed(
            "blangko tercatat sudah menjadi KTP-el tetapi tidak ada kartunya",
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
    if let Some(&(en, id)) = DEFAULT_REASONS.iter().find(|(en, _)| *en == r) {
        return fixed(id, en);
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

/// What the command line writes when a person gives no reason of their own (English, as
/// stored; the help shows the Indonesian), and its Indonesian.
pub const DEFAULT_REASONS: &[(&str, &str)] = &[
    ("damaged before printing", "rusak sebelum dicetak"),
    ("removed by operator", "dihapus oleh petugas"),
    (
        "hopper emptied into the safe by operator",
        "wadah blangko dikosongkan ke brankas oleh petugas",
    ),
    ("paused by operator", "dijeda oleh petugas"),
    ("resumed by operator", "dilanjutkan oleh petugas"),
    (
        "resident present, identity checked by operator",
        "warga hadir, identitas diperiksa petugas",
    ),
    ("resident in person", "warga sendiri"),
];

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
    if let Some(rest) =
        r.strip_prefix("needs correction, but is another recording of the person of ")
        && let Some(kept) = rest.strip_suffix(", which is kept")
    {
        return Some((
            format!(
                "perlu perbaikan, tetapi merupakan perekaman lain dari orang yang sama dengan {kept}, yang dipakai"
            ),
            r.into(),
        ));
    }
    if let Some(rest) = r.strip_prefix("every printed field is valid after ")
        && let Some(field) = rest.strip_suffix(" was corrected")
    {
        return Some((
            format!("semua kolom yang dicetak sudah benar setelah {field} diperbaiki"),
            r.into(),
        ));
    }
    if let Some(rest) = r.strip_prefix("the correction of ")
        && let Some(field) = rest.strip_suffix(" left a printed field that is not valid")
    {
        return Some((
            format!("setelah {field} diperbaiki, masih ada kolom tercetak yang tidak sah"),
            r.into(),
        ));
    }
    if let Some(rest) = r.strip_prefix("card ")
        && let Some((serial, rest)) = rest.split_once(" handed to ")
        && let Some((who, check)) = rest.split_once("; identity checked: ")
    {
        let default = |t: &str| {
            DEFAULT_REASONS
                .iter()
                .find(|(en, _)| *en == t)
                .map_or(t.to_string(), |(_, id)| id.to_string())
        };
        let (who, check) = (default(who), default(check));
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
/// A chip problem in both languages: the catalogue's words and the code; the error's own
/// English detail (the data group, file or certificate) in English only.
pub fn chip_fault(code: &str, detail: &str) -> (String, String) {
    match chip_problem(code) {
        Some((id, en)) => (format!("{id} ({code})"), format!("{en}: {detail} ({code})")),
        None => (format!("{detail} ({code})"), format!("{detail} ({code})")),
    }
}

/// A card fault as the run notes it ("code: English detail", `cetak_office::chip`) in both
/// languages ([`chip_fault`]); text without a catalogued code as it is.
pub fn noted_chip_fault(noted: &str) -> (String, String) {
    match noted.split_once(": ") {
        Some((code, detail)) if chip_problem(code).is_some() => chip_fault(code, detail),
        _ => (noted.to_string(), noted.to_string()),
    }
}

pub fn note(n: &str) -> Option<(String, String)> {
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
    if let Some(rest) = n.strip_prefix("the chip failed before printing (")
        && let Some(why) =
            rest.strip_suffix("): spoiled (chip_failure); the record goes back to the queue")
    {
        let cause = label("chip_failure").map_or("chip_failure", |l| l.0);
        let (why, _) = noted_chip_fault(why);
        return Some((
            format!("chip gagal sebelum dicetak ({why}): rusak ({cause}); data kembali ke antrean"),
            n.into(),
        ));
    }
    if let Some(rest) = n.strip_prefix("the chip could not be checked after an interruption (")
        && let Some(why) = rest.strip_suffix("): find the blank, look at it and record the outcome")
    {
        let (why, _) = noted_chip_fault(why);
        return Some((
            format!(
                "chip tidak dapat diperiksa setelah gangguan ({why}): cari blangkonya, periksa dan catat hasilnya"
            ),
            n.into(),
        ));
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
            return Some((format!("{id}{}", printer_fault(rest).0), n.into()));
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
                "printer bermasalah (peringatan {strike}): didinginkan {minutes} menit; periksa suhu cetak (160–170 °C) sebelum melanjutkan"
            ),
            n.into(),
        ));
    }
    None
}

/// A printer fault as `cetak-ipp` words it (`IppError`'s text, e.g. `printer unreachable:
/// cannot connect to 10.0.0.21:631 (… Connection refused (os error 111))`), in both languages.
/// The Indonesian half says what happened and what to check; the operating system's English
/// detail stays in the English half only. Text not recognised is kept as it is.
pub fn printer_fault(text: &str) -> (String, String) {
    let text = text.trim();
    let os_words = |detail: &str| -> &'static str {
        let d = detail.to_lowercase();
        if d.contains("connection refused") {
            " (sambungan ditolak: printer mati, atau alamat/port salah?)"
        } else if d.contains("no route to host") || d.contains("network is unreachable") {
            " (tidak ada jalur jaringan ke printer: periksa kabel dan alamat IP)"
        } else if d.contains("lookup address") || d.contains("name or service not known") {
            " (nama printer tidak ditemukan)"
        } else if d.contains("timed out") || d.contains("timeout") {
            " (waktu habis)"
        } else if d.contains("reset") || d.contains("broken pipe") || d.contains("eof") {
            " (sambungan diputus printer)"
        } else {
            ""
        }
    };
    let kinds: [(&str, &str); 8] = [
        ("printer unreachable: ", "printer tidak terjangkau"),
        (
            "printer not trusted: ",
            "printer tidak dipercaya: sertifikatnya bukan yang disematkan pada alamat ipps://",
        ),
        ("printer timed out: ", "printer tidak menjawab tepat waktu"),
        (
            "connection to printer broken: ",
            "sambungan ke printer terputus",
        ),
        ("malformed reply from printer: ", "jawaban printer rusak"),
        (
            "printer refused the request: ",
            "printer menolak permintaan: ",
        ),
        ("printer answered HTTP ", "printer menjawab HTTP "),
        ("bad printer URI: ", "alamat printer tidak dapat dipakai: "),
    ];
    for (prefix, id) in kinds {
        if let Some(rest) = text.strip_prefix(prefix) {
            // The printer's own status text and the address are shown as they are; the OS's
            // sentences are put in words.
            let id = if id.ends_with(' ') {
                format!("{id}{rest}")
            } else {
                format!("{id}{}", os_words(rest))
            };
            return (id, text.to_string());
        }
    }
    (text.to_string(), text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printer_faults_are_told_in_words_and_the_os_detail_stays_english_only() {
        let refused = "printer unreachable: cannot connect to 127.0.0.1:9 (127.0.0.1:9: Connection refused (os error 111))";
        let (id, en) = printer_fault(refused);
        assert_eq!(
            id,
            "printer tidak terjangkau (sambungan ditolak: printer mati, atau alamat/port salah?)"
        );
        assert_eq!(en, refused);
        let (id, _) = printer_fault("printer timed out: the reply timed out after 10 s");
        assert_eq!(id, "printer tidak menjawab tepat waktu (waktu habis)");
        let (id, _) = printer_fault(
            "printer refused the request: server-error-not-accepting-jobs (IPP status 0x0506)",
        );
        assert_eq!(
            id,
            "printer menolak permintaan: server-error-not-accepting-jobs (IPP status 0x0506)"
        );
        let (id, _) = printer_fault("a folder printer: permission denied");
        assert_eq!(
            id, "a folder printer: permission denied",
            "unknown text as it is"
        );
    }

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
            "needs correction, but is another recording of the person of PLG1, which is kept",
            "every printed field is valid after agama was corrected",
            "the correction of nik left a printed field that is not valid",
            "card 17 handed to resident in person; identity checked: resident present, identity checked by operator",
            "removed by operator",
            "chip encoder changed",
            "attempt 3, blank 9: the chip failed before printing (card_removed: the card was removed while writing or reading file 0102): spoiled (chip_failure); the record goes back to the queue",
            "attempt 3, blank 9: the chip could not be checked after an interruption (card_absent: no card in the reader): find the blank, look at it and record the outcome",
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
                "resident",
                "needs",
                "field",
                "corrected",
                "by operator",
                "the card was removed",
                "no card in the reader",
            ] {
                assert!(!id.contains(english), "{english:?} in {id:?}");
            }
        }
        // What a person typed stays.
        assert_eq!(reason("Ibu kandung berbeda").0, "Ibu kandung berbeda");
        assert_eq!(reason("jeda / pause").0, "jeda");
    }

    #[test]
    fn refusals_name_no_internal_types() {
        for (id, en) in [
            refused_event("hand_over", "queued"),
            refused_attempt("completed"),
            refused_blank(7, "issued"),
            not_found("pair 12"),
            not_found("PLG1"),
        ] {
            for w in [
                "hand_over",
                "HandOver",
                "Inspected",
                "queued",
                "completed",
                "pair 12",
            ] {
                assert!(!id.contains(w), "{w:?} in {id:?}");
            }
            assert!(
                !en.contains("HandOver") && !en.contains("Inspected"),
                "{en}"
            );
        }
        assert_eq!(
            refused_attempt("completed").0,
            "percobaan cetak berstatus selesai dicetak: langkah ini tidak boleh"
        );
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

    /// Words the same in both languages on purpose: names and abbreviations of the registry.
    const SAME_IN_BOTH: &[&str] = &["nik", "rt", "rw", "kelurahan", "kecamatan"];

    /// English words that must not appear in an Indonesian entry.
    const ENGLISH: &[&str] = &[
        "the",
        "of",
        "and",
        "is",
        "not",
        "to",
        "for",
        "with",
        "by",
        "from",
        "was",
        "were",
        "has",
        "unique",
        "duplicate",
        "queued",
        "printed",
        "issued",
        "spoiled",
        "missing",
        "ready",
        "blank",
        "blanks",
        "card",
        "printer's",
        "decided",
        "marked",
        "sent",
        "user",
        "changed",
        "added",
        "removed",
        "reset",
        "field",
        "corrected",
        "overruled",
        "error",
        "failed",
        "found",
        "hopper",
        "encoder",
        "supervisor",
        "outbox",
    ];

    /// A stored code or a Rust name (`chip_failure`, `recording_id`) in a sentence a person
    /// reads: a word of letters or digits joined by `_`.
    fn snake_case_token(id: &str) -> Option<&str> {
        id.split(|c: char| !c.is_alphanumeric() && c != '_')
            .find(|w| w.contains('_') && w.split('_').all(|p| !p.is_empty()))
    }

    fn check_table(name: &str, table: &[(&str, &str, &str)]) {
        let mut codes = std::collections::HashSet::new();
        for &(code, id, en) in table {
            assert!(codes.insert(code), "{name}: {code} twice");
            assert!(!id.trim().is_empty(), "{name}: {code} has no Indonesian");
            assert!(!en.trim().is_empty(), "{name}: {code} has no English");
            if !SAME_IN_BOTH.contains(&code) {
                assert_ne!(id, en, "{name}: {code} has the English words in Indonesian");
            }
            for w in id.split(|c: char| !c.is_alphanumeric() && c != '\'') {
                assert!(
                    !ENGLISH.contains(&w.to_lowercase().as_str()),
                    "{name}: {code}: English {w:?} in {id:?}"
                );
            }
            if let Some(w) = snake_case_token(id) {
                panic!("{name}: {code}: the code {w:?} in {id:?}");
            }
        }
    }

    #[test]
    fn every_word_exists_in_both_languages() {
        check_table("LABELS", LABELS);
        check_table("ACTIONS", ACTIONS);
        check_table("BLANK_STATES", BLANK_STATES);
        check_table("PROBLEMS", PROBLEMS);
        check_table("CHIP_PROBLEMS", CHIP_PROBLEMS);
        check_table("STOP_REASONS", STOP_REASONS);
        let defaults: Vec<(&str, &str, &str)> = DEFAULT_REASONS
            .iter()
            .map(|&(en, id)| (en, id, en))
            .collect();
        check_table("DEFAULT_REASONS", &defaults);
        // The check can fail: an entry with one language only is caught.
        let one_language = std::panic::catch_unwind(|| {
            check_table("test", &[("queued", "queued", "queued")]);
        });
        assert!(one_language.is_err());
        let english_inside = std::panic::catch_unwind(|| {
            check_table("test", &[("queued", "kartu the", "queued")]);
        });
        assert!(english_inside.is_err());
        let code_inside = std::panic::catch_unwind(|| {
            check_table("test", &[("queued", "rusak (chip_failure)", "queued")]);
        });
        assert!(code_inside.is_err());
        let error_inside = std::panic::catch_unwind(|| {
            check_table("test", &[("queued", "printer error", "queued")]);
        });
        assert!(error_inside.is_err());
    }

    #[test]
    fn every_stored_code_has_words() {
        use cetak_domain::access::Role;
        use cetak_print::spool::AttemptState;
        use cetak_print::stock::{BlankState, SpoilCause};
        for s in RecordState::ALL {
            assert!(label(s.as_str()).is_some(), "record state {s:?}");
            assert_ne!(record_state(s), s.describe(), "a short word for {s:?}");
        }
        for r in Role::ALL {
            assert!(label(r.as_str()).is_some(), "role {r:?}");
        }
        // The finger evidence of a dedup pair (issue 18): "sidik jari: cocok kuat".
        for code in cetak_dedup::finger::LEVELS
            .iter()
            .chain(&[cetak_dedup::finger::FIELD])
        {
            let (id, en) = label(code).unwrap_or_else(|| panic!("finger code {code}"));
            assert_ne!(id, en, "{code} in both languages");
        }
        assert_eq!(label("strong_match"), Some(("cocok kuat", "strong match")));
        for a in AttemptState::ALL {
            assert!(label(a.as_str()).is_some(), "attempt state {a:?}");
            assert!(!action(&format!("attempt_{}", a.as_str())).0.contains('?'));
        }
        for c in SpoilCause::ALL {
            assert!(label(c.as_str()).is_some(), "spoil cause {c:?}");
        }
        for r in cetak_print::driver::StopReason::ALL {
            assert!(
                STOP_REASONS.iter().any(|(c, _, _)| *c == r.as_str()),
                "stop reason {r:?}"
            );
        }
        for b in BlankState::ALL {
            assert!(
                BLANK_STATES.iter().any(|(c, _, _)| *c == b.as_str()),
                "blank state {b:?}"
            );
        }
        // Every reason code of the import contract.
        {
            use cetak_domain::ReasonCode::*;
            for code in [
                InvalidUtf8,
                NulByte,
                FieldCount,
                RecordTooLarge,
                UnterminatedQuote,
                InvalidJson,
                WrongType,
                MissingField,
                UnknownField,
                EmptyField,
                TooLong,
                InvalidCharacters,
                NikLength,
                NikNotDigits,
                NikUnknownProvince,
                NikUnknownKota,
                NikUnknownKecamatan,
                NikInvalidDate,
                NikSerialZero,
                InvalidDate,
                ImplausibleDate,
                InvalidValue,
                InvalidRtRw,
                InvalidTimestamp,
                UnknownKelurahan,
                ConflictingRecording,
            ] {
                assert!(
                    problem(code.as_str()).is_some(),
                    "reason code {code} has no words"
                );
            }
        }
        // Every action the store and the lifecycle write into the audit log.
        for code in [
            "import_batch",
            "dedup_run",
            "decide_same_person",
            "decide_different_people",
            "overrule_automatic_link",
            "mark_unique",
            "mark_duplicate",
            "send_to_review",
            "enqueue",
            "start_printing",
            "print_confirmed",
            "print_spoiled",
            "print_not_sent",
            "hand_over",
            "request_replacement",
            "cancel",
            "mark_needs_correction",
            "corrected",
            "correct_field",
            "media_view",
            "media_attach",
            "media_erase",
            "readmit_quarantine",
            "printer_add",
            "printer_set",
            "printer_remove",
            "printer_reseat",
            "printer_pause",
            "printer_resume",
            "printer_cooldown",
            "print_lease_takeover",
            "print_raise",
            "card_revoke",
            "card_returned",
            "clock_reset",
            "stock_receive",
            "stock_blank",
            "stock_load",
            "user_add",
            "user_disable",
            "user_enable",
            "user_role",
            "user_password_reset",
            "user_password_change",
            "user_sessions_end",
        ] {
            assert!(
                ACTIONS.iter().any(|(c, _, _)| *c == code),
                "audit action {code} has no words"
            );
        }
    }
}
