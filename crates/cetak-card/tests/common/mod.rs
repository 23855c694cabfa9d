//! Helpers shared by the integration tests.
#![allow(dead_code)]

use cetak_card::{CardFields, example_card};

/// A card whose name and address need two lines (and shrinking), with long region names.
pub fn long_card() -> CardFields {
    CardFields {
        provinsi: "KEPULAUAN BANGKA BELITUNG DAN SEKITARNYA YANG SANGAT PANJANG SEKALI".into(),
        kota: "KABUPATEN PENUKAL ABAB LEMATANG ILIR".into(),
        nama: "RADEN MAS MUHAMMAD ABDURRAHMAN WAHYUDI KUSUMANINGRAT HADIPRAWIRO SASTRODIHARJO PUTRA"
            .into(),
        tempat_lahir: "PANGKALAN BALAI KABUPATEN BANYUASIN".into(),
        alamat: "JL. KOLONEL H. BARLIAN LORONG SUKA DAMAI II KOMPLEK PERUMAHAN GRIYA HARAPAN INDAH BLOK C NO. 127 KM 7 SUKARAMI PALEMBANG".into(),
        kel_desa: "KEBUN BUNGA".into(),
        kecamatan: "SUKARAMI".into(),
        pekerjaan: "KARYAWAN BADAN USAHA MILIK NEGARA (BUMN) DAN DAERAH".into(),
        status_perkawinan: "CERAI MATI".into(),
        footer: Some("BLANGKO 9876543210".into()),
        ..example_card()
    }
}

/// Decodes a PNG into (width, height, RGB bytes).
pub fn decode_rgb(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("png frame");
    buf.truncate(info.buffer_size());
    let rgb = match info.color_type {
        png::ColorType::Rgb => buf,
        png::ColorType::Rgba => buf
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect(),
        other => panic!("unexpected colour type {other:?}"),
    };
    (info.width, info.height, rgb)
}
