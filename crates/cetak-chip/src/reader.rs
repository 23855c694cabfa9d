//! Writing a [`ChipImage`] to a card in a PC/SC reader, reading it back and checking it. The
//! APDUs come from [`crate::apdu`]; this module only moves them and turns what the reader or
//! card says into a typed [`CardError`] that the spool can act on (retry, spoil, stop).
//!
//! Timeouts: PC/SC has no per-command timeout, so each operation (write, read) has a deadline
//! checked after every APDU; a card that answers too slowly fails with [`CardError::Timeout`]
//! at the first APDU past the deadline.

use std::ffi::CString;
use std::time::{Duration, Instant};

use pcsc::{Card, Context, Protocols, ReaderState, Scope, ShareMode, State};
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::apdu::{self, SW_MEMORY_FAILURE, SW_OK};
use crate::image::ChipImage;
use crate::layout::{self, FID_COM, FID_SOD};
use crate::verify::{Verified, VerifyError};

/// Why a card could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    /// No PC/SC service (pcscd not running).
    #[error("no PC/SC service (is pcscd running?): {0}")]
    NoService(String),
    /// The reader is not there.
    #[error("no reader named {0:?}")]
    NoReader(String),
    /// No card in the reader.
    #[error("no card in the reader")]
    NoCard,
    /// The card went away during the operation.
    #[error("the card was removed while writing or reading file {0:04X}")]
    CardRemoved(u16),
    /// The card refused a write (status word).
    #[error("the card refused to write file {fid:04X} (SW {sw:04X})")]
    WriteRefused {
        /// The file.
        fid: u16,
        /// The status word (`6581`: memory failure).
        sw: u16,
    },
    /// Not an E-KTP card: the application is not there.
    #[error("not an E-KTP card (ATR {atr}): the application is not on it")]
    WrongCardType {
        /// The card's ATR in hex.
        atr: String,
    },
    /// The card answered too slowly.
    #[error("the card did not finish within {0:?}")]
    Timeout(Duration),
    /// A command failed with an unexpected status word.
    #[error("file {fid:04X}: the card answered {sw:04X}")]
    Status {
        /// The file.
        fid: u16,
        /// The status word.
        sw: u16,
    },
    /// A file does not fit the card's layout (over 32 767 bytes).
    #[error("file {fid:04X} has {len} bytes, more than an EF holds")]
    TooLarge {
        /// The file.
        fid: u16,
        /// Its size.
        len: usize,
    },
    /// What was read back differs from what was written.
    #[error("file {0:04X} reads back different from what was written")]
    ReadBackMismatch(u16),
    /// The content read back fails passive authentication.
    #[error("the card fails passive authentication: {0}")]
    Verify(#[from] VerifyError),
    /// Another reader error.
    #[error("reader: {0}")]
    Reader(String),
}

impl CardError {
    /// A stable code.
    pub fn code(&self) -> &'static str {
        match self {
            CardError::NoService(_) => "pcsc_no_service",
            CardError::NoReader(_) => "pcsc_no_reader",
            CardError::NoCard => "card_absent",
            CardError::CardRemoved(_) => "card_removed",
            CardError::WriteRefused { .. } => "card_write_refused",
            CardError::WrongCardType { .. } => "card_wrong_type",
            CardError::Timeout(_) => "card_timeout",
            CardError::Status { .. } => "card_status",
            CardError::TooLarge { .. } => "chip_file_too_large",
            CardError::ReadBackMismatch(_) => "card_readback_mismatch",
            CardError::Verify(e) => e.code(),
            CardError::Reader(_) => "pcsc_error",
        }
    }
}

fn pcsc_err(e: pcsc::Error, fid: u16) -> CardError {
    match e {
        pcsc::Error::RemovedCard
        | pcsc::Error::ResetCard
        | pcsc::Error::NoSmartcard
        | pcsc::Error::NotTransacted => CardError::CardRemoved(fid),
        pcsc::Error::NoService | pcsc::Error::ServiceStopped => CardError::NoService(e.to_string()),
        pcsc::Error::Timeout => CardError::Timeout(Duration::ZERO),
        other => CardError::Reader(other.to_string()),
    }
}

/// What an encode took.
#[derive(Debug, Clone)]
pub struct EncodeReport {
    /// Time to write every file.
    pub write: Duration,
    /// Time to read them back.
    pub read: Duration,
    /// Bytes written.
    pub bytes: usize,
    /// APDUs sent (write + read).
    pub apdus: usize,
    /// What passive authentication of the read-back content established.
    pub verified: Verified,
}

/// One reader, by name, with a deadline per operation.
pub struct Encoder {
    ctx: Context,
    reader: CString,
    timeout: Duration,
}

/// A connected card and the operation's deadline.
struct Session {
    card: Card,
    deadline: Instant,
    timeout: Duration,
    apdus: usize,
}

impl Session {
    fn send(&mut self, apdu: &[u8], fid: u16) -> Result<(Vec<u8>, u16), CardError> {
        let mut buf = [0u8; 258];
        let resp = self
            .card
            .transmit(apdu, &mut buf)
            .map_err(|e| match pcsc_err(e, fid) {
                CardError::Timeout(_) => CardError::Timeout(self.timeout),
                other => other,
            })?;
        self.apdus += 1;
        if resp.len() < 2 {
            // vpcd answers nothing when the card went away mid-command.
            return Err(CardError::CardRemoved(fid));
        }
        if Instant::now() > self.deadline {
            return Err(CardError::Timeout(self.timeout));
        }
        let (data, sw) = apdu::split(resp);
        Ok((data.to_vec(), sw))
    }

    fn select(&mut self, fid: u16) -> Result<(), CardError> {
        match self.send(&apdu::select_ef(fid), fid)? {
            (_, SW_OK) => Ok(()),
            (_, sw) => Err(CardError::Status { fid, sw }),
        }
    }

    fn write_file(&mut self, fid: u16, bytes: &[u8]) -> Result<(), CardError> {
        let size = u16::try_from(bytes.len())
            .ok()
            .filter(|n| usize::from(*n) <= apdu::MAX_EF)
            .ok_or(CardError::TooLarge {
                fid,
                len: bytes.len(),
            })?;
        match self.send(&apdu::create_ef(fid, size), fid)? {
            (_, SW_OK) => {}
            (_, sw) => return Err(CardError::WriteRefused { fid, sw }),
        }
        for (i, chunk) in bytes.chunks(apdu::CHUNK).enumerate() {
            let offset = (i * apdu::CHUNK) as u16;
            match self.send(&apdu::update_binary(offset, chunk), fid)? {
                (_, SW_OK) => {}
                (_, sw @ SW_MEMORY_FAILURE) => return Err(CardError::WriteRefused { fid, sw }),
                (_, sw) => return Err(CardError::WriteRefused { fid, sw }),
            }
        }
        Ok(())
    }

    fn read_at(&mut self, fid: u16, offset: usize, len: usize) -> Result<Vec<u8>, CardError> {
        let offset = u16::try_from(offset)
            .ok()
            .filter(|o| usize::from(*o) <= apdu::MAX_EF)
            .ok_or(CardError::TooLarge { fid, len: offset })?;
        match self.send(&apdu::read_binary(offset, len), fid)? {
            (data, SW_OK) => Ok(data),
            (_, sw) => Err(CardError::Status { fid, sw }),
        }
    }

    /// Reads one EF: its TLV header first (to learn the length), then the rest.
    fn read_file(&mut self, fid: u16) -> Result<Vec<u8>, CardError> {
        self.select(fid)?;
        let mut out = self.read_at(fid, 0, 8)?;
        let (_, h, len) = crate::tlv::header(&out).map_err(|e| {
            CardError::Verify(VerifyError::Malformed(format!("file {fid:04X}: {e}")))
        })?;
        let total = h + len;
        if total > apdu::MAX_EF {
            return Err(CardError::TooLarge { fid, len: total });
        }
        out.truncate(total);
        while out.len() < total {
            let want = (total - out.len()).min(apdu::CHUNK);
            let got = self.read_at(fid, out.len(), want)?;
            if got.is_empty() {
                return Err(CardError::Status {
                    fid,
                    sw: apdu::SW_WRONG_OFFSET,
                });
            }
            out.extend_from_slice(&got);
        }
        Ok(out)
    }
}

impl Encoder {
    /// The reader named `reader` (e.g. `Virtual PCD 00 00`); every operation must end within
    /// `timeout`.
    pub fn open(reader: &str, timeout: Duration) -> Result<Encoder, CardError> {
        let ctx =
            Context::establish(Scope::User).map_err(|e| CardError::NoService(e.to_string()))?;
        let readers = ctx.list_readers_owned().map_err(|e| match e {
            pcsc::Error::NoReadersAvailable => CardError::NoReader(reader.to_string()),
            e => pcsc_err(e, 0),
        })?;
        let name = readers
            .into_iter()
            .find(|r| r.to_bytes() == reader.as_bytes())
            .ok_or_else(|| CardError::NoReader(reader.to_string()))?;
        Ok(Encoder {
            ctx,
            reader: name,
            timeout,
        })
    }

    /// Waits up to `wait` for a card in the reader.
    pub fn wait_for_card(&self, wait: Duration) -> Result<(), CardError> {
        if self.wait_for(State::PRESENT, wait)? {
            Ok(())
        } else {
            Err(CardError::NoCard)
        }
    }

    /// Waits up to `wait` until the reader reports no card, so that the next blank is not
    /// mistaken for the last one. `Ok(false)` when a card is still there at the end.
    pub fn wait_for_empty(&self, wait: Duration) -> Result<bool, CardError> {
        self.wait_for(State::EMPTY, wait)
    }

    /// Whether the reader reached `state` within `wait`.
    fn wait_for(&self, state: State, wait: Duration) -> Result<bool, CardError> {
        let end = Instant::now() + wait;
        let mut states = [ReaderState::new(self.reader.clone(), State::UNAWARE)];
        loop {
            match self
                .ctx
                .get_status_change(Duration::from_millis(100), &mut states)
            {
                Ok(()) | Err(pcsc::Error::Timeout) => {}
                Err(e) => return Err(pcsc_err(e, 0)),
            }
            if states[0].event_state().contains(state) {
                return Ok(true);
            }
            states[0].sync_current_state();
            if Instant::now() >= end {
                return Ok(false);
            }
        }
    }

    fn connect(&self) -> Result<Session, CardError> {
        let card = self
            .ctx
            .connect(&self.reader, ShareMode::Shared, Protocols::ANY)
            .map_err(|e| match e {
                pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard => CardError::NoCard,
                e => pcsc_err(e, 0),
            })?;
        let atr = card
            .status2_owned()
            .map(|s| {
                s.atr()
                    .iter()
                    .map(|b| format!("{b:02X}"))
                    .collect::<String>()
            })
            .unwrap_or_default();
        let mut s = Session {
            card,
            deadline: Instant::now() + self.timeout,
            timeout: self.timeout,
            apdus: 0,
        };
        match s.send(&apdu::select_application(), 0)? {
            (_, SW_OK) => Ok(s),
            _ => Err(CardError::WrongCardType { atr }),
        }
    }

    /// Writes every file of `chip` (EF.SOD last). Returns the APDUs sent.
    pub fn write(&self, chip: &ChipImage) -> Result<usize, CardError> {
        let mut s = self.connect()?;
        for (fid, bytes) in chip.files() {
            s.write_file(fid, bytes)?;
        }
        Ok(s.apdus)
    }

    /// Reads the chip back: EF.COM, the DGs it lists, EF.SOD.
    pub fn read(&self) -> Result<(ChipImage, usize), CardError> {
        let mut s = self.connect()?;
        let com = s.read_file(FID_COM)?;
        let groups = layout::ef_com_groups(&com).map_err(VerifyError::from)?;
        let mut files = vec![(FID_COM, com)];
        for n in groups {
            let fid = layout::dg_fid(n);
            files.push((fid, s.read_file(fid)?));
        }
        files.push((FID_SOD, s.read_file(FID_SOD)?));
        let chip = ChipImage::from_files(files).map_err(VerifyError::from)?;
        Ok((chip, s.apdus))
    }

    /// Writes, reads back, compares and runs passive authentication: the card is good only
    /// when all four hold.
    pub fn encode(
        &self,
        chip: &ChipImage,
        trust: &[Certificate],
        at: OffsetDateTime,
    ) -> Result<EncodeReport, CardError> {
        let start = Instant::now();
        let written = self.write(chip)?;
        let write = start.elapsed();
        let start = Instant::now();
        let (back, read_apdus) = self.read()?;
        let read = start.elapsed();
        for ((fid, a), (_, b)) in chip.files().into_iter().zip(back.files()) {
            if a != b {
                return Err(CardError::ReadBackMismatch(fid));
            }
        }
        if back != *chip {
            return Err(CardError::ReadBackMismatch(FID_COM));
        }
        let verified = crate::verify::verify(&back, trust, at)?;
        Ok(EncodeReport {
            write,
            read,
            bytes: chip.size(),
            apdus: written + read_apdus,
            verified,
        })
    }
}
