//! A generated backlog as dedup input, with the generator's truth.

use cetak_dedup::Recording;
use cetak_domain::record::Record;
use cetak_gen::{GenConfig, generate};

pub fn recording(v: &Record) -> Recording {
    Recording {
        id: v.recording_id.clone(),
        nik: v.nik.to_string(),
        nama: v.nama.clone(),
        tanggal_lahir: v.tanggal_lahir.to_string(),
        female: v.jenis_kelamin == cetak_domain::nik::Sex::Perempuan,
        tempat_lahir: v.tempat_lahir.clone(),
        nama_ibu: v.nama_ibu.clone(),
        alamat: v.alamat.clone(),
        kelurahan: cetak_domain::regions::regions()
            .palembang_kelurahan_code(&v.kecamatan, &v.kelurahan)
            .unwrap_or(v.kelurahan.clone()),
        recorded_at: v.recorded_at_rfc3339().to_string(),
        has_card: false,
        needs_correction: false,
    }
}

pub fn backlog(rows: u64, seed: u64) -> (Vec<Recording>, Vec<String>) {
    let (mut rec, mut tru) = (Vec::new(), Vec::new());
    generate(
        &GenConfig {
            rows,
            seed,
            ..GenConfig::default()
        },
        &mut rec,
        &mut tru,
        &mut |_| {},
    )
    .expect("gen");
    let mut out = Vec::new();
    let mut r = csv::Reader::from_reader(rec.as_slice());
    for row in r.records() {
        let row = row.expect("csv");
        let fields: [&str; 22] = std::array::from_fn(|i| &row[i]);
        let v = Record::validate(&fields).expect("valid");
        out.push(recording(&v));
    }
    let mut truth = Vec::new();
    let mut t = csv::Reader::from_reader(tru.as_slice());
    for row in t.records() {
        truth.push(row.expect("csv")[1].to_string());
    }
    (out, truth)
}
