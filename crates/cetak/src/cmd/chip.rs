//! `cetak chip …`: the document-signer keys where the office keeps them (a PKCS#11 token), and
//! an offline check of a chip dump (passive authentication). Keys are never in the database.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use cetak_chip::keys::{ChipKeys, Issued, LocalCa};
use cetak_chip::{ChipImage, certs, verify};
use cetak_office::chip::KeptChip;
use clap::{Args, Subcommand};
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{Context, print_json};
use crate::text::t;

#[derive(Debug, Subcommand)]
pub enum ChipCommand {
    /// The document-signer key on the office's PKCS#11 token: init, show, rotate, import-cert.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Check a chip dump (CETAKCHIP1): passive authentication against the trusted CA; exit 0
    /// when it holds, 1 when it does not, 2 when the file is malformed.
    Verify(VerifyArgs),
    /// Write what was encoded on a blank's chip to a dump file (CETAKCHIP1).
    Dump(DumpArgs),
}

#[derive(Debug, Args)]
pub struct DumpArgs {
    /// The blank's serial number.
    serial: i64,
    /// The dump file to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The PKCS#11 module (the HSM's library).
    #[arg(
        long,
        value_name = "FILE",
        env = "CETAK_PKCS11_MODULE",
        default_value = "/usr/lib/softhsm/libsofthsm2.so"
    )]
    module: PathBuf,
    /// The token's label.
    #[arg(long, env = "CETAK_CHIP_TOKEN")]
    token: String,
    /// A file whose first line is the token's user PIN.
    #[arg(long, value_name = "FILE", env = "CETAK_CHIP_PIN_FILE")]
    pin_file: PathBuf,
}

#[derive(Debug, Args)]
pub struct IssueArgs {
    #[command(flatten)]
    token: TokenArgs,
    /// The signing CA's certificate (PEM), for a test or demo CA that signs here.
    #[arg(long, value_name = "FILE", requires = "ca_key")]
    ca_cert: Option<PathBuf>,
    /// The signing CA's private key (PEM), for a test or demo CA that signs here.
    #[arg(long, value_name = "FILE", requires = "ca_cert")]
    ca_key: Option<PathBuf>,
    /// Write a certificate request (PEM) for the CA here instead of signing with a local CA.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["ca_cert", "ca_key"])]
    csr_out: Option<PathBuf>,
    /// The document signer's name.
    #[arg(
        long,
        default_value = "CN=Document Signer Disdukcapil,O=Disdukcapil,C=ID"
    )]
    subject: String,
    /// How long the certificate is valid, in days (local CA only).
    #[arg(long, default_value_t = 365)]
    days: i64,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make the document-signer key on the token, with its certificate (local CA) or a CSR.
    Init(IssueArgs),
    /// The current document-signer certificate: subject, issuer, validity, where the key is.
    Show(TokenArgs),
    /// Make a new key and certificate; the old private key is destroyed.
    Rotate(IssueArgs),
    /// Store the CA's certificate for the key whose CSR was sent.
    ImportCert {
        #[command(flatten)]
        token: TokenArgs,
        /// The certificate the CA issued (PEM or DER).
        #[arg(long, value_name = "FILE")]
        cert: PathBuf,
    },
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["from", "reader"])))]
pub struct VerifyArgs {
    /// The chip dump to check.
    #[arg(long, value_name = "FILE")]
    from: Option<PathBuf>,
    /// Read the card in this PC/SC reader instead (e.g. "Virtual PCD 00 00").
    #[arg(long, value_name = "NAME")]
    reader: Option<String>,
    /// With --reader: compare the chip with the one the books kept for this resident's card.
    #[arg(long, requires = "reader")]
    nik: Option<String>,
    /// With --reader: seconds to wait for a card in the reader.
    #[arg(long, default_value_t = 10.0, requires = "reader")]
    card_wait_s: f64,
    /// Write the chip's face photo (DG2, JPEG) to this file.
    #[arg(long, value_name = "FILE")]
    photo_out: Option<PathBuf>,
    /// A trusted CA certificate (PEM or DER); may be given more than once.
    #[arg(long, value_name = "FILE")]
    trust: Vec<PathBuf>,
}

pub fn run(ctx: &Context, cmd: ChipCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ChipCommand::Keys(k) => run_keys(ctx, k),
        ChipCommand::Verify(a) => run_verify(ctx, a),
        ChipCommand::Dump(a) => run_dump(ctx, a),
    }
}

/// The chip the books keep for a blank: the newest attempt's, written as it was encoded.
fn run_dump(ctx: &Context, a: DumpArgs) -> anyhow::Result<ExitCode> {
    let store = super::open_store(&ctx.db)?;
    let Some(chip) = store.chip_for_serial(a.serial)? else {
        bail!(
            "{} {}",
            t(
                "tidak ada chip yang ditulis pada blangko",
                "no chip was written on blank"
            ),
            a.serial
        );
    };
    std::fs::write(&a.out, &chip.dump)
        .with_context(|| format!("{} {}", t("menulis", "writing"), a.out.display()))?;
    if ctx.json {
        print_json(&json!({
            "serial": chip.serial, "attempt": chip.attempt_id, "out": a.out,
            "bytes": chip.dump.len(), "written_at": chip.written_at,
            "verified_at": chip.verified_at,
        }))?;
    } else {
        outln!(
            "{} {} → {} ({} {}, {} {})",
            t("Chip blangko", "Chip of blank"),
            chip.serial,
            a.out.display(),
            chip.dump.len(),
            t("bita", "bytes"),
            t("percobaan", "attempt"),
            chip.attempt_id
        )?;
        match &chip.verified_at {
            Some(at) => outln!("{} {at}", t("Terverifikasi pada", "Verified at"))?,
            None => outln!(
                "{}",
                t(
                    "Tidak terverifikasi: penulisan chip ini tidak selesai atau gagal",
                    "Not verified: this chip's write did not finish or failed"
                )
            )?,
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn open(a: &TokenArgs) -> anyhow::Result<ChipKeys> {
    ChipKeys::open(&a.module, &a.token, &a.pin_file)
        .with_context(|| t("membuka token kunci", "opening the key token"))
}

fn read(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("{} {}", t("membaca", "reading"), path.display()))
}

fn time_text(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_else(|_| at.to_string())
}

fn issue(ctx: &Context, a: IssueArgs) -> anyhow::Result<ExitCode> {
    let keys = open(&a.token)?;
    let now = OffsetDateTime::now_utc();
    let (ca_cert, ca_key) = match (&a.ca_cert, &a.ca_key) {
        (Some(c), Some(k)) => {
            let cert = certs::parse_certificates(&read(c)?)?
                .into_iter()
                .next()
                .context(t(
                    "berkas CA tanpa sertifikat",
                    "no certificate in the CA file",
                ))?;
            let key = certs::key_from_pem(&String::from_utf8_lossy(&read(k)?))?;
            (Some(cert), Some(key))
        }
        _ => (None, None),
    };
    if ca_cert.is_none() && a.csr_out.is_none() {
        bail!(t(
            "berikan --ca-cert dan --ca-key (CA uji), atau --csr-out (CA kantor)",
            "give --ca-cert and --ca-key (test CA), or --csr-out (the office's CA)"
        ));
    }
    let ca = match (&ca_cert, &ca_key) {
        (Some(certificate), Some(key)) => Some(LocalCa { certificate, key }),
        _ => None,
    };
    match keys.create(&a.subject, ca, now, a.days)? {
        Issued::Certificate(cert) => show_cert(ctx, &keys, &cert),
        Issued::Request(pem) => {
            let out = a.csr_out.clone().context("--csr-out")?;
            std::fs::write(&out, pem)
                .with_context(|| format!("{} {}", t("menulis", "writing"), out.display()))?;
            if ctx.json {
                print_json(&json!({"csr": out, "location": keys.token().location()}))?;
            } else {
                outln!(
                    "{} {} ({})",
                    t(
                        "Permintaan sertifikat ditulis ke",
                        "Certificate request written to"
                    ),
                    out.display(),
                    t(
                        "kirim ke CA, lalu `cetak chip keys import-cert`",
                        "send it to the CA, then `cetak chip keys import-cert`"
                    )
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn show_cert(
    ctx: &Context,
    keys: &ChipKeys,
    cert: &cetak_chip::Certificate,
) -> anyhow::Result<ExitCode> {
    let (from, to) = certs::validity(cert);
    let now = OffsetDateTime::now_utc();
    let ready = keys.ready(now);
    if ctx.json {
        print_json(&json!({
            "subject": certs::subject_text(cert),
            "issuer": certs::issuer_text(cert),
            "serial": certs::serial_hex(cert),
            "not_before": time_text(from),
            "not_after": time_text(to),
            "location": keys.token().location(),
            "ready": ready.is_ok(),
            "problem": ready.as_ref().err().map(|e| e.code()),
        }))?;
    } else {
        outln!("{}: {}", t("Subjek", "Subject"), certs::subject_text(cert))?;
        outln!("{}: {}", t("Penerbit", "Issuer"), certs::issuer_text(cert))?;
        outln!("{}: {}", t("Nomor seri", "Serial"), certs::serial_hex(cert))?;
        outln!(
            "{}: {} — {}",
            t("Berlaku", "Valid"),
            time_text(from),
            time_text(to)
        )?;
        outln!("{}: {}", t("Kunci di", "Key at"), keys.token().location())?;
        match &ready {
            Ok(()) => outln!("{}", t("Siap menandatangani chip.", "Ready to sign chips."))?,
            Err(e) => outln!(
                "{}: {} ({})",
                t("Belum bisa menandatangani", "Cannot sign yet"),
                crate::key_text(e),
                e.code()
            )?,
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn run_keys(ctx: &Context, cmd: KeysCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        KeysCommand::Init(a) | KeysCommand::Rotate(a) => issue(ctx, a),
        KeysCommand::Show(a) => {
            let keys = open(&a)?;
            let info = keys.show()?;
            match info.certificate {
                Some(cert) => show_cert(ctx, &keys, &cert),
                None => {
                    bail!(
                        "{} {} ({})",
                        t(
                            "kunci tanpa sertifikat di",
                            "a key without a certificate at"
                        ),
                        info.location,
                        t(
                            "impor jawaban CA dengan `cetak chip keys import-cert`",
                            "import the CA's answer with `cetak chip keys import-cert`"
                        )
                    )
                }
            }
        }
        KeysCommand::ImportCert { token, cert } => {
            let keys = open(&token)?;
            let c = certs::parse_certificates(&read(&cert)?)?
                .into_iter()
                .next()
                .context(t("berkas tanpa sertifikat", "no certificate in the file"))?;
            keys.import_certificate(&c)?;
            show_cert(ctx, &keys, &c)
        }
    }
}

/// A chip problem for the operator: the catalogue's words for its code
/// (`cetak_words::CHIP_PROBLEMS`) and the code; the error's own English detail (the data
/// group, file or certificate) in English only, and in the debug log.
pub fn chip_problem_text(code: &str, detail: &dyn std::fmt::Display) -> String {
    tracing::debug!(code, %detail, "chip problem");
    crate::text::tr(cetak_words::chip_fault(code, &detail.to_string()))
}

fn run_verify(ctx: &Context, a: VerifyArgs) -> anyhow::Result<ExitCode> {
    let mut trust = Vec::new();
    for p in &a.trust {
        trust.extend(certs::parse_certificates(&read(p)?)?);
    }
    let now = OffsetDateTime::now_utc();
    let (fields, media, result, kept) = if let Some(reader) = &a.reader {
        let store = match &a.nik {
            Some(_) => Some(super::open_store(&ctx.db)?),
            None => None,
        };
        let books = store.as_ref().zip(a.nik.as_deref());
        let wait = std::time::Duration::from_secs_f64(a.card_wait_s.clamp(0.0, 600.0));
        let check = cetak_office::chip::read_at_counter(reader, &trust, wait, books, now)
            .map_err(|e| match e {
                // The books' trouble is worded where every store error is.
                cetak_office::chip::CounterFault::Store(s) => anyhow::Error::new(s),
                e => anyhow::anyhow!("{}", chip_problem_text(e.code(), &e)),
            })
            .with_context(|| format!("{} {reader}", t("membaca chip di", "reading the chip in")))?;
        (check.fields, check.media, check.passive, check.kept)
    } else {
        let from = a.from.as_ref().context("--from")?;
        let bytes = read(from)?;
        let parsed = ChipImage::from_dump(&bytes).and_then(|chip| {
            let f = chip.fields()?;
            let m = chip.media()?;
            Ok((chip, f, m))
        });
        let (chip, fields, media) = match parsed {
            Ok(p) => p,
            Err(e) => {
                eprintln!(
                    "{}: {}",
                    t("berkas chip rusak", "malformed chip file"),
                    chip_problem_text(e.code(), &e)
                );
                return Ok(ExitCode::from(2));
            }
        };
        let result = verify(&chip, &trust, now);
        (fields, media, result, None)
    };
    if let Some(out) = &a.photo_out {
        std::fs::write(out, &media.foto)
            .with_context(|| format!("{} {}", t("menulis", "writing"), out.display()))?;
    }
    let positions: Vec<u8> = media.jari.keys().copied().collect();
    let different = matches!(kept, Some(KeptChip::Different { .. }));
    if ctx.json {
        let f: serde_json::Map<String, serde_json::Value> = fields
            .iter()
            .map(|(c, _, v)| (c.to_string(), json!(v)))
            .collect();
        print_json(&json!({
            "fields": f,
            "foto_bytes": media.foto.len(),
            "tanda_tangan_bytes": media.tanda_tangan.len(),
            "jari": positions,
            "passive_authentication": result.is_ok(),
            "problem": result.as_ref().err().map(|e| json!({"code": e.code(), "message": e.to_string()})),
            "document_signer": result.as_ref().ok().map(|v| certs::subject_text(&v.document_signer)),
            "books": kept.as_ref().map(|k| match k {
                KeptChip::Same { serial } => json!({"match": true, "serial": serial}),
                KeptChip::Different { serial } => json!({"match": false, "serial": serial}),
                KeptChip::NoneKept => json!({"match": null}),
            }),
        }))?;
    } else {
        for (_, label, value) in fields.iter() {
            outln!("{label:>16}: {value}")?;
        }
        outln!("{:>16}: {} bytes", "foto (DG2)", media.foto.len())?;
        outln!(
            "{:>16}: {} bytes",
            "tanda tangan (DG7)",
            media.tanda_tangan.len()
        )?;
        outln!(
            "{:>16}: {positions:?}",
            t("sidik jari (DG3)", "fingers (DG3)")
        )?;
        match &result {
            Ok(v) => outln!(
                "{}: {} ← {}",
                t("Autentikasi pasif berhasil", "Passive authentication holds"),
                certs::subject_text(&v.document_signer),
                v.ca_subject
            )?,
            Err(e) => outln!(
                "{}: {}",
                t("Autentikasi pasif GAGAL", "Passive authentication FAILS"),
                chip_problem_text(e.code(), e)
            )?,
        }
        match &kept {
            None => {}
            Some(KeptChip::Same { serial }) => outln!(
                "{} {serial}",
                t(
                    "Sama persis dengan chip yang dicatat untuk kartu ini, blangko",
                    "Byte for byte the chip the books kept for this card, blank"
                )
            )?,
            Some(KeptChip::Different { serial }) => outln!(
                "{} {serial}; {}",
                t(
                    "BUKAN chip yang dicatat untuk warga ini (blangko",
                    "NOT the chip the books kept for this resident (blank"
                ),
                t("jangan serahkan kartu ini)", "do not hand this card over)")
            )?,
            Some(KeptChip::NoneKept) => outln!(
                "{}",
                t(
                    "Catatan kantor tidak memuat chip terverifikasi untuk warga ini",
                    "The books keep no verified chip for this resident"
                )
            )?,
        }
    }
    Ok(match result {
        Ok(_) if !different => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(e) if e.is_malformed() => ExitCode::from(2),
        Err(_) => ExitCode::from(1),
    })
}
