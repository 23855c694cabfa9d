//! The E-KTP chip: what an office writes into a card's contactless chip, and how anyone checks
//! it.
//!
//! The core is sans-IO: [`layout`] and [`image`] turn a recording's fields and media into
//! elementary files, [`sod`] signs their hashes, [`verify`] checks them (passive
//! authentication), [`apdu`] says which commands write and read them. Only two modules touch the
//! world: [`pkcs11`] (the document-signer key on a token) and [`reader`] (a PC/SC card reader).
//! `docs/chip.md` describes the layout, the dump format, the trust chain and the APDU set.

pub mod apdu;
pub mod certs;
pub mod image;
pub mod keys;
pub mod layout;
pub mod pkcs11;
pub mod reader;
pub mod signer;
pub mod sod;
#[cfg(feature = "testcard")]
pub mod testcard;
pub mod tlv;
pub mod verify;

pub use image::ChipImage;
pub use keys::{ChipKeys, KeyError};

pub use layout::{CardFields, CardMedia};
pub use p256::ecdsa::SigningKey;
pub use pkcs11::Pkcs11Signer;
pub use reader::{CardError, Encoder};
pub use signer::{SignError, Signer, SoftwareSigner};
pub use verify::{Verified, VerifyError, verify};
pub use x509_cert::Certificate;

/// Why chip content could not be built or read.
#[derive(Debug, thiserror::Error)]
pub enum ChipError {
    /// The fields or media cannot go on a chip (a NIK that is not 16 digits, a photo that is not
    /// a JPEG).
    #[error("cannot encode: {0}")]
    Input(String),
    /// Bytes that do not parse (a dump, a DG, EF.SOD).
    #[error("malformed: {0}")]
    Malformed(String),
    /// The signer failed.
    #[error("signing failed: {0}")]
    Sign(String),
    /// An ASN.1 or key operation failed.
    #[error("crypto: {0}")]
    Crypto(String),
}

impl ChipError {
    /// A stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ChipError::Input(_) => "chip_input",
            ChipError::Malformed(_) => "chip_malformed",
            ChipError::Sign(_) => "chip_sign_failed",
            ChipError::Crypto(_) => "chip_crypto",
        }
    }
}

impl From<SignError> for ChipError {
    fn from(e: SignError) -> Self {
        ChipError::Sign(e.to_string())
    }
}
