//! Bahasa Indonesia by default, English on request: every sentence the binary prints is
//! written in both, side by side, where it is used.

use std::sync::atomic::{AtomicBool, Ordering};

static ENGLISH: AtomicBool = AtomicBool::new(false);

pub fn set_lang(lang: &str) {
    ENGLISH.store(lang == "en", Ordering::Relaxed);
}

/// Pick the sentence for the chosen language.
pub fn t<'a>(id: &'a str, en: &'a str) -> &'a str {
    if ENGLISH.load(Ordering::Relaxed) {
        en
    } else {
        id
    }
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

const HELP_ID: &[(&str, &str)] = &[
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
        "Log audit yang menampakkan setiap perubahan",
    ),
    (
        "Find duplicate recordings (data ganda) across the registry; link the certain ones",
        "Cari data ganda di seluruh register; tautkan yang sudah pasti",
    ),
    (
        "The supervisor's queue of unclear duplicate pairs",
        "Antrean supervisor untuk pasangan data ganda yang belum jelas",
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
        "Buat gambar muka kartu sebuah data (PNG atau PDF) tanpa mencetaknya",
    ),
    (
        "Run the office server: operator pages, the resident page, the JSON API",
        "Jalankan server kantor: halaman petugas, halaman warga, API JSON",
    ),
    (
        "Office accounts (operator, supervisor, admin)",
        "Akun kantor (operator, supervisor, admin)",
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
        "Where a resident's card is, by NIK",
        "Posisi KTP-el seorang warga, menurut NIK",
    ),
    (
        "The Palembang office demo in a fresh folder: generate the 2015 backlog, import it, find duplicates, print the first day on two folder printers, hand over a few cards, reconcile the blanks, write the monthly report, verify the audit log, summarise — then serve the office pages (`--no-serve`: stop after the summary)",
        "Demo kantor Palembang di folder baru: buat tunggakan 2015, impor, cari data ganda, cetak hari pertama di dua printer folder, serahkan beberapa kartu, rekonsiliasi blangko, tulis laporan bulanan, periksa log audit, ringkas — lalu jalankan halaman kantor (`--no-serve`: berhenti setelah ringkasan)",
    ),
    (
        "Print this message or the help of the given subcommand(s)",
        "Tampilkan pesan ini atau bantuan subperintah yang disebut",
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
        "Putuskan pasangan yang menunggu verifikasi: orang yang sama atau orang berbeda. Tercatat di audit; tidak ditanyakan lagi. Pasangan yang ditautkan otomatis dibatalkan dengan `review overrule`",
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
        "Kartu yang sudah dicetak ternyata rusak (meleleh, salah cetak, chip gagal…): cetak ulang di blangko baru dan perhitungkan beban printer",
    ),
    (
        "Move a record to the front of the queue (supervisor)",
        "Pindahkan data ke depan antrean (supervisor)",
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
        "Buktikan diterima = terpakai + rusak + ada + hilang, dengan menyebut setiap nomor seri yang tidak cocok",
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
        "Buat gambar muka kartu satu data",
    ),
    (
        "Create an account. The password comes from CETAK_PASSWORD, or one line piped in on stdin; otherwise (a terminal, or nothing piped in) a random one is made and printed once",
        "Buat akun. Kata sandi diambil dari CETAK_PASSWORD, atau satu baris yang dialirkan ke stdin; jika tidak (di terminal, atau tidak ada yang dialirkan) dibuat kata sandi acak dan ditampilkan sekali",
    ),
    ("The accounts", "Daftar akun"),
    (
        "Serve the sync protocol (v1) to offices",
        "Layani protokol sinkronisasi (v1) untuk kantor-kantor",
    ),
    (
        "Register an office; prints its secret token once",
        "Daftarkan kantor; token rahasianya ditampilkan sekali",
    ),
    (
        "Queue print-ready records for an office (a CSV in import contract v1)",
        "Antrekan data siap cetak untuk sebuah kantor (CSV menurut kontrak impor v1)",
    ),
];
