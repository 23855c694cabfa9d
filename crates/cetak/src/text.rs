//! Bahasa Indonesia by default, English on request: every sentence the binary prints is
//! written in both, side by side, where it is used.

use std::sync::atomic::{AtomicBool, Ordering};

static ENGLISH: AtomicBool = AtomicBool::new(false);

pub fn set_lang(lang: &str) {
    ENGLISH.store(lang == "en", Ordering::Relaxed);
}

/// The chosen language's half of a message written "indonesian / english" (the store's
/// refusals carry both; the pages split them the same way).
pub fn pick(message: &str) -> &str {
    match message.split_once(" / ") {
        Some((id, en)) => t(id, en),
        None => message,
    }
}

/// Pick the sentence for the chosen language.
pub fn t<'a>(id: &'a str, en: &'a str) -> &'a str {
    if ENGLISH.load(Ordering::Relaxed) {
        en
    } else {
        id
    }
}

/// The chosen language's half of a catalogue entry (`cetak-words`).
pub fn tr((id, en): (String, String)) -> String {
    if english() { en } else { id }
}

/// Whether messages are in English.
pub fn english() -> bool {
    ENGLISH.load(Ordering::Relaxed)
}

/// The command line's help in Bahasa Indonesia: each command's description and the global
/// options, keyed by the English text written beside the code (whitespace-insensitive).
/// Text not listed here is shown as it is written.
pub fn help_id(en: &str) -> Option<&'static str> {
    let key: String = en.split_whitespace().collect::<Vec<_>>().join(" ");
    HELP_ID.iter().find(|(e, _)| *e == key).map(|(_, id)| *id)
}

/// A value's placeholder in help and usage (`--reason <REASON>`) in Bahasa Indonesia; names
/// that are the same in both (ID, NIK, URI, TOKEN, FORMAT, RECORDING_ID) are not listed.
pub fn value_name_id(en: &str) -> Option<&'static str> {
    VALUE_NAMES_ID
        .iter()
        .find(|(e, _)| *e == en)
        .map(|(_, id)| *id)
}

const VALUE_NAMES_ID: &[(&str, &str)] = &[
    ("LANG", "BAHASA"),
    ("DB", "BERKAS_DB"),
    ("ACTOR", "PELAKU"),
    ("REASON", "ALASAN"),
    ("NAME", "NAMA"),
    ("SERIAL", "NOMOR_SERI"),
    ("COMMAND", "PERINTAH"),
    ("DATABASE_URL", "URL_BASIS_DATA"),
    ("OUT", "TUJUAN"),
    ("LIMIT", "BATAS"),
    ("ROLE", "PERAN"),
    ("REGION", "WILAYAH"),
    ("FILE", "BERKAS"),
    ("CHIP_TOKEN", "TOKEN_CHIP"),
    ("CHIP_CARD_WAIT_S", "DETIK_TUNGGU_KARTU"),
    ("CARD_WAIT_S", "DETIK_TUNGGU_KARTU"),
    ("CAUSE", "PENYEBAB"),
    ("CARDS_PER_DAY", "KARTU_PER_HARI"),
    ("SEED", "BENIH"),
    ("LISTEN", "ALAMAT"),
    ("CENTRAL", "PUSAT"),
    ("VALUE", "NILAI"),
    ("ROWS", "BARIS"),
    ("REFERENCE", "REFERENSI"),
    ("OFFICE", "KANTOR"),
    ("MONTH", "BULAN"),
    ("LAST", "TERAKHIR"),
    ("HOURS", "JAM_KERJA"),
    ("GROUP", "KELOMPOK"),
    ("FIRST", "PERTAMA"),
    ("FIELD", "KOLOM"),
    ("EXPECT_PAIRS", "JUMLAH_PASANGAN"),
    ("COOLDOWN_MIN", "MENIT_PENDINGINAN"),
    ("CODE", "KODE"),
    ("BURST", "BERTURUT"),
    ("ATTEMPT", "PERCOBAAN"),
    ("WHAT_YOU_CHECKED", "YANG_DIPERIKSA"),
    ("TO", "PENERIMA"),
    ("TIMEOUT_S", "DETIK_TUNGGU"),
    ("SYNC_EVERY_S", "DETIK_ANTARPUTARAN"),
    ("SUBJECT", "SUBJEK"),
    ("SPOILED", "PENYEBAB"),
    ("SCENARIO", "SKENARIO"),
    ("SAMPLE", "CONTOH"),
    ("REVIEW", "AMBANG_KEPUTUSAN"),
    ("RETRIES", "PERCOBAAN_ULANG"),
    ("RESIDENT_PER_MINUTE", "WARGA_PER_MENIT"),
    ("REQUEST_TIMEOUT_S", "DETIK_TUNGGU"),
    ("PRINTERS", "JUMLAH_PRINTER"),
    ("POWER_CUTS_PER_DAY", "PADAM_PER_HARI"),
    ("POLL_MS", "JEDA_MS"),
    ("POLICY", "KEBIJAKAN"),
    ("OFFSET", "LEWATI"),
    ("NEW_PER_DAY", "BARU_PER_HARI"),
    ("MAX_PROBLEMS", "MAKS_MASALAH"),
    ("MAX_CARDS", "MAKS_KARTU"),
    ("JOB_TIMEOUT_S", "DETIK_TUGAS"),
    ("ID_CHECK", "CARA_PERIKSA"),
    ("HEAD", "HASH_TERAKHIR"),
    ("GONE_CONFIRM_S", "DETIK_KONFIRMASI"),
    ("DUPLICATE_SHARE", "PORSI_GANDA"),
    ("DAYS", "HARI"),
    ("DATE", "TANGGAL"),
    ("COMMIT_ROWS", "BARIS_PER_TRANSAKSI"),
    ("CHARTS", "FOLDER_GRAFIK"),
    ("BAD_SHARE", "PORSI_CACAT"),
    ("BACKLOG", "TUNGGAKAN"),
    ("AUTO_LINK", "AMBANG_TAUT"),
];

const HELP_ID: &[(&str, &str)] = &[
    (
        "Compare fingerprint minutiae records (ISO/IEC 19794-2): score pairs, search a folder",
        "Bandingkan rekaman minusi sidik jari (ISO/IEC 19794-2): nilai pasangan, cari di sebuah folder",
    ),
    (
        "Score pairs of minutiae records listed in a CSV file (header probe,candidate); prints probe,candidate,score in input order, higher is more alike",
        "Nilai pasangan rekaman minusi yang terdaftar di berkas CSV (judul kolom probe,candidate); mencetak probe,candidate,score sesuai urutan masukan, makin tinggi makin mirip",
    ),
    (
        "Rank the minutiae records in a folder against one probe record",
        "Urutkan rekaman minusi di sebuah folder menurut kemiripannya dengan satu rekaman probe",
    ),
    (
        "CSV file with the header probe,candidate: two paths to ISO/IEC 19794-2 records per row, relative to the current folder",
        "Berkas CSV dengan judul kolom probe,candidate: dua jalur ke rekaman ISO/IEC 19794-2 per baris, relatif terhadap folder saat ini",
    ),
    (
        "Worker threads (default: one per core)",
        "Jumlah utas kerja (bawaan: satu per inti)",
    ),
    (
        "Folder of minutiae records (every file in it is read)",
        "Folder rekaman minusi (setiap berkas di dalamnya dibaca)",
    ),
    ("The probe's minutiae record", "Rekaman minusi probe"),
    (
        "How many candidates to show",
        "Berapa kandidat yang ditampilkan",
    ),
    (
        "A recording's photo, signature and fingerprints: list, export (audited), attach a new one (audited), erase (UU PDP)",
        "Foto, tanda tangan dan sidik jari sebuah perekaman: daftar, ekspor (tercatat di audit), lampirkan yang baru (tercatat di audit), hapus (UU PDP)",
    ),
    (
        "The media of one recording: each slot, its size, whether it is valid and why not",
        "Media satu perekaman: tiap isian, ukurannya, sah atau tidak dan mengapa",
    ),
    (
        "Write one photo, signature or template to a file (the view is audited: who, which, why)",
        "Tulis satu foto, tanda tangan atau templat ke berkas (setiap kali dilihat tercatat di audit: siapa, yang mana, mengapa)",
    ),
    (
        "Attach a new photo, signature or template to a recording that has no card yet (audited; checked like an import; closes the slot's problems when valid)",
        "Lampirkan foto, tanda tangan atau templat baru ke perekaman yang belum punya KTP-el (tercatat di audit; diperiksa seperti impor; menutup masalah isian itu bila sah)",
    ),
    (
        "Erase a recording's photo, signature and fingerprints for good (UU PDP request; audited; a recording without a card then waits for new media)",
        "Hapus foto, tanda tangan dan sidik jari sebuah perekaman untuk selamanya (permintaan UU PDP; tercatat di audit; perekaman tanpa KTP-el lalu menunggu media baru)",
    ),
    (
        "foto, tanda_tangan or jari-NN (e.g. jari-02)",
        "foto, tanda_tangan atau jari-NN (mis. jari-02)",
    ),
    ("File to write", "Berkas yang ditulis"),
    (
        "Why it is looked at (kept in the audit log)",
        "Mengapa dilihat (disimpan di log audit)",
    ),
    (
        "The file: a JPEG photo, a PNG or JPEG signature, an ISO/IEC 19794-2 template",
        "Berkasnya: foto JPEG, tanda tangan PNG atau JPEG, templat ISO/IEC 19794-2",
    ),
    (
        "Why (kept in the audit log)",
        "Mengapa (disimpan di log audit)",
    ),
    (
        "Why, e.g. the request's reference (kept in the audit log)",
        "Mengapa, mis. nomor surat permintaannya (disimpan di log audit)",
    ),
    (
        "Contract v2 for a CSV file: the folder with one sub-folder per recording_id holding foto.jpg, tanda_tangan.png and jari-NN.fmr",
        "Kontrak v2 untuk berkas CSV: folder berisi satu subfolder per ID perekaman (recording_id) dengan foto.jpg, tanda_tangan.png dan jari-NN.fmr",
    ),
    (
        "Also write media/<recording_id>/ (import contract v2): a drawn portrait, a signature and two index-finger templates per recording, the same person alike in every recording",
        "Tulis juga media/<recording_id>/ (kontrak impor v2): potret gambar, tanda tangan dan templat dua jari telunjuk per perekaman, orang yang sama serupa di setiap perekaman",
    ),
    (
        "Leave a row in quarantine when it has more problems than this: its file most likely had another column order, which the quarantine did not keep",
        "Biarkan baris tetap di karantina bila masalahnya lebih banyak dari ini: berkasnya kemungkinan besar punya urutan kolom lain, yang tidak disimpan karantina",
    ),
    (
        "Recordings waiting for a correction (perlu_perbaikan), oldest first",
        "Perekaman yang perlu perbaikan, yang terlama lebih dulu",
    ),
    (
        "One recording: its fields, problems, the original row, corrections and candidate duplicates",
        "Satu perekaman: kolom-kolomnya, masalahnya, baris aslinya, perbaikannya, dan calon data gandanya",
    ),
    (
        "Correct one field (audited); the recording is validated again",
        "Perbaiki satu kolom (tercatat di audit); perekaman diperiksa ulang",
    ),
    (
        "Every recording with an open problem, also those a problem does not hold back (an empty mother's name) and those resolved as a duplicate",
        "Semua perekaman yang masih bermasalah, juga yang masalahnya tidak menahan cetak (nama ibu kosong) dan yang diselesaikan sebagai data ganda",
    ),
    (
        "At most this many recordings",
        "Paling banyak sejumlah perekaman ini",
    ),
    ("The recording_id", "ID perekaman (recording_id)"),
    (
        "The contract column, e.g. nama, nik, pekerjaan, nama_ibu",
        "Kolom menurut kontrak impor, mis. nama, nik, pekerjaan, nama_ibu",
    ),
    ("The correct value", "Nilai yang benar"),
    (
        "Why (required): where the correct value comes from",
        "Alasan (wajib): dari mana nilai yang benar diperoleh",
    ),
    (
        "Pairs shown per group",
        "Jumlah pasangan yang ditampilkan per kelompok",
    ),
    (
        "At most this many groups",
        "Paling banyak sejumlah kelompok ini",
    ),
    (
        "Group number from `review groups` (1 = the largest)",
        "Nomor kelompok dari `review groups` (1 = yang terbesar)",
    ),
    (
        "The pairs are the same person",
        "Pasangan-pasangan itu orang yang sama",
    ),
    ("They are different people", "Mereka orang yang berbeda"),
    (
        "How many pairs the group held when you looked (refused if it changed since)",
        "Jumlah pasangan dalam kelompok saat Anda melihatnya (ditolak bila sudah berubah)",
    ),
    (
        "Login name (case does not matter)",
        "Nama login (huruf besar-kecil tidak dibedakan)",
    ),
    (
        "Decide every open pair of one group at once, after looking at its sample (one audited decision per pair, naming the group)",
        "Putuskan semua pasangan terbuka dalam satu kelompok sekaligus, setelah melihat contohnya (satu keputusan tercatat di audit per pasangan, menyebut kelompoknya)",
    ),
    (
        "Import print-ready records (CSV or NDJSON, import contract 1.1): unreadable rows go to quarantine, readable rows with problems wait for a correction",
        "Impor data siap cetak (CSV atau NDJSON, kontrak impor 1.1): baris yang tidak terbaca masuk karantina, baris terbaca yang bermasalah menunggu perbaikan",
    ),
    (
        "Make the recording desk's mistakes with an office's shares (empty mother's name, a digit for a letter, NIK typos, empty occupation or birthplace, keyboard slips, titles, old spellings): about 9 % of rows then need a correction",
        "Buat kesalahan meja perekaman dengan porsi seperti di kantor (nama ibu kosong, angka untuk huruf, salah ketik NIK, pekerjaan atau tempat lahir kosong, salah tekan tombol, gelar, ejaan lama): sekitar 9 % baris lalu perlu perbaikan",
    ),
    (
        "Move rows quarantined by an older cetak that are readable under import contract 1.1 into the registry (each with its problems; audited; the quarantine keeps its rows). Run once after upgrading",
        "Pindahkan baris yang dikarantina oleh cetak versi lama dan terbaca menurut kontrak impor 1.1 ke register (masing-masing dengan masalahnya; tercatat di audit; karantina tetap menyimpan barisnya). Jalankan sekali setelah memperbarui",
    ),
    (
        "Open pairs grouped by evidence pattern (each field's level and why they wait), largest group first, with a sample of each: one question per group",
        "Pasangan terbuka dikelompokkan menurut pola bukti (tingkat tiap kolom dan alasan menunggu), kelompok terbesar lebih dulu, dengan contoh dari masing-masing: satu pertanyaan per kelompok",
    ),
    (
        "Recordings that entered with problems: list, show, correct a field (audited)",
        "Perekaman yang masuk dengan masalah: daftar, tampilkan, perbaiki kolom (tercatat di audit)",
    ),
    (
        "Rows that could not be read as a recording, with their reason and original bytes",
        "Baris yang tidak dapat dibaca sebagai perekaman, dengan alasan dan isi aslinya",
    ),
    (
        "A printed card turned out spoiled (melted, misprint, chip failure…): reprint it on a new blank and tell the printer's duty cycle. For a card revoked by a replacement that came back to the office: record its return (the resident's new card is not touched)",
        "KTP-el yang sudah dicetak ternyata rusak (meleleh, salah cetak, chip rusak…): cetak ulang pada blangko baru dan perhitungkan beban kerja printer. Untuk KTP-el yang dicabut karena penggantian dan dikembalikan ke kantor: catat pengembaliannya (KTP-el baru warga tidak berubah)",
    ),
    (
        "Change a printer's address or profile (only what is given changes)",
        "Ubah alamat atau profil printer (hanya yang disebutkan yang berubah)",
    ),
    ("Change an account's role", "Ubah peran akun"),
    (
        "Create an account. The password comes from CETAK_PASSWORD, or one line on stdin when it is not a terminal; otherwise (or when stdin is empty) a random one is made and printed once. Names ignore case and are unique; passwords follow the policy (at least 10 characters, not one character repeated, not the name, not a common password)",
        "Buat akun. Kata sandi diambil dari CETAK_PASSWORD, atau satu baris dari stdin bila bukan terminal; jika tidak (atau stdin kosong) dibuatkan acak dan ditampilkan sekali. Nama tidak membedakan huruf besar-kecil dan unik; kata sandi mengikuti kebijakan (minimal 10 karakter, bukan satu karakter berulang, bukan nama, bukan kata sandi umum)",
    ),
    (
        "Disable an account: it cannot log in, and its sessions end at once",
        "Nonaktifkan akun: tidak dapat masuk, dan sesinya langsung berakhir",
    ),
    (
        "Enable a disabled account",
        "Aktifkan kembali akun yang nonaktif",
    ),
    (
        "End every session of an account (for example a departed operator's)",
        "Akhiri semua sesi sebuah akun (misalnya milik petugas yang sudah keluar)",
    ),
    (
        "Give an account a new password and end its sessions. The password is one line on stdin when stdin is not a terminal (or CETAK_PASSWORD); otherwise (or when stdin is empty) a random one is made and printed once",
        "Beri akun kata sandi baru dan akhiri sesinya. Kata sandi adalah satu baris dari stdin bila bukan terminal (atau CETAK_PASSWORD); jika tidak (atau stdin kosong) dibuatkan acak dan ditampilkan sekali",
    ),
    (
        "Print the queue on the office's printers until today's capacity is spent or the queue is empty. First reconciles attempts left open by a crash. Exit 0: a card was sent or nothing waits; 3: cards wait but none could be sent",
        "Cetak antrean di printer kantor sampai kapasitas hari ini habis atau antrean kosong. Lebih dulu menuntaskan percobaan cetak yang tertinggal karena gangguan. Kode keluar 0: ada kartu yang dikirim atau tidak ada yang menunggu; 3: ada kartu menunggu tetapi tidak satu pun dapat dikirim",
    ),
    (
        "Printers (asked now), their hoppers, the queue and what needs inspection",
        "Printer (ditanya saat ini), isi wadah blangkonya, antrean, dan yang perlu diperiksa",
    ),
    (
        "Record what a person found for an attempt the printer could not confirm. The printer is asked first: a job it still holds cannot be inspected",
        "Catat temuan petugas untuk percobaan yang tidak dapat dipastikan printer. Printer ditanya lebih dulu: tugas cetak yang masih dipegangnya belum dapat diperiksa",
    ),
    (
        "Seconds between two lookups that must both miss a job (with the printer idle) before it goes to inspection: a restarted printer may still feed the card",
        "Detik antara dua pencarian yang sama-sama tidak menemukan tugas cetak (printer diam) sebelum masuk pemeriksaan: printer yang baru dinyalakan ulang mungkin masih menarik kartu",
    ),
    (
        "Take a printer out of service; its unused blanks go back to the safe",
        "Hentikan pemakaian printer; blangko yang belum terpakai kembali ke brankas",
    ),
    (
        "The office clock guard: show it, or (supervisor) reset it after a clock that ran ahead",
        "Penjaga jam kantor: tampilkan, atau (penyelia) setel ulang setelah jam komputer terlalu maju",
    ),
    (
        "The operator empties a printer's hopper into the safe (e.g. instead of waiting for an inspection); the next card says which blanks to load",
        "Petugas mengosongkan wadah blangko printer ke brankas (misalnya daripada menunggu pemeriksaan); kartu berikutnya memberi tahu blangko mana yang dimuat",
    ),
    (
        "The printer cannot be asked (off, broken): say what you checked by hand, e.g. \"printer off, job gone from its panel, blank 1000042 clean on top of the hopper\"",
        "Printer tidak dapat ditanya (mati, rusak): sebutkan apa yang diperiksa langsung, mis. \"printer mati, tugas cetak hilang dari panel, blangko 1000042 bersih paling atas di wadah blangko\"",
    ),
    (
        "The printers, their profile, today's count and what each says now",
        "Daftar printer, profilnya, jumlah cetak hari ini dan keadaan yang dilaporkan masing-masing saat ini",
    ),
    (
        "The computer clock, the latest recorded time, and whether the guard holds it back",
        "Jam komputer, waktu terakhir yang tercatat, dan apakah penjaga jam menahannya",
    ),
    (
        "Supervisor: the computer clock is right now; the times recorded after it came from a clock that ran ahead. Audited; cool-downs set in that future end now",
        "Penyelia: jam komputer kini benar; waktu yang tercatat setelahnya berasal dari jam yang terlalu maju. Tercatat di audit; pendinginan yang disetel di masa depan itu berakhir sekarang",
    ),
    (
        "Why (e.g. \"BIOS battery replaced, clock set from the phone network\")",
        "Alasan (mis. \"baterai BIOS diganti, jam disetel dari jaringan ponsel\")",
    ),
    (
        "New ipp://host:port/ipp/print, ipps://…#sha256=FINGERPRINT or dir:/path",
        "ipp://host:port/ipp/print, ipps://…#sha256=SIDIK_SERTIFIKAT atau dir:/path yang baru",
    ),
    (
        "Cards in a row before a cool-down (0: no bursts)",
        "Kartu berturut-turut sebelum pendinginan (0: tanpa batas)",
    ),
    (
        "Working hours, office time (WIB), e.g. 08:00-16:00, or \"-\" for none",
        "Jam kerja, waktu kantor (WIB), mis. 08:00-16:00, atau \"-\" untuk tanpa jam kerja",
    ),
    // cetak
    (
        "Print E-KTP cards at a Disdukcapil office: import the print-ready backlog, find duplicate recordings (data ganda), print, and account for every blank card.",
        "Cetak KTP-el di kantor Disdukcapil: impor tunggakan data siap cetak, temukan data ganda, cetak, dan pertanggungjawabkan setiap blangko.",
    ),
    (
        "Print E-KTP cards at a Disdukcapil office: import the print-ready backlog, find duplicate recordings (data ganda), print, and account for every blank card",
        "Cetak KTP-el di kantor Disdukcapil: impor tunggakan data siap cetak, temukan data ganda, cetak, dan pertanggungjawabkan setiap blangko",
    ),
    (
        "The office database (SQLite).",
        "Basis data kantor (SQLite).",
    ),
    ("The office database (SQLite)", "Basis data kantor (SQLite)"),
    (
        "Print data as one JSON object instead of tables.",
        "Keluarkan data sebagai satu objek JSON, bukan tabel.",
    ),
    (
        "Print data as one JSON object instead of tables",
        "Keluarkan data sebagai satu objek JSON, bukan tabel",
    ),
    (
        "Language of messages: id (Bahasa Indonesia) or en.",
        "Bahasa pesan: id (Bahasa Indonesia) atau en (Inggris).",
    ),
    (
        "Language of messages: id (Bahasa Indonesia) or en",
        "Bahasa pesan: id (Bahasa Indonesia) atau en (Inggris)",
    ),
    (
        "Who is acting, for the audit log (default: operator:$USER).",
        "Siapa yang bertindak, untuk log audit (bawaan: operator:$USER).",
    ),
    (
        "Who is acting, for the audit log (default: operator:$USER)",
        "Siapa yang bertindak, untuk log audit (bawaan: operator:$USER)",
    ),
    (
        "Create the database when it does not exist yet (only for commands that write; a command that reads never creates one). `cetak init` always creates it.",
        "Buat basis data bila belum ada (hanya untuk perintah yang menulis; perintah yang hanya membaca tidak pernah membuatnya). `cetak init` selalu membuatnya.",
    ),
    (
        "Create the database when it does not exist yet (only for commands that write; a command that reads never creates one). `cetak init` always creates it",
        "Buat basis data bila belum ada (hanya untuk perintah yang menulis; perintah yang hanya membaca tidak pernah membuatnya). `cetak init` selalu membuatnya",
    ),
    ("Print help", "Tampilkan bantuan"),
    (
        "Print help (see more with '--help')",
        "Tampilkan bantuan (lebih lengkap dengan '--help')",
    ),
    (
        "Print help (see a summary with '-h')",
        "Tampilkan bantuan (ringkasan dengan '-h')",
    ),
    ("Print version", "Tampilkan versi"),
    // the commands
    (
        "Create the office database (or bring an existing one's schema up to date)",
        "Buat basis data kantor (atau perbarui skema basis data yang sudah ada)",
    ),
    (
        "Generate a realistic Palembang backlog with known duplicates (recordings.csv, truth.csv)",
        "Buat tunggakan Palembang yang realistis dengan data ganda yang diketahui (recordings.csv, truth.csv)",
    ),
    (
        "Import print-ready records (CSV or NDJSON, import contract v1); bad rows go to quarantine",
        "Impor data siap cetak (CSV atau NDJSON, kontrak impor v1); baris yang salah masuk karantina",
    ),
    (
        "Rows that could not be imported, with their reason and original bytes",
        "Baris yang tidak dapat diimpor, dengan alasan dan isi aslinya",
    ),
    (
        "The tamper-evident audit log",
        "Log audit yang tidak dapat diubah diam-diam",
    ),
    (
        "Find duplicate recordings (data ganda) across the registry; link the certain ones",
        "Cari data ganda di seluruh register; tautkan yang sudah pasti",
    ),
    (
        "The supervisor's queue of unclear duplicate pairs",
        "Antrean penyelia untuk pasangan data ganda yang belum jelas",
    ),
    (
        "Export data for other tools",
        "Ekspor data untuk aplikasi lain",
    ),
    ("The office's card printers", "Printer kartu kantor"),
    (
        "Print cards: run the spool, its status, inspection, spoiled cards, priorities",
        "Cetak kartu: jalankan antrean cetak, statusnya, pemeriksaan, kartu rusak, prioritas",
    ),
    (
        "Blank card stock (blangko): receive, reconcile, missing, found, spoiled",
        "Persediaan blangko: terima, rekonsiliasi, hilang, ditemukan, rusak",
    ),
    (
        "Hand a printed card to its resident",
        "Serahkan KTP-el yang sudah dicetak kepada pemiliknya",
    ),
    (
        "Reports: the monthly blank-usage report",
        "Laporan: laporan bulanan penggunaan blangko",
    ),
    (
        "Render a record's card front (PNG or PDF) without printing it",
        "Buat gambar tampak depan kartu sebuah data (PNG atau PDF) tanpa mencetaknya",
    ),
    (
        "Run the office server: operator pages, the resident page, the JSON API",
        "Jalankan server kantor: halaman petugas, halaman warga, API JSON",
    ),
    (
        "Office accounts (operator, supervisor, admin)",
        "Akun kantor (petugas, penyelia, pengelola)",
    ),
    (
        "One round with the centre: push what the office owes, pull new print-ready records",
        "Satu putaran sinkronisasi dengan pusat: kirim yang menjadi kewajiban kantor, ambil data siap cetak yang baru",
    ),
    (
        "The central server on PostgreSQL (serve, add-office, load)",
        "Server pusat di PostgreSQL (serve, add-office, load)",
    ),
    (
        "Simulate the office over days (printers, heat, power cuts, staff) and plan capacity",
        "Simulasikan kantor selama beberapa hari (printer, panas, listrik padam, petugas) dan rencanakan kapasitas",
    ),
    (
        "Where a resident's card is, by NIK; without a NIK, the link to the centre",
        "Posisi KTP-el seorang warga, menurut NIK; tanpa NIK, sambungan ke pusat",
    ),
    (
        "The Palembang office demo in a fresh folder: generate the 2015 backlog, import it, find duplicates, print the first day on two folder printers, hand over a few cards, reconcile the blanks, write the monthly report, verify the audit log, summarise — then serve the office pages (`--no-serve`: stop after the summary)",
        "Demo kantor Palembang di folder baru: buat tunggakan 2015, impor, cari data ganda, cetak hari pertama di dua printer folder, serahkan beberapa kartu, rekonsiliasi blangko, tulis laporan bulanan, periksa log audit, ringkas — lalu jalankan halaman kantor (`--no-serve`: berhenti setelah ringkasan)",
    ),
    (
        "Print this message or the help of the given subcommand(s)",
        "Tampilkan pesan ini atau bantuan subperintah yang disebut",
    ),
    // options and arguments of the commands
    (
        "Every pair of the latest run (links and decided pairs too)",
        "Semua pasangan dari pencarian terakhir (termasuk yang ditautkan dan yang sudah diputuskan)",
    ),
    (
        "Match probability from which a pair is linked automatically",
        "Peluang orang yang sama mulai dari mana pasangan ditautkan otomatis",
    ),
    (
        "Cards in a row before a cool-down",
        "Jumlah kartu berturut-turut sebelum printer didinginkan",
    ),
    ("Rated cards per day", "Kapasitas kartu per hari"),
    (
        "melted, misprint, jam, chip_failure, other",
        "melted (meleleh), misprint (salah cetak), jam (macet di printer), chip_failure (chip rusak), other (lainnya)",
    ),
    (
        "The centre, e.g. https://centre.example:8443",
        "Alamat pusat, mis. https://centre.example:8443",
    ),
    (
        "Only validate: report what would be imported or quarantined, write nothing",
        "Hanya periksa: laporkan apa yang akan masuk register atau karantina, tanpa menulis apa pun",
    ),
    (
        "Rows per transaction: larger is faster, smaller loses less work to a power cut",
        "Baris per transaksi: lebih besar lebih cepat, lebih kecil lebih sedikit kerja hilang saat listrik padam",
    ),
    (
        "Minutes of cool-down after a burst",
        "Menit pendinginan setelah satu rangkaian cetak",
    ),
    (
        "postgres://user@host:port/db",
        "postgres://user@host:port/db",
    ),
    (
        "Date on the delivery note, YYYY-MM-DD (default: today)",
        "Tanggal pada surat pengantar, TTTT-BB-HH (bawaan: hari ini)",
    ),
    (
        "They are different people (a later automatic run never links them)",
        "Keduanya orang berbeda (pencarian otomatis berikutnya tidak akan menautkannya)",
    ),
    (
        "The head recorded earlier, to catch entries cut off the end: what `cetak audit head` printed (`SEQ HASH`, quoted) or the hash alone",
        "Hash terakhir yang dicatat sebelumnya, untuk menangkap entri yang terpotong di akhir: keluaran `cetak audit head` (`NOMOR HASH`, dalam tanda kutip) atau hash-nya saja",
    ),
    ("First serial of the batch", "Nomor seri pertama kiriman"),
    (
        "File format; guessed from the extension, then the first byte, when not given",
        "Format berkas; bila tidak disebut, ditebak dari ekstensi lalu dari byte pertama",
    ),
    ("Output format", "Format keluaran"),
    ("The card is good", "Kartu baik"),
    (
        "Working hours, office time (WIB), e.g. 08:00-16:00",
        "Jam kerja, waktu kantor (WIB), mis. 08:00-16:00",
    ),
    (
        "How identity was checked (e.g. \"KK 1671…\", \"surat kuasa\")",
        "Cara identitas diperiksa (mis. \"KK 1671…\", \"surat kuasa\")",
    ),
    ("Last serial of the batch", "Nomor seri terakhir kiriman"),
    (
        "At most this many entries",
        "Paling banyak sejumlah entri ini",
    ),
    ("At most this many rows", "Paling banyak sejumlah baris ini"),
    (
        "At most this many pairs",
        "Paling banyak sejumlah pasangan ini",
    ),
    (
        "Address to listen on",
        "Alamat tempat server menunggu sambungan",
    ),
    (
        "Where the demo serves the office pages",
        "Alamat halaman kantor demo",
    ),
    ("The month, YYYY-MM", "Bulan, TTTT-BB"),
    (
        "End after the summary instead of serving the office pages (always so with --json)",
        "Berhenti setelah ringkasan, tanpa menjalankan halaman kantor (selalu begitu dengan --json)",
    ),
    ("Office code", "Kode kantor"),
    (
        "Skip this many rows first",
        "Lewati sejumlah baris ini dulu",
    ),
    (
        "Write to this file instead of standard output",
        "Tulis ke berkas ini, bukan ke keluaran standar",
    ),
    (
        "Folder to write blangko-YYYY-MM.csv and .pdf into",
        "Folder tujuan blangko-TTTT-BB.csv dan .pdf",
    ),
    (
        "Output file: .png (300 dpi) or .pdf (CR80 page)",
        "Berkas keluaran: .png (300 dpi) atau .pdf (halaman CR80)",
    ),
    ("No progress bar", "Tanpa bilah kemajuan"),
    (
        "Only rows with this reason code (e.g. nik_length, invalid_utf8)",
        "Hanya baris dengan kode alasan ini (mis. nik_length, invalid_utf8)",
    ),
    ("What happened", "Apa yang terjadi"),
    ("Where", "Di mana"),
    (
        "Where it should have been, who looked",
        "Seharusnya di mana, siapa yang mencari",
    ),
    ("Why", "Alasan"),
    (
        "Why (lost, damaged, data change)",
        "Alasan (hilang, rusak, perubahan data)",
    ),
    ("Why (required)", "Alasan (wajib)"),
    (
        "Why the link is wrong (required)",
        "Mengapa tautan itu salah (wajib)",
    ),
    (
        "Delivery reference (letter number, shipment)",
        "Referensi kiriman (nomor surat, pengiriman)",
    ),
    ("Region code", "Kode wilayah"),
    (
        "Region code (the office's kabupaten/kota code, e.g. 1671)",
        "Kode wilayah (kode kabupaten/kota kantor, mis. 1671)",
    ),
    (
        "Retries of one request before the round gives up",
        "Jumlah percobaan ulang satu permintaan sebelum putaran menyerah",
    ),
    (
        "Match probability from which an unlinked pair goes to a supervisor",
        "Peluang orang yang sama mulai dari mana pasangan yang tidak ditautkan diserahkan ke penyelia",
    ),
    (
        "operator, supervisor or admin",
        "operator (petugas), supervisor (penyelia) atau admin (pengelola)",
    ),
    (
        "Recordings in the backlog",
        "Jumlah perekaman dalam tunggakan",
    ),
    (
        "The two recordings are the same person",
        "Kedua perekaman adalah orang yang sama",
    ),
    (
        "Seed of the generated backlog",
        "Benih (seed) tunggakan yang dibuat",
    ),
    (
        "The card is spoiled: melted, misprint, jam, chip_failure, other",
        "Kartu rusak: melted (meleleh), misprint (salah cetak), jam (macet di printer), chip_failure (chip rusak), other (lainnya)",
    ),
    (
        "Only entries about this record or file",
        "Hanya entri tentang data atau berkas ini",
    ),
    (
        "Seconds without a byte in either direction before a transfer counts as stalled",
        "Detik tanpa satu bita pun ke arah mana pun sebelum pengiriman dianggap macet",
    ),
    (
        "Who received the card (the resident, or their representative)",
        "Siapa yang menerima KTP-el (warga sendiri, atau yang diberi kuasa)",
    ),
    (
        "A file holding this office's token (from `cetak central add-office`); or set CETAK_OFFICE_TOKEN",
        "Berkas berisi token kantor ini (dari `cetak central add-office`); atau isi CETAK_OFFICE_TOKEN",
    ),
    (
        "The blank was never used (still clean in the hopper)",
        "Blangko tidak terpakai (masih bersih di wadah blangko)",
    ),
    (
        "ipp://host:port/ipp/print, ipps://…#sha256=FINGERPRINT (TLS to that certificate), or dir:/path/to/folder",
        "ipp://host:port/ipp/print, ipps://…#sha256=SIDIK_SERTIFIKAT (TLS ke sertifikat itu), atau dir:/path/ke/folder",
    ),
    ("Confirm without asking", "Konfirmasi tanpa ditanya"),
    (
        "The attempt id (see `cetak print status`)",
        "Nomor percobaan cetak (lihat `cetak print status`)",
    ),
    (
        "CSV or NDJSON file in import contract 1.1 (docs/import-contract.md)",
        "Berkas CSV atau NDJSON menurut kontrak impor 1.1 (docs/import-contract.md)",
    ),
    ("The CSV file", "Berkas CSV"),
    (
        "Pair id from `review list --all`",
        "Nomor pasangan dari `review list --all`",
    ),
    (
        "Pair id from `review list`",
        "Nomor pasangan dari `review list`",
    ),
    ("Login name", "Nama login"),
    (
        "Name the office gives it (e.g. P1)",
        "Nama dari kantor (mis. P1)",
    ),
    ("Printer name", "Nama printer"),
    ("The resident's 16-digit NIK", "NIK warga, 16 digit"),
    (
        "The resident's 16-digit NIK (without it: the link to the centre)",
        "NIK warga, 16 digit (tanpa NIK: sambungan ke pusat)",
    ),
    ("The resident's NIK", "NIK warga"),
    ("The recording id", "ID perekaman"),
    ("Serial", "Nomor seri"),
    (
        "The blank serial of the card",
        "Nomor seri blangko kartu itu",
    ),
    (
        "A TOML scenario file: `[base]` fields and optional `[[variant]]`s compared side by side",
        "Berkas skenario TOML: kolom `[base]` dan `[[variant]]` pilihan, dibandingkan berdampingan",
    ),
    ("Card printers", "Jumlah printer kartu"),
    (
        "Compare the scenario with and without dedup and with FIFO vs thermal-aware pacing",
        "Bandingkan skenario dengan dan tanpa pencarian data ganda, dan FIFO dengan pengaturan laju yang memperhatikan panas",
    ),
    (
        "Days to simulate at most",
        "Paling banyak sejumlah hari yang disimulasikan",
    ),
    (
        "Do not find duplicates before printing",
        "Jangan cari data ganda sebelum mencetak",
    ),
    (
        "Do not wait for cool-downs: stop when no printer can take a card now",
        "Jangan menunggu pendinginan: berhenti bila tidak ada printer yang bisa menerima kartu sekarang",
    ),
    (
        "Folder for recordings.csv and truth.csv (created if missing)",
        "Folder untuk recordings.csv dan truth.csv (dibuat bila belum ada)",
    ),
    (
        "Mark cookies Secure (when a TLS proxy is in front)",
        "Tandai cookie Secure (bila ada proksi TLS di depan)",
    ),
    (
        "Milliseconds between polls of a job in progress",
        "Milidetik antara dua kali menanyakan tugas cetak yang sedang berjalan",
    ),
    (
        "New print-ready recordings a day",
        "Perekaman siap cetak baru per hari",
    ),
    ("Power cuts per day", "Listrik padam per hari"),
    (
        "Rated cards per printer per day",
        "Kapasitas kartu per printer per hari",
    ),
    ("Recordings to generate", "Jumlah perekaman yang dibuat"),
    (
        "Recordings waiting on day one",
        "Perekaman yang menunggu pada hari pertama",
    ),
    (
        "Resident lookups allowed per client address per minute (0: no limit, for load tests)",
        "Pencarian warga yang diizinkan per alamat klien per menit (0: tanpa batas, untuk uji beban)",
    ),
    (
        "Seconds a job may take before the run stops waiting for it (it stays open; the next run follows it again)",
        "Detik maksimal satu tugas cetak sebelum proses berhenti menunggunya (tetap terbuka; proses berikutnya mengikutinya lagi)",
    ),
    (
        "Seconds between sync rounds while the link is up",
        "Detik antara putaran sinkronisasi selama sambungan ke pusat tersedia",
    ),
    (
        "Seconds to wait for a printer's answer to one request",
        "Detik menunggu jawaban printer atas satu permintaan",
    ),
    (
        "Seed: the same seed always gives the same files",
        "Benih (seed): benih yang sama selalu menghasilkan berkas yang sama",
    ),
    (
        "Seed: the same seed and scenario always give the same run",
        "Benih (seed): benih dan skenario yang sama selalu menghasilkan jalannya simulasi yang sama",
    ),
    (
        "Share of rows that are extra recordings of people already in the file",
        "Bagian baris yang merupakan perekaman tambahan dari orang yang sudah ada di berkas",
    ),
    (
        "Share of rows with a deliberate defect, to show the quarantine",
        "Bagian baris yang sengaja dibuat cacat, untuk memperlihatkan karantina",
    ),
    (
        "Simulate every day asked for, not only until the backlog is cleared",
        "Simulasikan semua hari yang diminta, bukan hanya sampai tunggakan habis",
    ),
    (
        "Stop after starting this many cards",
        "Berhenti setelah mulai mencetak sejumlah kartu ini",
    ),
    (
        "Sync with this centre in the background (see `cetak sync`)",
        "Sinkronkan dengan pusat ini di latar belakang (lihat `cetak sync`)",
    ),
    (
        "The office has a UPS (carries it through cuts of up to 30 minutes)",
        "Kantor punya UPS (bertahan saat listrik padam sampai 30 menit)",
    ),
    (
        "Allow a plain http:// centre (the token and the records travel unencrypted)",
        "Izinkan pusat http:// biasa (token dan data berjalan tanpa enkripsi)",
    ),
    (
        "Write burn-down, cards-per-day and spoilage charts (SVG) into this folder",
        "Tulis grafik penurunan tunggakan, kartu per hari dan kartu rusak (SVG) ke folder ini",
    ),
    (
        "A new or empty folder for the demo's files: recordings.csv, truth.csv, cetak.db (created here), printer-P1/ and printer-P2/ (one PNG per card), blangko-YYYY-MM.csv and .pdf",
        "Folder baru atau kosong untuk berkas demo: recordings.csv, truth.csv, cetak.db (dibuat di sini), printer-P1/ dan printer-P2/ (satu PNG per kartu), blangko-TTTT-BB.csv dan .pdf",
    ),
    (
        "thermal (cetak's pacing) or fifo (full speed, no pacing)",
        "thermal (laju diatur cetak) atau fifo (kecepatan penuh, tanpa pengaturan laju)",
    ),
    // their subcommands
    (
        "List quarantined rows with reason code, message and the original bytes",
        "Daftar baris di karantina dengan kode alasan, keterangan dan isi aslinya",
    ),
    (
        "Check the whole hash chain; exits 1 naming the first bad entry",
        "Periksa seluruh rantai hash; keluar dengan kode 1 dan menyebut entri rusak yang pertama",
    ),
    (
        "The newest entry's position and hash: write it into the signed monthly report",
        "Nomor dan hash entri terbaru: tuliskan di laporan bulanan yang ditandatangani",
    ),
    ("The newest entries", "Entri-entri terbaru"),
    (
        "Pairs waiting for a decision, most likely first",
        "Pasangan yang menunggu keputusan, yang paling mungkin sama lebih dulu",
    ),
    (
        "Both recordings side by side, with the evidence per field",
        "Kedua perekaman berdampingan, dengan bukti per kolom",
    ),
    (
        "Decide a pair awaiting review: the same person or different people. Audited; never asked again. A pair linked automatically is overruled with `review overrule`",
        "Putuskan pasangan yang menunggu keputusan: orang yang sama atau orang berbeda. Tercatat di audit; tidak ditanyakan lagi. Pasangan yang ditautkan otomatis dibatalkan dengan `review overrule`",
    ),
    (
        "Overrule an automatic link: the two recordings are different people after all, and the linked recording goes back to the print queue. Needs a reason and a confirmation (`--yes`, or answering y on a terminal); audited",
        "Batalkan tautan otomatis: kedua perekaman ternyata orang berbeda, dan perekaman yang ditautkan kembali ke antrean cetak. Perlu alasan dan konfirmasi (`--yes`, atau menjawab y di terminal); tercatat di audit",
    ),
    (
        "recording_id,cluster_id for every recording: one cluster per person as decided so far",
        "recording_id,cluster_id untuk setiap perekaman: satu kelompok per orang sesuai keputusan sejauh ini",
    ),
    (
        "Add a card printer: its IPP URI (or dir:/path for a demo printer) and its profile",
        "Tambah printer kartu: URI IPP-nya (atau dir:/path untuk printer demo) dan profilnya",
    ),
    (
        "The printers, their profile and today's count",
        "Daftar printer, profilnya dan jumlah cetak hari ini",
    ),
    (
        "Stop giving a printer cards",
        "Hentikan sementara pengiriman kartu ke printer",
    ),
    (
        "Give a paused printer cards again",
        "Kirim kartu lagi ke printer yang dihentikan sementara",
    ),
    (
        "Print the queue on the office's printers until today's capacity is spent or the queue is empty. First reconciles attempts left open by a crash",
        "Cetak antrean di printer kantor sampai kapasitas hari ini habis atau antrean kosong. Lebih dulu menuntaskan percobaan cetak yang tertinggal karena gangguan",
    ),
    (
        "Printers, queue and what needs inspection",
        "Printer, antrean, dan yang perlu diperiksa",
    ),
    (
        "Record what a person found for an attempt the printer could not confirm",
        "Catat hasil pemeriksaan petugas untuk percobaan cetak yang tidak dapat dipastikan printer",
    ),
    (
        "A printed card turned out spoiled (melted, misprint, chip failure…): reprint it on a new blank and tell the printer's duty cycle",
        "KTP-el yang sudah dicetak ternyata rusak (meleleh, salah cetak, chip rusak…): cetak ulang pada blangko baru dan perhitungkan beban kerja printer",
    ),
    (
        "Move a record to the front of the queue (supervisor)",
        "Pindahkan data ke depan antrean (penyelia)",
    ),
    (
        "A resident's card was lost or damaged: revoke it and queue a replacement",
        "KTP-el warga hilang atau rusak: cabut dan antrekan penggantinya",
    ),
    (
        "Receive a batch of blank cards (serials FIRST..=LAST)",
        "Terima satu kiriman blangko (nomor seri FIRST..=LAST)",
    ),
    (
        "Prove received = issued + spoiled + on hand + missing, naming any serial that breaks it",
        "Buktikan diterima = menjadi KTP-el + rusak + tersedia + hilang, dengan menyebut setiap nomor seri yang tidak cocok",
    ),
    ("Batches received", "Kiriman blangko yang diterima"),
    (
        "A blank was not found at a count",
        "Blangko tidak ditemukan saat penghitungan",
    ),
    (
        "A missing blank turned up",
        "Blangko yang hilang ditemukan kembali",
    ),
    (
        "An unused blank was damaged (in storage or while loading): spoiled with a cause",
        "Blangko yang belum terpakai rusak (di gudang atau saat dimuat): dicatat rusak dengan penyebabnya",
    ),
    (
        "The monthly blank-usage report (counts by cause, serial lists), as CSV and PDF",
        "Laporan bulanan penggunaan blangko (jumlah per penyebab, daftar nomor seri), sebagai CSV dan PDF",
    ),
    (
        "Render one record's card front",
        "Buat gambar tampak depan kartu satu data",
    ),
    (
        "Create an account. The password comes from CETAK_PASSWORD, or one line piped in on stdin; otherwise (a terminal, or nothing piped in) a random one is made and printed once",
        "Buat akun. Kata sandi diambil dari CETAK_PASSWORD, atau satu baris yang dialirkan ke stdin; jika tidak (di terminal, atau tidak ada yang dialirkan) dibuat kata sandi acak dan ditampilkan sekali",
    ),
    ("The accounts", "Daftar akun"),
    (
        "Serve HTTPS with this certificate chain (PEM); without it, plain HTTP for a TLS proxy in front",
        "Layani HTTPS dengan rantai sertifikat ini (PEM); tanpa itu, HTTP biasa untuk proksi TLS di depannya",
    ),
    (
        "The certificate's private key (PEM)",
        "Kunci privat sertifikat itu (PEM)",
    ),
    (
        "Trust only this certificate authority (PEM) for the centre (a private CA), not the public ones",
        "Hanya percayai otoritas sertifikat ini (PEM) untuk pusat (CA sendiri), bukan yang publik",
    ),
    (
        "Write a verified copy of the database into a folder (online; keeps the newest few)",
        "Tulis salinan basis data yang sudah diperiksa ke sebuah folder (sambil tetap bekerja; menyimpan beberapa yang terbaru)",
    ),
    (
        "Put a backup in place of the database (refused while `cetak serve` uses it)",
        "Pasang cadangan menggantikan basis data (ditolak selama `cetak serve` memakainya)",
    ),
    (
        "Folder for the backup (e.g. a USB disk); made if missing",
        "Folder untuk cadangan (mis. diska USB); dibuat bila belum ada",
    ),
    (
        "Backups to keep in that folder (the oldest beyond this are removed)",
        "Jumlah cadangan yang disimpan di folder itu (yang lebih lama dihapus)",
    ),
    (
        "The backup file (from `cetak backup`)",
        "Berkas cadangan (dari `cetak backup`)",
    ),
    (
        "Give an office a new token, or revoke its token",
        "Beri kantor token baru, atau cabut tokennya",
    ),
    (
        "Make a new token (the old one stops working at once); prints it once",
        "Buat token baru (yang lama langsung tidak berlaku); ditampilkan sekali",
    ),
    (
        "Revoke the office's token (its syncs are refused until a new one is made)",
        "Cabut token kantor (sinkronisasinya ditolak sampai token baru dibuat)",
    ),
    (
        "Serve the sync protocol (v2) to offices",
        "Layani protokol sinkronisasi (v2) untuk kantor-kantor",
    ),
    (
        "Register an office; prints its secret token once",
        "Daftarkan kantor; token rahasianya ditampilkan sekali",
    ),
    (
        "Queue print-ready records for an office (a CSV in import contract 1.1)",
        "Antrekan data siap cetak untuk sebuah kantor (CSV menurut kontrak impor 1.1)",
    ),
    (
        "The chip: document-signer keys on the office's token, and checking a chip dump",
        "Chip: kunci penanda tangan dokumen di token kantor, dan pemeriksaan salinan chip",
    ),
    (
        "The document-signer key on the office's PKCS#11 token: init, show, rotate, import-cert",
        "Kunci penanda tangan dokumen di token PKCS#11 kantor: init, show, rotate, import-cert",
    ),
    (
        "Check a chip dump (CETAKCHIP1): passive authentication against the trusted CA; exit 0 when it holds, 1 when it does not, 2 when the file is malformed",
        "Periksa salinan chip (CETAKCHIP1): autentikasi pasif terhadap CA tepercaya; keluar 0 bila berhasil, 1 bila gagal, 2 bila berkasnya rusak",
    ),
    (
        "The PKCS#11 module (the HSM's library)",
        "Modul PKCS#11 (pustaka HSM)",
    ),
    ("The token's label", "Label token"),
    (
        "A file whose first line is the token's user PIN",
        "Berkas yang baris pertamanya PIN pengguna token",
    ),
    (
        "The signing CA's certificate (PEM), for a test or demo CA that signs here",
        "Sertifikat CA penanda tangan (PEM), untuk CA uji atau demo yang menandatangani di sini",
    ),
    (
        "The signing CA's private key (PEM), for a test or demo CA that signs here",
        "Kunci privat CA penanda tangan (PEM), untuk CA uji atau demo yang menandatangani di sini",
    ),
    (
        "Write a certificate request (PEM) for the CA here instead of signing with a local CA",
        "Tulis permintaan sertifikat (PEM) untuk CA ke sini, alih-alih ditandatangani CA lokal",
    ),
    ("The document signer's name", "Nama penanda tangan dokumen"),
    (
        "How long the certificate is valid, in days (local CA only)",
        "Masa berlaku sertifikat, dalam hari (hanya CA lokal)",
    ),
    (
        "Make the document-signer key on the token, with its certificate (local CA) or a CSR",
        "Buat kunci penanda tangan dokumen di token, dengan sertifikatnya (CA lokal) atau CSR",
    ),
    (
        "The current document-signer certificate: subject, issuer, validity, where the key is",
        "Sertifikat penanda tangan dokumen saat ini: subjek, penerbit, masa berlaku, letak kunci",
    ),
    (
        "Make a new key and certificate; the old private key is destroyed",
        "Buat kunci dan sertifikat baru; kunci privat lama dimusnahkan",
    ),
    (
        "Store the CA's certificate for the key whose CSR was sent",
        "Simpan sertifikat dari CA untuk kunci yang CSR-nya sudah dikirim",
    ),
    (
        "Write what was encoded on a blank's chip to a dump file (CETAKCHIP1)",
        "Tulis isi yang dikodekan pada chip sebuah blangko ke berkas salinan (CETAKCHIP1)",
    ),
    ("The blank's serial number", "Nomor seri blangko"),
    ("The dump file to write", "Berkas salinan yang ditulis"),
    (
        "The printer's chip encoder: pcsc:READER (a PC/SC reader's name), or none",
        "Penulis chip pada printer: pcsc:PEMBACA (nama pembaca PC/SC), atau none",
    ),
    (
        "The label of the token with the document-signer key, for printers with a chip encoder",
        "Label token berisi kunci penanda tangan dokumen, untuk printer dengan penulis chip",
    ),
    (
        "A file whose first line is the document-signer token's user PIN",
        "Berkas yang baris pertamanya PIN pengguna token penanda tangan dokumen",
    ),
    (
        "The PKCS#11 module of the document-signer token",
        "Modul PKCS#11 token penanda tangan dokumen",
    ),
    (
        "The signing CA's certificate a chip must chain to (may be given more than once)",
        "Sertifikat CA penanda tangan yang menjadi rantai chip (boleh lebih dari sekali)",
    ),
    (
        "The PC/SC reader at the hand-over counter (e.g. \"Virtual PCD 00 00\"): the hand-over page offers to check the card's chip (needs --chip-trust)",
        "Pembaca PC/SC di loket penyerahan (mis. \"Virtual PCD 00 00\"): halaman penyerahan menawarkan pemeriksaan chip kartu (perlu --chip-trust)",
    ),
    (
        "Seconds to wait for a blank in a printer's chip encoder",
        "Detik menunggu blangko di penulis chip printer",
    ),
    (
        "The certificate the CA issued (PEM or DER)",
        "Sertifikat yang diterbitkan CA (PEM atau DER)",
    ),
    ("The chip dump to check", "Salinan chip yang diperiksa"),
    (
        "Encode each card's chip on the virtual reader (pcscd + vsmartcard-vpcd, a SoftHSM2 token in the folder): auto (when installed), on, off",
        "Tulis chip setiap kartu di pembaca virtual (pcscd + vsmartcard-vpcd, token SoftHSM2 di folder): auto (bila terpasang), on, off",
    ),
    (
        "Read the card in this PC/SC reader instead (e.g. \"Virtual PCD 00 00\")",
        "Baca kartu di pembaca PC/SC ini sebagai gantinya (mis. \"Virtual PCD 00 00\")",
    ),
    (
        "With --reader: compare the chip with the one the books kept for this resident's card",
        "Dengan --reader: bandingkan chip dengan yang tercatat di kantor untuk kartu warga ini",
    ),
    (
        "With --reader: seconds to wait for a card in the reader",
        "Dengan --reader: detik menunggu kartu di pembaca",
    ),
    (
        "Write the chip's face photo (DG2, JPEG) to this file",
        "Tulis foto wajah dari chip (DG2, JPEG) ke berkas ini",
    ),
    (
        "A trusted CA certificate (PEM or DER); may be given more than once",
        "Sertifikat CA tepercaya (PEM atau DER); boleh diberikan lebih dari sekali",
    ),
];
