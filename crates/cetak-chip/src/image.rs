//! One card's chip content as a value ([`ChipImage`]): built from the registry's fields and
//! media, written to a card file by file, read back, or kept in a dump file (`CETAKCHIP1`) that
//! `cetak chip verify --from FILE` checks offline.

use std::collections::BTreeMap;

use crate::ChipError;
use crate::layout::{self, CardFields, CardMedia, FID_COM, FID_SOD};
use crate::signer::Signer;
use crate::sod;

/// The magic at the start of a dump file.
pub const DUMP_MAGIC: &[u8; 10] = b"CETAKCHIP1";

/// The elementary files of one chip: EF.COM, the data groups by number, EF.SOD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipImage {
    /// EF.COM.
    pub com: Vec<u8>,
    /// DG number → the DG's bytes (outer tag included).
    pub dgs: BTreeMap<u8, Vec<u8>>,
    /// EF.SOD.
    pub sod: Vec<u8>,
}

impl ChipImage {
    /// Lays out DG1, DG2, DG3 and DG7 from the fields and media, lists them in EF.COM and signs
    /// their hashes in EF.SOD with `signer`.
    pub fn encode(
        fields: &CardFields,
        media: &CardMedia,
        signer: &dyn Signer,
    ) -> Result<ChipImage, ChipError> {
        let mut dgs = BTreeMap::new();
        dgs.insert(1, fields.to_dg1()?);
        dgs.insert(2, media.to_dg2()?);
        dgs.insert(3, media.to_dg3()?);
        dgs.insert(7, media.to_dg7()?);
        let numbers: Vec<u8> = dgs.keys().copied().collect();
        let list: Vec<(u8, &[u8])> = dgs.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        let sod = sod::build(&list, signer)?;
        Ok(ChipImage {
            com: layout::ef_com(&numbers),
            dgs,
            sod,
        })
    }

    /// `(file id, bytes)` in writing order: EF.COM, DG1…, EF.SOD last (a card whose write was
    /// cut short then has no SOD and fails verification as a whole).
    pub fn files(&self) -> Vec<(u16, &[u8])> {
        let mut out = vec![(FID_COM, self.com.as_slice())];
        out.extend(
            self.dgs
                .iter()
                .map(|(n, b)| (layout::dg_fid(*n), b.as_slice())),
        );
        out.push((FID_SOD, self.sod.as_slice()));
        out
    }

    /// Total bytes of all files.
    pub fn size(&self) -> usize {
        self.files().iter().map(|(_, b)| b.len()).sum()
    }

    /// Puts the files read from a card (or a dump) back together.
    pub fn from_files(
        files: impl IntoIterator<Item = (u16, Vec<u8>)>,
    ) -> Result<ChipImage, ChipError> {
        let mut com = None;
        let mut sod = None;
        let mut dgs = BTreeMap::new();
        for (fid, bytes) in files {
            let slot = match fid {
                FID_COM => &mut com,
                FID_SOD => &mut sod,
                f if f & 0xFF00 == 0x0100 && layout::dg_tag((f & 0xFF) as u8).is_some() => {
                    if dgs.insert((f & 0xFF) as u8, bytes).is_some() {
                        return Err(ChipError::Malformed(format!("file {fid:04X} twice")));
                    }
                    continue;
                }
                _ => return Err(ChipError::Malformed(format!("unknown file {fid:04X}"))),
            };
            if slot.replace(bytes).is_some() {
                return Err(ChipError::Malformed(format!("file {fid:04X} twice")));
            }
        }
        let com = com.ok_or_else(|| ChipError::Malformed("no EF.COM".into()))?;
        let sod = sod.ok_or_else(|| ChipError::Malformed("no EF.SOD".into()))?;
        Ok(ChipImage { com, dgs, sod })
    }

    /// The dump file: `CETAKCHIP1`, then per file: file id (2 bytes), length (4 bytes, both
    /// big-endian), the bytes.
    pub fn to_dump(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.size() + 64);
        out.extend_from_slice(DUMP_MAGIC);
        for (fid, bytes) in self.files() {
            out.extend_from_slice(&fid.to_be_bytes());
            out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            out.extend_from_slice(bytes);
        }
        out
    }

    /// Reads a dump file.
    pub fn from_dump(buf: &[u8]) -> Result<ChipImage, ChipError> {
        let mut rest = buf
            .strip_prefix(DUMP_MAGIC.as_slice())
            .ok_or_else(|| ChipError::Malformed("not a chip dump (no CETAKCHIP1 magic)".into()))?;
        let mut files = Vec::new();
        while !rest.is_empty() {
            let (head, tail) = rest
                .split_at_checked(6)
                .ok_or_else(|| ChipError::Malformed("dump: truncated file header".into()))?;
            let fid = u16::from_be_bytes([head[0], head[1]]);
            let len = u32::from_be_bytes([head[2], head[3], head[4], head[5]]) as usize;
            let (bytes, tail) = tail.split_at_checked(len).ok_or_else(|| {
                ChipError::Malformed(format!(
                    "dump: file {fid:04X} says {len} bytes, {} are there",
                    tail.len()
                ))
            })?;
            files.push((fid, bytes.to_vec()));
            rest = tail;
        }
        ChipImage::from_files(files)
    }

    /// DG1's fields.
    pub fn fields(&self) -> Result<CardFields, ChipError> {
        CardFields::from_dg1(self.dg(1)?)
    }

    /// The media in DG2, DG3 and DG7 (the DGs present).
    pub fn media(&self) -> Result<CardMedia, ChipError> {
        let mut m = CardMedia::default();
        if let Some(d) = self.dgs.get(&2) {
            m.foto = CardMedia::foto_from_dg2(d)?;
        }
        if let Some(d) = self.dgs.get(&3) {
            m.jari = CardMedia::jari_from_dg3(d)?;
        }
        if let Some(d) = self.dgs.get(&7) {
            m.tanda_tangan = CardMedia::tanda_tangan_from_dg7(d)?;
        }
        Ok(m)
    }

    /// A data group's bytes.
    pub fn dg(&self, n: u8) -> Result<&[u8], ChipError> {
        self.dgs
            .get(&n)
            .map(Vec::as_slice)
            .ok_or_else(|| ChipError::Malformed(format!("no DG{n}")))
    }
}
