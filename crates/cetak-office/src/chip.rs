//! The chip of a claimed card (the print run's [`Command::Encode`]): built from the stored
//! record and its media, signed with the document-signer key on the office's PKCS#11 token,
//! kept in the books *before* it is written, written over PC/SC, read back and checked by
//! passive authentication, and marked verified in the books — only then is the card printed.
//!
//! After an interruption ([`Command::Encode`] with `check`), the chip is read first: a chip
//! that holds exactly what the books kept for the attempt and verifies is taken as it is; one
//! that does not (cut short, empty) is written again on the same blank, still in the encoder;
//! a chip that cannot be read at all goes to a person. Nothing is ever decided blind.
//!
//! [`Command::Encode`]: cetak_print::driver::Command::Encode

use std::path::PathBuf;
use std::time::{Duration, Instant};

use cetak_chip::keys::ChipKeys;
use cetak_chip::{CardError, CardFields, CardMedia, Certificate, ChipImage, Encoder, Signer};
use cetak_domain::media::MediaSlot;
use cetak_print::driver::EncodeFault;
use cetak_store::{Store, encoder_reader};
use time::OffsetDateTime;

use crate::OfficeError;

/// Where the document-signer key is and whom the read-back trusts (`cetak print run
/// --chip-token …`).
#[derive(Debug, Clone)]
pub struct ChipSetup {
    /// The PKCS#11 module.
    pub module: PathBuf,
    /// The token's label.
    pub token: String,
    /// A file whose first line is the token's user PIN.
    pub pin_file: PathBuf,
    /// The signing CA's certificates (PEM or DER) the read-back must chain to.
    pub trust: Vec<PathBuf>,
    /// How long to wait for a blank to be in the encoder.
    pub card_wait: Duration,
    /// How long one write or read may take.
    pub timeout: Duration,
}

/// What a run needs to encode: the signer (its certificate checked before the first card) and
/// the trust anchors.
pub struct ChipRig {
    signer: Box<dyn Signer>,
    trust: Vec<Certificate>,
    card_wait: Duration,
    timeout: Duration,
    /// Figures of the last encode, for the log and the benchmark.
    pub last: Option<EncodeFigures>,
}

/// What one encode took.
#[derive(Debug, Clone, Copy)]
pub struct EncodeFigures {
    /// Building and signing the content.
    pub sign: Duration,
    /// Writing, reading back and verifying.
    pub card: Duration,
    /// Bytes on the chip.
    pub bytes: usize,
}

impl ChipRig {
    /// Opens the token and checks that its key can sign at `at` (`ChipKeys::ready`): a run
    /// with encoder printers refuses to start without a valid document-signer certificate.
    pub fn open(setup: &ChipSetup, at: OffsetDateTime) -> Result<ChipRig, OfficeError> {
        let keys = ChipKeys::open(&setup.module, &setup.token, &setup.pin_file)?;
        let signer = keys.signer(at)?;
        let trust = load_trust(&setup.trust)?;
        Ok(ChipRig::with_signer(
            Box::new(signer),
            trust,
            setup.card_wait,
            setup.timeout,
        ))
    }

    /// A rig over any signer (tests, the demo).
    pub fn with_signer(
        signer: Box<dyn Signer>,
        trust: Vec<Certificate>,
        card_wait: Duration,
        timeout: Duration,
    ) -> ChipRig {
        ChipRig {
            signer,
            trust,
            card_wait,
            timeout,
            last: None,
        }
    }
}

/// The signing CA certificates (PEM or DER files) a chip must chain to; a file that cannot
/// be read or holds no certificate is refused by name.
pub fn load_trust(paths: &[PathBuf]) -> Result<Vec<Certificate>, OfficeError> {
    let mut trust = Vec::new();
    for path in paths {
        let bad = |why: String| OfficeError::ChipTrust {
            path: path.display().to_string(),
            why,
        };
        let bytes = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
        let certs =
            cetak_chip::certs::parse_certificates(&bytes).map_err(|e| bad(e.to_string()))?;
        if certs.is_empty() {
            return Err(bad("no certificate in it".into()));
        }
        trust.extend(certs);
    }
    Ok(trust)
}

/// What the counter's reader found on a resident's card (`cetak chip verify --reader`, the
/// hand-over page): the chip's content, whether passive authentication holds, and whether it
/// is the very chip the books kept for this resident's card.
#[derive(Debug)]
pub struct CounterCheck {
    /// The chip as read.
    pub chip: ChipImage,
    /// DG1.
    pub fields: CardFields,
    /// DG2, DG3, DG7.
    pub media: CardMedia,
    /// Passive authentication against the trusted CAs.
    pub passive: Result<cetak_chip::Verified, cetak_chip::VerifyError>,
    /// Compared with the books (only when a NIK was given).
    pub kept: Option<KeptChip>,
}

impl CounterCheck {
    /// The card may be handed over on the chip's word: it verifies and, when the books were
    /// asked, it is the chip they kept for this resident.
    pub fn holds(&self) -> bool {
        self.passive.is_ok() && !matches!(self.kept, Some(KeptChip::Different { .. }))
    }
}

/// The chip read at the counter against the one the books kept for the resident's card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeptChip {
    /// Byte for byte the chip encoded on blank `serial`.
    Same {
        /// The blank.
        serial: i64,
    },
    /// Not the chip the books kept for this resident (blank `serial`): another card, or an
    /// altered one.
    Different {
        /// The blank the books name.
        serial: i64,
    },
    /// The books keep no verified chip for this resident (a card printed without one).
    NoneKept,
}

/// Why the counter could not read a chip at all.
#[derive(Debug, thiserror::Error)]
pub enum CounterFault {
    /// The reader, the service or the card.
    #[error(transparent)]
    Card(#[from] CardError),
    /// The chip answered, but its content does not parse.
    #[error(transparent)]
    Content(#[from] cetak_chip::ChipError),
    /// The books could not be read.
    #[error(transparent)]
    Store(#[from] cetak_store::StoreError),
}

impl CounterFault {
    /// A stable code.
    pub fn code(&self) -> &'static str {
        match self {
            CounterFault::Card(e) => e.code(),
            CounterFault::Content(e) => e.code(),
            CounterFault::Store(_) => "store",
        }
    }
}

/// Reads the card in `reader` (waiting up to `card_wait` for one), checks it by passive
/// authentication against `trust` and, given `books` and a NIK, compares it with the chip
/// the books kept for that resident's card.
pub fn read_at_counter(
    reader: &str,
    trust: &[Certificate],
    card_wait: Duration,
    books: Option<(&Store, &str)>,
    at: OffsetDateTime,
) -> Result<CounterCheck, CounterFault> {
    let enc = Encoder::open(reader, Duration::from_secs(10))?;
    enc.wait_for_card(card_wait)?;
    let (chip, _) = enc.read()?;
    let fields = chip.fields()?;
    let media = chip.media()?;
    let passive = cetak_chip::verify(&chip, trust, at);
    let kept = match books {
        None => None,
        Some((store, nik)) => Some(match store.chip_of_card(nik)? {
            None => KeptChip::NoneKept,
            Some(c) if ChipImage::from_dump(&c.dump).ok().as_ref() == Some(&chip) => {
                KeptChip::Same { serial: c.serial }
            }
            Some(c) => KeptChip::Different { serial: c.serial },
        }),
    };
    Ok(CounterCheck {
        chip,
        fields,
        media,
        passive,
        kept,
    })
}

/// The chip content of a stored recording: DG1 from its fields, DG2/DG3/DG7 from its valid
/// media, EF.SOD signed by `signer`.
pub fn chip_for(
    store: &Store,
    recording_id: &str,
    signer: &dyn Signer,
) -> Result<Result<ChipImage, String>, OfficeError> {
    let fields = store.record_fields(recording_id)?;
    let mut media = CardMedia {
        foto: store
            .media_for_card(recording_id, MediaSlot::Foto)?
            .unwrap_or_default(),
        tanda_tangan: store
            .media_for_card(recording_id, MediaSlot::TandaTangan)?
            .unwrap_or_default(),
        ..CardMedia::default()
    };
    for finger in [2u8, 7] {
        if let Some(t) = store.media_for_card(recording_id, MediaSlot::Jari(finger))? {
            media.jari.insert(finger, t);
        }
    }
    Ok(
        ChipImage::encode(&CardFields::from_record(&fields), &media, signer)
            .map_err(|e| format!("{}: {e}", e.code())),
    )
}

fn fault_text(e: &CardError) -> String {
    format!("{}: {e}", e.code())
}

/// Nothing was written: the reader or the service is not there, or no blank is in the
/// encoder.
fn before_any_write(e: &CardError) -> bool {
    matches!(
        e,
        CardError::NoService(_) | CardError::NoReader(_) | CardError::NoCard
    )
}

/// Execute one `Encode` of the print run for `attempt` on a printer whose encoder setting is
/// `encoder` (`pcsc:READER`).
pub fn encode(
    store: &mut Store,
    rig: Option<&mut ChipRig>,
    encoder: Option<&str>,
    attempt: i64,
    check: bool,
    at: OffsetDateTime,
) -> Result<Result<(), EncodeFault>, OfficeError> {
    let not_started = |why: String| Ok(Err(EncodeFault::NotStarted(why)));
    let Some(reader) = encoder.and_then(encoder_reader) else {
        return not_started("the printer has no chip encoder set".into());
    };
    let Some(rig) = rig else {
        return not_started(
            "no document-signer token was given for this run (--chip-token, --chip-pin-file)"
                .into(),
        );
    };
    let row = store
        .attempt(attempt)?
        .ok_or(OfficeError::NoSuchAttempt(attempt))?;
    let enc = match Encoder::open(reader, rig.timeout) {
        Ok(e) => e,
        Err(e) => return not_started(fault_text(&e)),
    };
    if let Err(e) = enc.wait_for_card(rig.card_wait) {
        return Ok(Err(if check {
            EncodeFault::Unknown(fault_text(&e))
        } else {
            EncodeFault::NotStarted(fault_text(&e))
        }));
    }
    let kept = store
        .chip_encoding(attempt)?
        .and_then(|c| ChipImage::from_dump(&c.dump).ok());
    if check {
        match enc.read() {
            Ok((chip, _))
                if Some(&chip) == kept.as_ref()
                    && cetak_chip::verify(&chip, &rig.trust, at).is_ok() =>
            {
                // Written and good before the interruption: only the mark was missing.
                store.chip_verified(attempt, at)?;
                return Ok(Ok(()));
            }
            Err(e @ CardError::WrongCardType { .. }) => {
                return Ok(Err(EncodeFault::Chip(fault_text(&e))));
            }
            Err(e) if before_any_write(&e) || matches!(e, CardError::CardRemoved(_)) => {
                return Ok(Err(EncodeFault::Unknown(fault_text(&e))));
            }
            // Cut short, empty or someone else's content: written again below, on this blank.
            _ => {}
        }
    }
    let start = Instant::now();
    let chip = match kept {
        Some(chip) => chip,
        None => match chip_for(store, &row.recording_id, rig.signer.as_ref())? {
            Ok(chip) => chip,
            // The record's data cannot make a chip (e.g. no valid JPEG photo, imported without
            // media): nothing was written; say which record, so it can be corrected.
            Err(why) => {
                return not_started(format!(
                    "recording {} cannot be put on a chip: {why}",
                    row.recording_id
                ));
            }
        },
    };
    let sign = start.elapsed();
    // Kept before the write: whatever happens next, the books say what this blank was to get.
    store.chip_written(attempt, &chip.to_dump(), at)?;
    let start = Instant::now();
    match enc.encode(&chip, &rig.trust, at) {
        Ok(report) => {
            store.chip_verified(attempt, at)?;
            let figures = EncodeFigures {
                sign,
                card: start.elapsed(),
                bytes: report.bytes,
            };
            tracing::debug!(attempt, ?figures, apdus = report.apdus, "chip encoded");
            rig.last = Some(figures);
            Ok(Ok(()))
        }
        Err(e) if before_any_write(&e) && !check => not_started(fault_text(&e)),
        Err(e) if before_any_write(&e) => Ok(Err(EncodeFault::Unknown(fault_text(&e)))),
        Err(e) => Ok(Err(EncodeFault::Chip(fault_text(&e)))),
    }
}
