//! The resident record as the import contract delivers it, and its validation.
//!
//! Validation is pure: 22 strings in, a [`Record`] with its [`Warning`]s or one [`Rejection`]
//! out. The reason codes are part of the quarantine contract (`docs/import-contract.md`).

use std::fmt;

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use crate::nik::{Nik, NikError, NikWarning, Sex};
use crate::values::{ListField, Match, value_lists};

/// The import contract's columns, v1, in order.
pub const COLUMNS: [&str; 22] = [
    "recording_id",
    "nik",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "golongan_darah",
    "alamat",
    "rt",
    "rw",
    "kelurahan",
    "kecamatan",
    "kabupaten_kota",
    "provinsi",
    "agama",
    "status_perkawinan",
    "pekerjaan",
    "kewarganegaraan",
    "nama_ibu",
    "recorded_at",
    "recording_site",
    "jenis_permohonan",
];

/// A valid row in [`COLUMNS`] order: a resident of kelurahan 35 Ilir, Palembang. Tests across
/// the workspace start from it.
pub const EXAMPLE_ROW: [&str; 22] = [
    "PLG00000001",
    "1671014508900001",
    "SITI AMINAH",
    "PALEMBANG",
    "1990-08-05",
    "PEREMPUAN",
    "O",
    "JL. MERDEKA NO. 12",
    "003",
    "004",
    "35 ILIR",
    "ILIR BARAT II",
    "KOTA PALEMBANG",
    "SUMATERA SELATAN",
    "ISLAM",
    "KAWIN",
    "MENGURUS RUMAH TANGGA",
    "WNI",
    "FATIMAH",
    "2013-05-02T09:15:00+07:00",
    "DISDUKCAPIL KOTA PALEMBANG",
    "BARU",
];

/// Index of each column in [`COLUMNS`].
#[allow(missing_docs)]
pub mod col {
    pub const RECORDING_ID: usize = 0;
    pub const NIK: usize = 1;
    pub const NAMA: usize = 2;
    pub const TEMPAT_LAHIR: usize = 3;
    pub const TANGGAL_LAHIR: usize = 4;
    pub const JENIS_KELAMIN: usize = 5;
    pub const GOLONGAN_DARAH: usize = 6;
    pub const ALAMAT: usize = 7;
    pub const RT: usize = 8;
    pub const RW: usize = 9;
    pub const KELURAHAN: usize = 10;
    pub const KECAMATAN: usize = 11;
    pub const KABUPATEN_KOTA: usize = 12;
    pub const PROVINSI: usize = 13;
    pub const AGAMA: usize = 14;
    pub const STATUS_PERKAWINAN: usize = 15;
    pub const PEKERJAAN: usize = 16;
    pub const KEWARGANEGARAAN: usize = 17;
    pub const NAMA_IBU: usize = 18;
    pub const RECORDED_AT: usize = 19;
    pub const RECORDING_SITE: usize = 20;
    pub const JENIS_PERMOHONAN: usize = 21;
}

/// Machine-readable reason a row is quarantined. The string forms are a stable contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// Bytes that are not UTF-8 (e.g. a Latin-1 export).
    InvalidUtf8,
    /// A NUL byte inside the row.
    NulByte,
    /// More or fewer fields than the header.
    FieldCount,
    /// The row exceeds the size limit (a runaway quote or a huge field).
    RecordTooLarge,
    /// The file ends inside a quoted field.
    UnterminatedQuote,
    /// An NDJSON line that is not a JSON object.
    InvalidJson,
    /// An NDJSON value that is not a string.
    WrongType,
    /// An NDJSON object without a contract key.
    MissingField,
    /// An NDJSON object with a key outside the contract.
    UnknownField,
    /// A required field is empty.
    EmptyField,
    /// A field longer than its limit.
    TooLong,
    /// Characters that cannot appear in this field (markup, control characters, ...).
    InvalidCharacters,
    /// The NIK does not have 16 characters.
    NikLength,
    /// The NIK holds something other than digits.
    NikNotDigits,
    /// The NIK's province is unknown.
    NikUnknownProvince,
    /// The NIK's kabupaten/kota is unknown.
    NikUnknownKota,
    /// The NIK's kecamatan is unknown.
    NikUnknownKecamatan,
    /// The NIK's date part is impossible.
    NikInvalidDate,
    /// The NIK's serial is 0000.
    NikSerialZero,
    /// A date that does not exist or is not `YYYY-MM-DD`.
    InvalidDate,
    /// Birth date after the recording, or before 1900.
    ImplausibleDate,
    /// A value outside its list.
    InvalidValue,
    /// RT/RW not 1–3 digits.
    InvalidRtRw,
    /// `recorded_at` not ISO-8601 with an offset.
    InvalidTimestamp,
    /// A Palembang kelurahan that does not lie in the given kecamatan.
    UnknownKelurahan,
    /// A `recording_id` already in the registry with different content.
    ConflictingRecording,
}

impl ReasonCode {
    /// The stable string form.
    pub fn as_str(self) -> &'static str {
        use ReasonCode::*;
        match self {
            InvalidUtf8 => "invalid_utf8",
            NulByte => "nul_byte",
            FieldCount => "field_count",
            RecordTooLarge => "record_too_large",
            UnterminatedQuote => "unterminated_quote",
            InvalidJson => "invalid_json",
            WrongType => "wrong_type",
            MissingField => "missing_field",
            UnknownField => "unknown_field",
            EmptyField => "empty_field",
            TooLong => "too_long",
            InvalidCharacters => "invalid_characters",
            NikLength => "nik_length",
            NikNotDigits => "nik_not_digits",
            NikUnknownProvince => "nik_unknown_province",
            NikUnknownKota => "nik_unknown_kota",
            NikUnknownKecamatan => "nik_unknown_kecamatan",
            NikInvalidDate => "nik_invalid_date",
            NikSerialZero => "nik_serial_zero",
            InvalidDate => "invalid_date",
            ImplausibleDate => "implausible_date",
            InvalidValue => "invalid_value",
            InvalidRtRw => "invalid_rt_rw",
            InvalidTimestamp => "invalid_timestamp",
            UnknownKelurahan => "unknown_kelurahan",
            ConflictingRecording => "conflicting_recording",
        }
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a row cannot enter the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Machine-readable reason.
    pub code: ReasonCode,
    /// The contract column at fault, if one is.
    pub field: Option<&'static str>,
    /// A sentence for the operator.
    pub message: String,
}

impl Rejection {
    /// A rejection not tied to one field.
    pub fn row(code: ReasonCode, message: impl Into<String>) -> Rejection {
        Rejection {
            code,
            field: None,
            message: message.into(),
        }
    }

    fn field(code: ReasonCode, column: usize, message: impl Into<String>) -> Rejection {
        Rejection {
            code,
            field: Some(COLUMNS[column]),
            message: message.into(),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field {
            Some(field) => write!(f, "{} ({field}): {}", self.code, self.message),
            None => write!(f, "{}: {}", self.code, self.message),
        }
    }
}

/// Something accepted but worth a look. Stored with the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Warning {
    /// The NIK's date differs from `tanggal_lahir` (the NIK stays; it is lifelong).
    NikBirthDateMismatch,
    /// The NIK's +40 rule differs from `jenis_kelamin`.
    NikSexMismatch,
    /// A value list entry in an alternative spelling or code, stored in the reference spelling.
    ValueNormalised,
    /// Lower-case letters in a name, stored upper case as printed.
    CaseNormalised,
}

impl Warning {
    /// The stable string form.
    pub fn as_str(self) -> &'static str {
        match self {
            Warning::NikBirthDateMismatch => "nik_birth_date_mismatch",
            Warning::NikSexMismatch => "nik_sex_mismatch",
            Warning::ValueNormalised => "value_normalised",
            Warning::CaseNormalised => "case_normalised",
        }
    }
}

/// Kind of request: a first card or a replacement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum JenisPermohonan {
    /// First card.
    Baru,
    /// Replacement of a lost or damaged card.
    Penggantian,
}

impl JenisPermohonan {
    /// As in the contract.
    pub fn as_str(self) -> &'static str {
        match self {
            JenisPermohonan::Baru => "BARU",
            JenisPermohonan::Penggantian => "PENGGANTIAN",
        }
    }
}

/// One row of an import file: validated, or rejected with its original bytes.
#[derive(Debug)]
// Nearly every row is valid: boxing the record would cost an allocation per row for nothing.
#[allow(clippy::large_enum_variant)]
pub enum ImportRow {
    /// A row that passed validation.
    Valid {
        /// Line where the row starts (1-based; the header is line 1 in CSV).
        line: u64,
        /// The record.
        record: Record,
        /// The original bytes (kept so that a conflict with the registry can be quarantined).
        raw: Vec<u8>,
        /// Photo, signature and templates (contract v2); `None` for a v1 row, which carries
        /// none and is printed as before.
        media: Option<Box<crate::media::RowMedia>>,
    },
    /// A readable row with field problems: it enters the registry as it is, each problem kept,
    /// and waits for a correction (or for data ganda to find it a duplicate) while a printed
    /// field is not valid.
    NeedsCorrection {
        /// Line where the row starts.
        line: u64,
        /// The values as read (normalised where valid) and every problem.
        draft: Draft,
        /// The original bytes.
        raw: Vec<u8>,
        /// Photo, signature and templates (contract v2); `None` for a v1 row.
        media: Option<Box<crate::media::RowMedia>>,
    },
    /// A row that cannot be read as a recording: for the quarantine.
    Rejected {
        /// Line where the row starts.
        line: u64,
        /// The original bytes (only the first part of an oversized row).
        raw: Vec<u8>,
        /// Length of the original row in bytes.
        raw_len: u64,
        /// Why.
        rejection: Rejection,
    },
}

/// A validated resident record: every field printed on the card, in reference spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The enrollment's own id; the key for idempotent import.
    pub recording_id: String,
    /// The resident number.
    pub nik: Nik,
    /// Name as printed.
    pub nama: String,
    /// Place of birth.
    pub tempat_lahir: String,
    /// Date of birth.
    pub tanggal_lahir: Date,
    /// Sex.
    pub jenis_kelamin: Sex,
    /// Blood type (reference spelling).
    pub golongan_darah: &'static str,
    /// Street address.
    pub alamat: String,
    /// Rukun tetangga, three digits.
    pub rt: String,
    /// Rukun warga, three digits.
    pub rw: String,
    /// Kelurahan/desa.
    pub kelurahan: String,
    /// Kecamatan.
    pub kecamatan: String,
    /// Kabupaten/kota.
    pub kabupaten_kota: String,
    /// Provinsi.
    pub provinsi: String,
    /// Religion (reference spelling).
    pub agama: &'static str,
    /// Marital status (reference spelling).
    pub status_perkawinan: &'static str,
    /// Occupation (reference spelling).
    pub pekerjaan: &'static str,
    /// WNI or WNA.
    pub kewarganegaraan: &'static str,
    /// Mother's name (not printed; used to tell people apart).
    pub nama_ibu: String,
    /// When the enrollment was recorded.
    pub recorded_at: OffsetDateTime,
    /// Where it was recorded.
    pub recording_site: String,
    /// First card or replacement.
    pub jenis_permohonan: JenisPermohonan,
    /// What was accepted with a note.
    pub warnings: Vec<Warning>,
    /// `recorded_at` as stored (see [`Record::recorded_at_rfc3339`]); set by validation.
    recorded_at_utc: String,
    /// Digest of the normalised content (see [`Record::content_hash`]); set by validation.
    content_hash: [u8; 32],
}

/// Whether a problem in this contract column keeps a record from being printed. The card
/// follows the E-KTP: every field printed on it must be valid; `nama_ibu` is not printed (it
/// only helps tell people apart) and `recording_site` is only a note, so neither blocks.
/// `recorded_at` and `jenis_permohonan` are not printed either, but they steer which recording
/// survives and whether a card replaces another, so they block too.
pub fn blocks_printing(field: &str) -> bool {
    !matches!(field, "nama_ibu" | "recording_site")
}

/// One problem of a readable row: what the quarantine used to say about the whole row, now
/// kept per field with the field's original value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Machine-readable reason (the quarantine's codes).
    pub code: ReasonCode,
    /// The contract column at fault.
    pub field: &'static str,
    /// A sentence for the operator.
    pub message: String,
    /// The field as it arrived.
    pub original: String,
    /// Whether it keeps the record from being printed ([`blocks_printing`]).
    pub blocking: bool,
}

impl Problem {
    fn from_rejection(r: Rejection, original: &str) -> Problem {
        let field = r.field.unwrap_or(COLUMNS[col::RECORDING_ID]);
        Problem {
            code: r.code,
            field,
            message: r.message,
            original: original.to_string(),
            blocking: blocks_printing(field),
        }
    }
}

/// A readable row that did not pass validation: its 22 values (normalised where valid, as
/// they arrived — trimmed — where not) and every problem found, not only the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// Values in [`COLUMNS`] order; `fields[0]` is a valid `recording_id`.
    pub fields: [String; 22],
    /// Every problem, in column order.
    pub problems: Vec<Problem>,
    /// What was accepted with a note in the valid fields.
    pub warnings: Vec<Warning>,
    content_hash: [u8; 32],
}

impl Draft {
    /// The enrollment's id (always valid: a row without one cannot be read as a recording).
    pub fn recording_id(&self) -> &str {
        &self.fields[col::RECORDING_ID]
    }

    /// Whether a problem keeps the record from being printed.
    pub fn blocks_printing(&self) -> bool {
        self.problems.iter().any(|p| p.blocking)
    }

    /// A digest of the values as stored (see [`Record::content_hash`]).
    pub fn content_hash(&self) -> [u8; 32] {
        self.content_hash
    }

    /// Check every field of a row that failed [`Record::validate`], collecting all problems.
    /// `Err` when the row has no usable `recording_id` (it cannot be kept in the registry).
    pub fn collect(fields: &[&str; 22]) -> Result<Draft, Rejection> {
        use col::*;
        let mut v = Validator {
            fields,
            warnings: Vec::new(),
        };
        let recording_id = v.text(RECORDING_ID, Charset::Id, MAX_ID)?;
        let mut out: [String; 22] = std::array::from_fn(|i| fields[i].trim().to_string());
        out[RECORDING_ID] = recording_id;
        let mut problems: Vec<Problem> = Vec::new();
        let mut keep = |column: usize, r: Result<String, Rejection>, out: &mut [String; 22]| match r
        {
            Ok(value) => {
                out[column] = value;
                true
            }
            Err(e) => {
                problems.push(Problem::from_rejection(e, fields[column]));
                false
            }
        };
        let nik = Nik::parse(fields[NIK].trim()).map_err(nik_rejection);
        keep(NIK, nik.clone().map(|n| n.as_str().to_string()), &mut out);
        let r = v.text(NAMA, Charset::Name, MAX_NAME);
        keep(NAMA, r, &mut out);
        let r = v.text(TEMPAT_LAHIR, Charset::Text, MAX_TEXT);
        keep(TEMPAT_LAHIR, r, &mut out);
        let dob = v.date(TANGGAL_LAHIR);
        keep(TANGGAL_LAHIR, dob.clone().map(|d| d.to_string()), &mut out);
        let sex = v.list(JENIS_KELAMIN, ListField::JenisKelamin);
        keep(JENIS_KELAMIN, sex.clone().map(str::to_string), &mut out);
        let r = v.list(GOLONGAN_DARAH, ListField::GolonganDarah);
        keep(GOLONGAN_DARAH, r.map(str::to_string), &mut out);
        let r = v.text(ALAMAT, Charset::Text, MAX_ADDRESS);
        keep(ALAMAT, r, &mut out);
        let r = v.rt_rw(RT);
        keep(RT, r, &mut out);
        let r = v.rt_rw(RW);
        keep(RW, r, &mut out);
        let kel_ok = {
            let r = v.text(KELURAHAN, Charset::Text, MAX_TEXT);
            keep(KELURAHAN, r, &mut out)
        };
        let kec_ok = {
            let r = v.text(KECAMATAN, Charset::Text, MAX_TEXT);
            keep(KECAMATAN, r, &mut out)
        };
        let r = v.text(KABUPATEN_KOTA, Charset::Text, MAX_TEXT);
        keep(KABUPATEN_KOTA, r, &mut out);
        let r = v.text(PROVINSI, Charset::Text, MAX_TEXT);
        keep(PROVINSI, r, &mut out);
        for (column, list) in [
            (AGAMA, ListField::Agama),
            (STATUS_PERKAWINAN, ListField::StatusPerkawinan),
            (PEKERJAAN, ListField::Pekerjaan),
            (KEWARGANEGARAAN, ListField::Kewarganegaraan),
        ] {
            let r = v.list(column, list);
            keep(column, r.map(str::to_string), &mut out);
        }
        let r = v.text(NAMA_IBU, Charset::Name, MAX_NAME);
        keep(NAMA_IBU, r, &mut out);
        let recorded_raw = fields[RECORDED_AT].trim();
        let recorded_at = OffsetDateTime::parse(recorded_raw, &Rfc3339).map_err(|_| {
            Rejection::field(
                ReasonCode::InvalidTimestamp,
                RECORDED_AT,
                format!(
                    "{:?} is not ISO-8601 with an offset",
                    truncate(recorded_raw, 40)
                ),
            )
        });
        keep(RECORDED_AT, recorded_at.clone().map(utc_text), &mut out);
        let r = v.text(RECORDING_SITE, Charset::Text, MAX_TEXT);
        keep(RECORDING_SITE, r, &mut out);
        let r = match fields[JENIS_PERMOHONAN].trim() {
            "BARU" => Ok(JenisPermohonan::Baru.as_str().to_string()),
            "PENGGANTIAN" => Ok(JenisPermohonan::Penggantian.as_str().to_string()),
            other => Err(Rejection::field(
                ReasonCode::InvalidValue,
                JENIS_PERMOHONAN,
                format!("{:?} is neither BARU nor PENGGANTIAN", truncate(other, 40)),
            )),
        };
        keep(JENIS_PERMOHONAN, r, &mut out);
        if let (Ok(dob), Ok(recorded_at)) = (&dob, &recorded_at)
            && (dob.year() < 1900 || *dob > recorded_at.date())
        {
            keep(
                TANGGAL_LAHIR,
                Err(Rejection::field(
                    ReasonCode::ImplausibleDate,
                    TANGGAL_LAHIR,
                    format!("born {dob}, recorded {}", recorded_at.date()),
                )),
                &mut out,
            );
        }
        if kel_ok
            && kec_ok
            && let Some(false) =
                crate::regions::regions().palembang_kelurahan_in(&out[KECAMATAN], &out[KELURAHAN])
        {
            let msg = format!(
                "{} is not a kelurahan of kecamatan {}",
                out[KELURAHAN], out[KECAMATAN]
            );
            keep(
                KELURAHAN,
                Err(Rejection::field(
                    ReasonCode::UnknownKelurahan,
                    KELURAHAN,
                    msg,
                )),
                &mut out,
            );
        }
        if let (Ok(nik), Ok(dob), Ok(sex)) = (&nik, &dob, &sex) {
            let sex = if *sex == "PEREMPUAN" {
                Sex::Perempuan
            } else {
                Sex::LakiLaki
            };
            for w in nik.check_against(*dob, sex) {
                v.warnings.push(match w {
                    NikWarning::BirthDateMismatch => Warning::NikBirthDateMismatch,
                    NikWarning::SexMismatch => Warning::NikSexMismatch,
                });
            }
        }
        problems.sort_by_key(|p| COLUMNS.iter().position(|c| *c == p.field));
        let content_hash = hash_fields(out.each_ref().map(String::as_str));
        Ok(Draft {
            fields: out,
            problems,
            warnings: v.warnings,
            content_hash,
        })
    }
}

/// What a row of the contract is: a valid record, a readable recording with problems, or
/// something that cannot be read as a recording.
#[derive(Debug)]
// As for ImportRow: nearly every row is valid.
#[allow(clippy::large_enum_variant)]
pub enum Checked {
    /// Every field valid.
    Valid(Record),
    /// Readable, with problems kept per field.
    NeedsCorrection(Draft),
    /// No usable `recording_id`.
    Unreadable(Rejection),
}

impl Record {
    /// Validate a row, and when it fails, collect every problem of the readable recording
    /// (the fast path for a valid row is [`Record::validate`] alone).
    pub fn check(fields: &[&str; 22]) -> Checked {
        match Record::validate(fields) {
            Ok(r) => Checked::Valid(r),
            Err(first) => match Draft::collect(fields) {
                Ok(d) if !d.problems.is_empty() => Checked::NeedsCorrection(d),
                Ok(_) => Checked::Unreadable(first),
                Err(r) => Checked::Unreadable(r),
            },
        }
    }

    /// The normalised values in [`COLUMNS`] order, as stored.
    pub fn normalised_fields(&self) -> [String; 22] {
        self.with_fields(|f| f.map(str::to_string))
    }
}

fn utc_text(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
        ))
        .unwrap_or_default()
}

fn hash_fields(fields: [&str; 22]) -> [u8; 32] {
    // One contiguous buffer: blake3 is fast on a few hundred bytes, slow on 44 tiny updates.
    let mut buf = Vec::with_capacity(512);
    for f in fields {
        buf.extend_from_slice(&(f.len() as u32).to_le_bytes());
        buf.extend_from_slice(f.as_bytes());
    }
    *blake3::hash(&buf).as_bytes()
}

/// Longest accepted values (characters).
const MAX_ID: usize = 64;
const MAX_NAME: usize = 80;
const MAX_TEXT: usize = 80;
const MAX_ADDRESS: usize = 160;

#[derive(Clone, Copy)]
enum Charset {
    /// Letters, space and `. , ' -`: what a printed name may hold.
    Name,
    /// Names plus digits and `/ ( ) # :`: addresses, places, sites.
    Text,
    /// Letters, digits and `- _ . /`: identifiers.
    Id,
}

fn allowed(b: u8, set: Charset) -> bool {
    match set {
        Charset::Name => b.is_ascii_alphabetic() || matches!(b, b' ' | b'.' | b',' | b'\'' | b'-'),
        Charset::Text => {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b' ' | b'.' | b',' | b'\'' | b'-' | b'/' | b'(' | b')' | b'#' | b':'
                )
        }
        Charset::Id => b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'),
    }
}

struct Validator<'a> {
    fields: &'a [&'a str; 22],
    warnings: Vec<Warning>,
}

impl<'a> Validator<'a> {
    fn text(&mut self, column: usize, set: Charset, max: usize) -> Result<String, Rejection> {
        let raw = self.fields[column].trim();
        if raw.is_empty() {
            return Err(Rejection::field(ReasonCode::EmptyField, column, "is empty"));
        }
        // Every allowed character is ASCII, so bytes are characters once the check passes.
        if let Some(bad) = raw.bytes().position(|b| !allowed(b, set)) {
            let c = raw[bad..].chars().next().unwrap_or('?');
            return Err(Rejection::field(
                ReasonCode::InvalidCharacters,
                column,
                format!("holds {c:?}, which cannot be printed in this field"),
            ));
        }
        if raw.len() > max {
            return Err(Rejection::field(
                ReasonCode::TooLong,
                column,
                format!("has {} characters, at most {max} fit", raw.len()),
            ));
        }
        // Collapse runs of spaces: "BUDI  SANTOSO" is printed as "BUDI SANTOSO".
        let mut out = if raw.contains("  ") {
            let mut out = String::with_capacity(raw.len());
            let mut last_space = false;
            for c in raw.chars() {
                if !(c == ' ' && last_space) {
                    out.push(c);
                }
                last_space = c == ' ';
            }
            out
        } else {
            raw.to_string()
        };
        if out.bytes().any(|b| b.is_ascii_lowercase()) {
            out.make_ascii_uppercase();
            if matches!(set, Charset::Name) && !self.warnings.contains(&Warning::CaseNormalised) {
                self.warnings.push(Warning::CaseNormalised);
            }
        }
        Ok(out)
    }

    fn list(&mut self, column: usize, field: ListField) -> Result<&'static str, Rejection> {
        let raw = self.fields[column].trim();
        if raw.is_empty() {
            return Err(Rejection::field(ReasonCode::EmptyField, column, "is empty"));
        }
        let upper;
        let key = if raw.bytes().any(|b| b.is_ascii_lowercase()) {
            upper = raw.to_ascii_uppercase();
            upper.as_str()
        } else {
            raw
        };
        match value_lists().lookup(field, key) {
            Some(Match::Exact(v)) => Ok(v),
            Some(Match::Alternative(v)) => {
                if !self.warnings.contains(&Warning::ValueNormalised) {
                    self.warnings.push(Warning::ValueNormalised);
                }
                Ok(v)
            }
            None => Err(Rejection::field(
                ReasonCode::InvalidValue,
                column,
                format!("{:?} is not in the value list", truncate(raw, 40)),
            )),
        }
    }

    fn date(&self, column: usize) -> Result<Date, Rejection> {
        let raw = self.fields[column].trim();
        let b = raw.as_bytes();
        let shape_ok = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shape_ok {
            return Err(Rejection::field(
                ReasonCode::InvalidDate,
                column,
                format!("{:?} is not a YYYY-MM-DD date", truncate(raw, 40)),
            ));
        }
        let num = |r: std::ops::Range<usize>| raw[r].parse::<u16>().unwrap_or(0);
        let month = time::Month::try_from(num(5..7) as u8).map_err(|_| {
            Rejection::field(
                ReasonCode::InvalidDate,
                column,
                format!("{raw} has no such month"),
            )
        })?;
        Date::from_calendar_date(i32::from(num(0..4)), month, num(8..10) as u8).map_err(|_| {
            Rejection::field(
                ReasonCode::InvalidDate,
                column,
                format!("{raw} does not exist"),
            )
        })
    }

    fn rt_rw(&self, column: usize) -> Result<String, Rejection> {
        let raw = self.fields[column].trim();
        if raw.is_empty() || raw.len() > 3 || !raw.bytes().all(|c| c.is_ascii_digit()) {
            return Err(Rejection::field(
                ReasonCode::InvalidRtRw,
                column,
                format!("{:?} is not 1–3 digits", truncate(raw, 20)),
            ));
        }
        Ok(format!("{:0>3}", raw))
    }
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn nik_rejection(e: NikError) -> Rejection {
    let code = match e {
        NikError::Length(_) => ReasonCode::NikLength,
        NikError::NotDigits { .. } => ReasonCode::NikNotDigits,
        NikError::UnknownProvince(_) => ReasonCode::NikUnknownProvince,
        NikError::UnknownKota(_) => ReasonCode::NikUnknownKota,
        NikError::UnknownKecamatan(_) => ReasonCode::NikUnknownKecamatan,
        NikError::InvalidDate(_) => ReasonCode::NikInvalidDate,
        NikError::SerialZero => ReasonCode::NikSerialZero,
    };
    Rejection::field(code, col::NIK, e.to_string())
}

impl Record {
    /// Validate one row of the import contract (fields in [`COLUMNS`] order).
    pub fn validate(fields: &[&str; 22]) -> Result<Record, Rejection> {
        use col::*;
        let mut v = Validator {
            fields,
            warnings: Vec::new(),
        };
        let recording_id = v.text(RECORDING_ID, Charset::Id, MAX_ID)?;
        let nik = Nik::parse(fields[NIK].trim()).map_err(nik_rejection)?;
        let nama = v.text(NAMA, Charset::Name, MAX_NAME)?;
        let tempat_lahir = v.text(TEMPAT_LAHIR, Charset::Text, MAX_TEXT)?;
        let tanggal_lahir = v.date(TANGGAL_LAHIR)?;
        let jenis_kelamin = match v.list(JENIS_KELAMIN, ListField::JenisKelamin)? {
            "PEREMPUAN" => Sex::Perempuan,
            _ => Sex::LakiLaki,
        };
        let golongan_darah = v.list(GOLONGAN_DARAH, ListField::GolonganDarah)?;
        let alamat = v.text(ALAMAT, Charset::Text, MAX_ADDRESS)?;
        let rt = v.rt_rw(RT)?;
        let rw = v.rt_rw(RW)?;
        let kelurahan = v.text(KELURAHAN, Charset::Text, MAX_TEXT)?;
        let kecamatan = v.text(KECAMATAN, Charset::Text, MAX_TEXT)?;
        let kabupaten_kota = v.text(KABUPATEN_KOTA, Charset::Text, MAX_TEXT)?;
        let provinsi = v.text(PROVINSI, Charset::Text, MAX_TEXT)?;
        let agama = v.list(AGAMA, ListField::Agama)?;
        let status_perkawinan = v.list(STATUS_PERKAWINAN, ListField::StatusPerkawinan)?;
        let pekerjaan = v.list(PEKERJAAN, ListField::Pekerjaan)?;
        let kewarganegaraan = v.list(KEWARGANEGARAAN, ListField::Kewarganegaraan)?;
        let nama_ibu = v.text(NAMA_IBU, Charset::Name, MAX_NAME)?;
        let recorded_raw = fields[RECORDED_AT].trim();
        let recorded_at = OffsetDateTime::parse(recorded_raw, &Rfc3339).map_err(|_| {
            Rejection::field(
                ReasonCode::InvalidTimestamp,
                RECORDED_AT,
                format!(
                    "{:?} is not ISO-8601 with an offset",
                    truncate(recorded_raw, 40)
                ),
            )
        })?;
        let recording_site = v.text(RECORDING_SITE, Charset::Text, MAX_TEXT)?;
        let jenis_permohonan = match fields[JENIS_PERMOHONAN].trim() {
            "BARU" => JenisPermohonan::Baru,
            "PENGGANTIAN" => JenisPermohonan::Penggantian,
            other => {
                return Err(Rejection::field(
                    ReasonCode::InvalidValue,
                    JENIS_PERMOHONAN,
                    format!("{:?} is neither BARU nor PENGGANTIAN", truncate(other, 40)),
                ));
            }
        };

        if tanggal_lahir.year() < 1900 || tanggal_lahir > recorded_at.date() {
            return Err(Rejection::field(
                ReasonCode::ImplausibleDate,
                TANGGAL_LAHIR,
                format!("born {tanggal_lahir}, recorded {}", recorded_at.date()),
            ));
        }
        if let Some(false) =
            crate::regions::regions().palembang_kelurahan_in(&kecamatan, &kelurahan)
        {
            return Err(Rejection::field(
                ReasonCode::UnknownKelurahan,
                KELURAHAN,
                format!("{kelurahan} is not a kelurahan of kecamatan {kecamatan}"),
            ));
        }
        for w in nik.check_against(tanggal_lahir, jenis_kelamin) {
            v.warnings.push(match w {
                NikWarning::BirthDateMismatch => Warning::NikBirthDateMismatch,
                NikWarning::SexMismatch => Warning::NikSexMismatch,
            });
        }
        let recorded_at_utc = utc_text(recorded_at);
        let mut record = Record {
            recording_id,
            nik,
            nama,
            tempat_lahir,
            tanggal_lahir,
            jenis_kelamin,
            golongan_darah,
            alamat,
            rt,
            rw,
            kelurahan,
            kecamatan,
            kabupaten_kota,
            provinsi,
            agama,
            status_perkawinan,
            pekerjaan,
            kewarganegaraan,
            nama_ibu,
            recorded_at,
            recording_site,
            jenis_permohonan,
            warnings: v.warnings,
            recorded_at_utc,
            content_hash: [0; 32],
        };
        record.content_hash = record.compute_hash();
        Ok(record)
    }

    /// `recorded_at` as stored: UTC, whole seconds, fixed width, so that text order is time
    /// order whatever offset (WIB, WITA, WIT) the recording carried.
    pub fn recorded_at_rfc3339(&self) -> &str {
        &self.recorded_at_utc
    }

    /// A digest of the normalised content. Two imports of the same enrollment, from CSV or
    /// NDJSON, spaced or not, hash alike; any change of content hashes differently.
    pub fn content_hash(&self) -> [u8; 32] {
        self.content_hash
    }

    /// Call `f` with the normalised fields in contract order, borrowed.
    fn with_fields<R>(&self, f: impl FnOnce([&str; 22]) -> R) -> R {
        let date = self.tanggal_lahir.to_string();
        let nik = self.nik;
        f([
            &self.recording_id,
            nik.as_str(),
            &self.nama,
            &self.tempat_lahir,
            &date,
            self.jenis_kelamin.as_str(),
            self.golongan_darah,
            &self.alamat,
            &self.rt,
            &self.rw,
            &self.kelurahan,
            &self.kecamatan,
            &self.kabupaten_kota,
            &self.provinsi,
            self.agama,
            self.status_perkawinan,
            self.pekerjaan,
            self.kewarganegaraan,
            &self.nama_ibu,
            &self.recorded_at_utc,
            &self.recording_site,
            self.jenis_permohonan.as_str(),
        ])
    }

    fn compute_hash(&self) -> [u8; 32] {
        self.with_fields(hash_fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: [&str; 22] = EXAMPLE_ROW;

    fn with(column: usize, value: &'static str) -> [&'static str; 22] {
        let mut f = GOOD;
        f[column] = value;
        f
    }

    fn code(fields: [&str; 22]) -> ReasonCode {
        Record::validate(&fields)
            .expect_err("should be rejected")
            .code
    }

    #[test]
    fn a_good_row_validates_and_normalises() {
        let r = Record::validate(&with(col::RT, "3")).expect("valid");
        assert_eq!(r.rt, "003");
        assert_eq!(r.jenis_kelamin, Sex::Perempuan);
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }

    #[test]
    fn nik_problems_are_rejections_with_their_own_codes() {
        assert_eq!(
            code(with(col::NIK, "167101450890001")),
            ReasonCode::NikLength
        );
        assert_eq!(
            code(with(col::NIK, "16710145089000011")),
            ReasonCode::NikLength
        );
        assert_eq!(
            code(with(col::NIK, "16710145089A0001")),
            ReasonCode::NikNotDigits
        );
        assert_eq!(
            code(with(col::NIK, "1671013208900001")),
            ReasonCode::NikInvalidDate
        );
    }

    #[test]
    fn nik_disagreeing_with_the_record_is_only_a_warning() {
        let r = Record::validate(&with(col::TANGGAL_LAHIR, "1990-05-08")).expect("valid");
        assert_eq!(r.warnings, vec![Warning::NikBirthDateMismatch]);
        let r = Record::validate(&with(col::JENIS_KELAMIN, "LAKI-LAKI")).expect("valid");
        assert_eq!(r.warnings, vec![Warning::NikSexMismatch]);
    }

    #[test]
    fn impossible_and_implausible_dates_are_rejected() {
        assert_eq!(
            code(with(col::TANGGAL_LAHIR, "2001-02-31")),
            ReasonCode::InvalidDate
        );
        assert_eq!(
            code(with(col::TANGGAL_LAHIR, "05-08-1990")),
            ReasonCode::InvalidDate
        );
        assert_eq!(
            code(with(col::TANGGAL_LAHIR, "1990-13-05")),
            ReasonCode::InvalidDate
        );
        assert_eq!(
            code(with(col::TANGGAL_LAHIR, "2020-01-01")),
            ReasonCode::ImplausibleDate
        );
        assert_eq!(
            code(with(col::RECORDED_AT, "2013-05-02 09:15")),
            ReasonCode::InvalidTimestamp
        );
        assert_eq!(
            code(with(col::RECORDED_AT, "2013-05-02T09:15:00")),
            ReasonCode::InvalidTimestamp
        );
    }

    #[test]
    fn markup_and_sql_in_names_are_rejected() {
        assert_eq!(
            code(with(col::NAMA, "<script>alert(1)</script>")),
            ReasonCode::InvalidCharacters
        );
        assert_eq!(
            code(with(col::NAMA, "BUDI'); DROP TABLE records;--")),
            ReasonCode::InvalidCharacters
        );
        assert_eq!(
            code(with(col::NAMA, "BUDI\u{0}")),
            ReasonCode::InvalidCharacters
        );
        assert_eq!(code(with(col::NAMA, "")), ReasonCode::EmptyField);
        let long: &'static str = Box::leak("A".repeat(81).into_boxed_str());
        assert_eq!(code(with(col::NAMA, long)), ReasonCode::TooLong);
        // An apostrophe is part of real names.
        assert!(Record::validate(&with(col::NAMA, "MA'RUF AMIN")).is_ok());
    }

    #[test]
    fn value_lists_are_checked_and_alternatives_normalised() {
        assert_eq!(
            code(with(col::AGAMA, "PASTAFARIAN")),
            ReasonCode::InvalidValue
        );
        assert_eq!(
            code(with(col::GOLONGAN_DARAH, "C")),
            ReasonCode::InvalidValue
        );
        assert_eq!(
            code(with(col::JENIS_PERMOHONAN, "LAMA")),
            ReasonCode::InvalidValue
        );
        let r = Record::validate(&with(col::AGAMA, "katolik")).expect("valid");
        assert_eq!(r.agama, "KATHOLIK");
        assert_eq!(r.warnings, vec![Warning::ValueNormalised]);
    }

    #[test]
    fn kelurahan_must_lie_in_its_palembang_kecamatan() {
        assert_eq!(
            code(with(col::KECAMATAN, "PLAJU")),
            ReasonCode::UnknownKelurahan
        );
        assert_eq!(code(with(col::RT, "12345")), ReasonCode::InvalidRtRw);
    }

    fn draft(fields: [&str; 22]) -> Draft {
        match Record::check(&fields) {
            Checked::NeedsCorrection(d) => d,
            other => panic!("expected a draft, got {other:?}"),
        }
    }

    #[test]
    fn a_readable_row_with_problems_keeps_every_problem_and_its_values() {
        let mut f = with(col::NAMA, "RAF1 PRATAMA");
        f[col::NIK] = "1671013208900001"; // day 32: impossible date
        f[col::PEKERJAAN] = "";
        f[col::NAMA_IBU] = "";
        f[col::RT] = "3";
        let d = draft(f);
        let found: Vec<(&str, ReasonCode, bool)> = d
            .problems
            .iter()
            .map(|p| (p.field, p.code, p.blocking))
            .collect();
        assert_eq!(
            found,
            vec![
                ("nik", ReasonCode::NikInvalidDate, true),
                ("nama", ReasonCode::InvalidCharacters, true),
                ("pekerjaan", ReasonCode::EmptyField, true),
                ("nama_ibu", ReasonCode::EmptyField, false),
            ]
        );
        assert_eq!(d.problems[1].original, "RAF1 PRATAMA");
        // Valid fields are normalised as for a record, invalid ones kept as they came.
        assert_eq!(d.fields[col::RT], "003");
        assert_eq!(d.fields[col::NAMA], "RAF1 PRATAMA");
        assert_eq!(d.recording_id(), "PLG00000001");
        assert!(d.blocks_printing());
    }

    #[test]
    fn only_a_missing_mothers_name_does_not_block_printing() {
        let d = draft(with(col::NAMA_IBU, ""));
        assert_eq!(d.problems.len(), 1);
        assert!(!d.blocks_printing());
        assert!(!blocks_printing("nama_ibu"));
        assert!(blocks_printing("nama") && blocks_printing("nik"));
    }

    #[test]
    fn a_row_without_a_usable_recording_id_cannot_be_read() {
        for bad in ["", "A B", "<x>"] {
            let mut f = with(col::RECORDING_ID, bad);
            f[col::NAMA] = "D1MAS";
            assert!(
                matches!(Record::check(&f), Checked::Unreadable(_)),
                "{bad:?}"
            );
        }
        assert!(matches!(Record::check(&GOOD), Checked::Valid(_)));
    }

    #[test]
    fn cross_field_problems_are_found_with_the_others() {
        let mut f = with(col::TANGGAL_LAHIR, "2020-01-01");
        f[col::KECAMATAN] = "PLAJU";
        let codes: Vec<ReasonCode> = draft(f).problems.iter().map(|p| p.code).collect();
        assert_eq!(
            codes,
            vec![ReasonCode::ImplausibleDate, ReasonCode::UnknownKelurahan]
        );
    }

    #[test]
    fn content_hash_ignores_spacing_and_sees_changes() {
        let a = Record::validate(&GOOD).expect("valid");
        let b = Record::validate(&with(col::NAMA, " SITI  AMINAH ")).expect("valid");
        let c = Record::validate(&with(col::NAMA, "SITI AMINA")).expect("valid");
        assert_eq!(a.content_hash(), b.content_hash());
        assert_ne!(a.content_hash(), c.content_hash());
    }
}
