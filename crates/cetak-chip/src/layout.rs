//! What the chip holds: EF.COM, DG1 (demographic data), DG2 (face), DG3 (fingerprint templates),
//! DG7 (signature image) and EF.SOD, laid out in the ICAO 9303 LDS style so that a reader that
//! knows eMRTDs recognises the structure. The contents of DG1 are the E-KTP's own (documented
//! in `docs/chip.md`); the biometric DGs carry the registry's bytes unchanged.
//!
//! Encoding is deterministic: the same fields and media give byte-identical DGs (goldens).

use std::collections::BTreeMap;

use crate::ChipError;
use crate::tlv;

/// ICAO application tags of the elementary files' outer templates.
pub const TAG_COM: u32 = 0x60;
/// DG1's outer tag.
pub const TAG_DG1: u32 = 0x61;
/// DG2's outer tag.
pub const TAG_DG2: u32 = 0x75;
/// DG3's outer tag.
pub const TAG_DG3: u32 = 0x63;
/// DG7's outer tag.
pub const TAG_DG7: u32 = 0x67;
/// EF.SOD's outer tag (wraps the CMS ContentInfo).
pub const TAG_SOD: u32 = 0x77;

/// File id of EF.COM.
pub const FID_COM: u16 = 0x011E;
/// File id of EF.SOD.
pub const FID_SOD: u16 = 0x011D;

/// The data groups an E-KTP chip carries, in order.
pub const DATA_GROUPS: [u8; 4] = [1, 2, 3, 7];

/// The file id of data group `n` (ICAO: `01nn`).
pub fn dg_fid(n: u8) -> u16 {
    0x0100 | u16::from(n)
}

/// The outer tag of data group `n`.
pub fn dg_tag(n: u8) -> Option<u32> {
    match n {
        1 => Some(TAG_DG1),
        2 => Some(TAG_DG2),
        3 => Some(TAG_DG3),
        7 => Some(TAG_DG7),
        _ => None,
    }
}

/// DG1's fields: `(tag, record column, English label)`. Private-class primitive tags `C1`–`D2`,
/// each value UTF-8 text, in this order. `C0` is the layout version (`"1"`).
pub const DG1_FIELDS: [(u8, &str, &str); 18] = [
    (0xC1, "nik", "NIK"),
    (0xC2, "nama", "name"),
    (0xC3, "tempat_lahir", "birth place"),
    (0xC4, "tanggal_lahir", "birth date"),
    (0xC5, "jenis_kelamin", "sex"),
    (0xC6, "golongan_darah", "blood type"),
    (0xC7, "alamat", "address"),
    (0xC8, "rt", "RT"),
    (0xC9, "rw", "RW"),
    (0xCA, "kelurahan", "kelurahan/desa"),
    (0xCB, "kecamatan", "kecamatan"),
    (0xCC, "kabupaten_kota", "kabupaten/kota"),
    (0xCD, "provinsi", "provinsi"),
    (0xCE, "agama", "religion"),
    (0xCF, "status_perkawinan", "marital status"),
    (0xD0, "pekerjaan", "occupation"),
    (0xD1, "kewarganegaraan", "citizenship"),
    (0xD2, "berlaku_hingga", "valid until"),
];

/// The DG1 layout version written in tag `C0`.
pub const DG1_VERSION: &str = "1";

/// The validity printed on E-KTPs issued since 2016 (Perpres 112/2013 as amended).
pub const SEUMUR_HIDUP: &str = "SEUMUR HIDUP";

/// The demographic fields of one card, by record column name (`nik`, `nama`, …, and
/// `berlaku_hingga`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CardFields {
    values: BTreeMap<String, String>,
}

impl CardFields {
    /// From `Store::record_fields` (column, value) pairs; columns DG1 does not carry are
    /// ignored; `berlaku_hingga` defaults to `SEUMUR HIDUP`.
    pub fn from_record<K: AsRef<str>, V: AsRef<str>>(fields: &[(K, V)]) -> CardFields {
        let mut values = BTreeMap::new();
        for (k, v) in fields {
            if DG1_FIELDS.iter().any(|f| f.1 == k.as_ref()) {
                values.insert(k.as_ref().to_string(), v.as_ref().to_string());
            }
        }
        values
            .entry("berlaku_hingga".to_string())
            .or_insert_with(|| SEUMUR_HIDUP.to_string());
        CardFields { values }
    }

    /// A field's value (empty when absent).
    pub fn get(&self, column: &str) -> &str {
        self.values.get(column).map(String::as_str).unwrap_or("")
    }

    /// Sets a field (a DG1 column).
    pub fn set(&mut self, column: &str, value: &str) {
        self.values.insert(column.to_string(), value.to_string());
    }

    /// All DG1 fields in layout order: `(column, English label, value)`.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &'static str, &str)> {
        DG1_FIELDS.iter().map(|(_, c, l)| (*c, *l, self.get(c)))
    }

    /// DG1's bytes.
    pub fn to_dg1(&self) -> Result<Vec<u8>, ChipError> {
        let nik = self.get("nik");
        if nik.len() != 16 || !nik.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ChipError::Input(format!(
                "NIK must be 16 digits, got {nik:?}"
            )));
        }
        let mut out = Vec::new();
        tlv::nest(&mut out, TAG_DG1, |o| {
            tlv::put(o, 0xC0, DG1_VERSION.as_bytes());
            for (tag, column, _) in DG1_FIELDS {
                tlv::put(o, u32::from(tag), self.get(column).as_bytes());
            }
        });
        Ok(out)
    }

    /// Reads DG1 back.
    pub fn from_dg1(dg1: &[u8]) -> Result<CardFields, ChipError> {
        let inner = tlv::expect(dg1, TAG_DG1, "DG1")?;
        let mut values = BTreeMap::new();
        for t in tlv::all(inner)? {
            if t.tag == 0xC0 {
                if t.value != DG1_VERSION.as_bytes() {
                    return Err(ChipError::Malformed(format!(
                        "DG1 layout version {:?} unknown",
                        String::from_utf8_lossy(t.value)
                    )));
                }
                continue;
            }
            let Some((_, column, _)) = DG1_FIELDS.iter().find(|f| u32::from(f.0) == t.tag) else {
                continue; // a later layout's field: skipped, not an error
            };
            let text = std::str::from_utf8(t.value)
                .map_err(|_| ChipError::Malformed(format!("DG1 {column} is not UTF-8")))?;
            values.insert(column.to_string(), text.to_string());
        }
        Ok(CardFields { values })
    }
}

/// The person's media for the chip, as the registry stores them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CardMedia {
    /// The face photo (JPEG), as is.
    pub foto: Vec<u8>,
    /// The signature image (PNG), as is.
    pub tanda_tangan: Vec<u8>,
    /// ISO/IEC 19794-2 templates by ISO finger position (2 = right index, 7 = left index).
    pub jari: BTreeMap<u8, Vec<u8>>,
}

/// ICAO biometric type codes (9303-10, CBEFF).
const BIO_FACE: u8 = 0x02;
const BIO_FINGER: u8 = 0x08;

/// One biometric item: (type, subtype, format owner, format type, data).
type BioItem<'a> = (u8, u8, [u8; 2], [u8; 2], &'a [u8]);

/// A biometric information group template (`7F61`) with one `7F60` per item: the header
/// (`A1`: `81` type, `82` subtype, `87` format owner, `88` format type) and the data (`5F2E`).
fn bio_group(items: &[BioItem<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    tlv::nest(&mut out, 0x7F61, |o| {
        tlv::put(o, 0x02, &[items.len() as u8]);
        for (kind, subtype, owner, format, data) in items {
            tlv::nest(o, 0x7F60, |b| {
                tlv::nest(b, 0xA1, |h| {
                    tlv::put(h, 0x81, &[*kind]);
                    tlv::put(h, 0x82, &[*subtype]);
                    tlv::put(h, 0x87, owner);
                    tlv::put(h, 0x88, format);
                });
                tlv::put(b, 0x5F2E, data);
            });
        }
    });
    out
}

/// Reads a `7F61` group back: `(subtype, data)` per item.
fn read_bio_group(buf: &[u8]) -> Result<Vec<(u8, Vec<u8>)>, ChipError> {
    let inner = tlv::expect(buf, 0x7F61, "biometric group")?;
    let mut out = Vec::new();
    for t in tlv::all(inner)? {
        if t.tag != 0x7F60 {
            continue;
        }
        let mut subtype = 0;
        let mut data = None;
        for f in tlv::all(t.value)? {
            match f.tag {
                0xA1 => {
                    for h in tlv::all(f.value)? {
                        if h.tag == 0x82 {
                            subtype = h.value.first().copied().unwrap_or(0);
                        }
                    }
                }
                0x5F2E => data = Some(f.value.to_vec()),
                _ => {}
            }
        }
        let data =
            data.ok_or_else(|| ChipError::Malformed("biometric template without 5F2E".into()))?;
        out.push((subtype, data));
    }
    Ok(out)
}

impl CardMedia {
    /// DG2: the face photo in one biometric template.
    pub fn to_dg2(&self) -> Result<Vec<u8>, ChipError> {
        if !self.foto.starts_with(&[0xFF, 0xD8]) {
            return Err(ChipError::Input("the photo is not a JPEG".into()));
        }
        let mut out = Vec::new();
        // Format owner 0x0101 (ISO/IEC JTC1 SC37), type 0x0008 (face image, 19794-5).
        let group = bio_group(&[(BIO_FACE, 0, [1, 1], [0, 8], &self.foto)]);
        tlv::put(&mut out, TAG_DG2, &group);
        Ok(out)
    }

    /// DG3: the fingerprint templates, one biometric template per finger; the subtype byte is the
    /// ISO finger position.
    pub fn to_dg3(&self) -> Result<Vec<u8>, ChipError> {
        if self.jari.is_empty() {
            return Err(ChipError::Input("no fingerprint template".into()));
        }
        let items: Vec<BioItem<'_>> = self
            .jari
            .iter()
            .map(|(pos, t)| (BIO_FINGER, *pos, [1, 1], [0, 2], t.as_slice()))
            .collect();
        let mut out = Vec::new();
        tlv::put(&mut out, TAG_DG3, &bio_group(&items));
        Ok(out)
    }

    /// DG7: the displayed signature (ICAO `5F43`).
    pub fn to_dg7(&self) -> Result<Vec<u8>, ChipError> {
        if !self.tanda_tangan.starts_with(b"\x89PNG") {
            return Err(ChipError::Input("the signature is not a PNG".into()));
        }
        let mut out = Vec::new();
        tlv::nest(&mut out, TAG_DG7, |o| {
            tlv::put(o, 0x02, &[1]);
            tlv::put(o, 0x5F43, &self.tanda_tangan);
        });
        Ok(out)
    }

    /// The photo from DG2.
    pub fn foto_from_dg2(dg2: &[u8]) -> Result<Vec<u8>, ChipError> {
        let group = tlv::expect(dg2, TAG_DG2, "DG2")?;
        read_bio_group(group)?
            .into_iter()
            .next()
            .map(|(_, d)| d)
            .ok_or_else(|| ChipError::Malformed("DG2 holds no image".into()))
    }

    /// The templates from DG3, by finger position.
    pub fn jari_from_dg3(dg3: &[u8]) -> Result<BTreeMap<u8, Vec<u8>>, ChipError> {
        let group = tlv::expect(dg3, TAG_DG3, "DG3")?;
        Ok(read_bio_group(group)?.into_iter().collect())
    }

    /// The signature image from DG7.
    pub fn tanda_tangan_from_dg7(dg7: &[u8]) -> Result<Vec<u8>, ChipError> {
        let inner = tlv::expect(dg7, TAG_DG7, "DG7")?;
        tlv::all(inner)?
            .into_iter()
            .find(|t| t.tag == 0x5F43)
            .map(|t| t.value.to_vec())
            .ok_or_else(|| ChipError::Malformed("DG7 holds no image".into()))
    }
}

/// EF.COM: LDS version 1.8, Unicode 4.0.0, and the tags of the present DGs.
pub fn ef_com(dgs: &[u8]) -> Vec<u8> {
    let tags: Vec<u8> = dgs
        .iter()
        .filter_map(|n| dg_tag(*n))
        .map(|t| t as u8)
        .collect();
    let mut out = Vec::new();
    tlv::nest(&mut out, TAG_COM, |o| {
        tlv::put(o, 0x5F01, b"0108");
        tlv::put(o, 0x5F36, b"040000");
        tlv::put(o, 0x5C, &tags);
    });
    out
}

/// The DG numbers EF.COM lists.
pub fn ef_com_groups(com: &[u8]) -> Result<Vec<u8>, ChipError> {
    let inner = tlv::expect(com, TAG_COM, "EF.COM")?;
    let list = tlv::all(inner)?
        .into_iter()
        .find(|t| t.tag == 0x5C)
        .ok_or_else(|| ChipError::Malformed("EF.COM has no tag list (5C)".into()))?;
    list.value
        .iter()
        .map(|tag| {
            DATA_GROUPS
                .iter()
                .copied()
                .find(|n| dg_tag(*n) == Some(u32::from(*tag)))
                .ok_or_else(|| ChipError::Malformed(format!("EF.COM lists unknown tag {tag:#x}")))
        })
        .collect()
}
