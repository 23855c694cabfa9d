//! The person on the card: the face photo, the signature and the fingerprint templates that
//! came with a recording (import contract v2), as received and as judged.
//!
//! Pure data: the checks themselves (image decoding, template parsing) live in `cetak-ingest`
//! through `cetak-media` and `cetak-finger`, so that the domain stays free of codecs. Nothing
//! received is dropped: an item that fails its check keeps its bytes beside the reason, and the
//! recording waits for a correction.

use std::fmt;

/// Where an item belongs on the recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MediaSlot {
    /// The face photo (`foto`), printed on the card.
    Foto,
    /// The signature (`tanda_tangan`), printed on the card.
    TandaTangan,
    /// A fingerprint minutiae template for an ISO finger position (1–10; 2 and 7 are the index
    /// fingers the chip keeps).
    Jari(u8),
}

impl MediaSlot {
    /// The stored name: `foto`, `tanda_tangan`, `jari-02`.
    pub fn name(self) -> String {
        match self {
            MediaSlot::Foto => "foto".into(),
            MediaSlot::TandaTangan => "tanda_tangan".into(),
            MediaSlot::Jari(p) => format!("jari-{p:02}"),
        }
    }

    /// Reads a stored name back.
    pub fn parse(name: &str) -> Option<MediaSlot> {
        match name {
            "foto" => Some(MediaSlot::Foto),
            "tanda_tangan" => Some(MediaSlot::TandaTangan),
            _ => {
                let p: u8 = name.strip_prefix("jari-")?.parse().ok()?;
                (1..=10).contains(&p).then_some(MediaSlot::Jari(p))
            }
        }
    }

    /// Whether the card prints it: a recording cannot be printed without a valid one.
    pub fn printed(self) -> bool {
        matches!(self, MediaSlot::Foto | MediaSlot::TandaTangan)
    }

    /// What kind of content the slot holds.
    pub fn kind(self) -> &'static str {
        match self {
            MediaSlot::Foto => "foto",
            MediaSlot::TandaTangan => "tanda_tangan",
            MediaSlot::Jari(_) => "sidik_jari",
        }
    }
}

impl fmt::Display for MediaSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// What the check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaVerdict {
    /// Not checked yet (the reader attaches bytes; the checker judges them).
    Unchecked,
    /// Accepted. Width and height are pixels for images, 0 for templates.
    Valid {
        /// MIME type (`image/jpeg`, `image/png`, `application/x-iso19794-2`).
        mime: String,
        /// Pixels across (images).
        width: u32,
        /// Pixels down (images).
        height: u32,
    },
    /// Refused, with a stable code and a sentence for the operator.
    Invalid {
        /// e.g. `photo_too_small`, `template_truncated`, `media_bad_base64`.
        code: String,
        /// Why, in words.
        message: String,
    },
}

/// One photo, signature or template as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaItem {
    /// Where it belongs.
    pub slot: MediaSlot,
    /// The bytes as received (after base64 decoding; the original text when that failed).
    pub bytes: Vec<u8>,
    /// The check's verdict.
    pub verdict: MediaVerdict,
}

/// Everything of one recording's media in an import (contract v2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowMedia {
    /// Items in the order received.
    pub items: Vec<MediaItem>,
    /// What came with the recording but could not be placed in a slot (an unknown finger
    /// position, a file nobody expects, a `sidik_jari` that is not an object): `(code, field,
    /// message)`, kept as problems that do not block printing.
    pub unplaced: Vec<(String, String, String)>,
}

impl RowMedia {
    /// The item for a slot (the first, when a file names one twice).
    pub fn get(&self, slot: MediaSlot) -> Option<&MediaItem> {
        self.items.iter().find(|i| i.slot == slot)
    }

    /// The problems this media gives the recording: each invalid item, and a missing photo or
    /// signature. `(code, field, message, blocking)`; blocking = a printed item.
    pub fn problems(&self) -> Vec<(String, String, String, bool)> {
        let mut out = Vec::new();
        for slot in [MediaSlot::Foto, MediaSlot::TandaTangan] {
            if self.get(slot).is_none() {
                out.push((
                    format!("{}_missing", slot.kind()),
                    slot.name(),
                    format!("no {} came with the recording", slot.kind()),
                    true,
                ));
            }
        }
        for (code, field, message) in &self.unplaced {
            out.push((code.clone(), field.clone(), message.clone(), false));
        }
        for item in &self.items {
            if let MediaVerdict::Invalid { code, message } = &item.verdict {
                out.push((
                    code.clone(),
                    item.slot.name(),
                    message.clone(),
                    item.slot.printed(),
                ));
            }
        }
        out
    }

    /// Whether a printed item is missing or invalid.
    pub fn blocks_printing(&self) -> bool {
        self.problems().iter().any(|p| p.3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_names_read_back() {
        for slot in [
            MediaSlot::Foto,
            MediaSlot::TandaTangan,
            MediaSlot::Jari(2),
            MediaSlot::Jari(10),
        ] {
            assert_eq!(MediaSlot::parse(&slot.name()), Some(slot));
        }
        assert_eq!(MediaSlot::Jari(7).name(), "jari-07");
        assert_eq!(MediaSlot::parse("jari-11"), None);
        assert_eq!(MediaSlot::parse("jari-00"), None);
        assert_eq!(MediaSlot::parse("../foto"), None);
    }

    #[test]
    fn a_missing_photo_or_signature_blocks_printing_and_a_bad_finger_does_not() {
        let valid = |slot| MediaItem {
            slot,
            bytes: vec![1],
            verdict: MediaVerdict::Valid {
                mime: "image/jpeg".into(),
                width: 300,
                height: 400,
            },
        };
        let mut m = RowMedia {
            items: vec![valid(MediaSlot::Foto)],
            unplaced: Vec::new(),
        };
        assert!(m.blocks_printing(), "no signature");
        m.items.push(valid(MediaSlot::TandaTangan));
        assert!(!m.blocks_printing());
        m.items.push(MediaItem {
            slot: MediaSlot::Jari(2),
            bytes: vec![0],
            verdict: MediaVerdict::Invalid {
                code: "template_not_fmr".into(),
                message: "x".into(),
            },
        });
        assert!(!m.blocks_printing());
        assert_eq!(m.problems().len(), 1);
        m.items[0].verdict = MediaVerdict::Invalid {
            code: "photo_too_small".into(),
            message: "x".into(),
        };
        assert!(m.blocks_printing());
    }
}
