//! The office's document-signer keys as the spool and the `cetak chip keys` commands see them:
//! open the token, make a key (with a certificate from the test CA, or a CSR for the real one),
//! show it, rotate it, and — before any card is encoded — check that its certificate is valid
//! ([`ChipKeys::ready`]): a chip signed with an expired certificate fails every check for the
//! rest of the card's life.

use std::path::Path;
use std::sync::Arc;

use p256::ecdsa::SigningKey;
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::name::Name;

use crate::certs;
use crate::pkcs11::{Pkcs11Signer, Token};
use crate::signer::spki_of;

/// Why the keys cannot sign.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The PKCS#11 module could not be loaded or initialised.
    #[error("PKCS#11 module: {0}")]
    Module(String),
    /// No token with that label.
    #[error("no token labelled {0:?}")]
    NoToken(String),
    /// The PIN was refused.
    #[error("the token refused the PIN")]
    Pin,
    /// The PIN file could not be read.
    #[error("PIN file {0}: {1}")]
    PinFile(String, String),
    /// No document-signer key on the token (run `cetak chip keys init`).
    #[error("no document-signer key on the token")]
    NoKey,
    /// A key without a certificate (a CSR is waiting for the CA).
    #[error("the document-signer key has no certificate yet (import the CA's answer to the CSR)")]
    NoCertificate,
    /// The certificate does not belong to the key.
    #[error("the certificate is not for the key on the token")]
    CertificateMismatch,
    /// The certificate has expired: rotate the key.
    #[error("the document-signer certificate expired at {0}")]
    Expired(OffsetDateTime),
    /// The certificate is not valid yet.
    #[error("the document-signer certificate is not valid before {0}")]
    NotYetValid(OffsetDateTime),
    /// The token failed.
    #[error("token: {0}")]
    Token(String),
    /// Making a certificate or CSR failed.
    #[error("certificate: {0}")]
    Certificate(String),
}

impl KeyError {
    /// A stable code.
    pub fn code(&self) -> &'static str {
        match self {
            KeyError::Module(_) => "pkcs11_module",
            KeyError::NoToken(_) => "token_not_found",
            KeyError::Pin => "token_pin_refused",
            KeyError::PinFile(..) => "pin_file_unreadable",
            KeyError::NoKey => "ds_key_missing",
            KeyError::NoCertificate => "ds_certificate_missing",
            KeyError::CertificateMismatch => "ds_certificate_mismatch",
            KeyError::Expired(_) => "ds_expired",
            KeyError::NotYetValid(_) => "ds_not_yet_valid",
            KeyError::Token(_) => "token_error",
            KeyError::Certificate(_) => "ds_certificate_error",
        }
    }
}

impl From<crate::ChipError> for KeyError {
    fn from(e: crate::ChipError) -> Self {
        KeyError::Certificate(e.to_string())
    }
}

/// The test/demo CA that signs directly; an office's CA answers a CSR instead.
pub struct LocalCa<'a> {
    /// The CA certificate.
    pub certificate: &'a Certificate,
    /// Its key.
    pub key: &'a SigningKey,
}

/// What `init` or `rotate` produced.
pub enum Issued {
    /// A certificate, stored on the token beside the key.
    Certificate(Box<Certificate>),
    /// A CSR (PEM) for the CA; the key waits for `import_certificate`.
    Request(String),
}

/// About the current key.
#[derive(Debug, Clone)]
pub struct KeyInfo {
    /// The key's id on the token (hex).
    pub id: String,
    /// Where the key is (`pkcs11:MODULE#LABEL`).
    pub location: String,
    /// The certificate, when there is one.
    pub certificate: Option<Certificate>,
}

/// The document-signer keys on one token.
pub struct ChipKeys {
    token: Arc<Token>,
}

/// Reads a PIN file (first line, trimmed).
pub fn read_pin(path: &Path) -> Result<String, KeyError> {
    std::fs::read_to_string(path)
        .map(|s| s.lines().next().unwrap_or("").trim().to_string())
        .map_err(|e| KeyError::PinFile(path.display().to_string(), e.to_string()))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl ChipKeys {
    /// Opens the token (`module`, token `label`, user PIN from `pin_file`).
    pub fn open(module: &Path, label: &str, pin_file: &Path) -> Result<ChipKeys, KeyError> {
        let pin = read_pin(pin_file)?;
        Ok(ChipKeys {
            token: Arc::new(Token::open(module, label, &pin)?),
        })
    }

    /// From an open token.
    pub fn with_token(token: Arc<Token>) -> ChipKeys {
        ChipKeys { token }
    }

    /// The token.
    pub fn token(&self) -> &Arc<Token> {
        &self.token
    }

    /// The newest key's id.
    fn current_id(&self) -> Result<Vec<u8>, KeyError> {
        self.token.key_ids()?.pop().ok_or(KeyError::NoKey)
    }

    /// Makes a new key on the token and its certificate (`ca`: signed here, valid
    /// `validity_days` from `at`) or its CSR (`ca` = `None`). Older keys' private halves are
    /// destroyed once the new key has a certificate: a rotated-out key signs nothing more.
    pub fn create(
        &self,
        subject: &str,
        ca: Option<LocalCa<'_>>,
        at: OffsetDateTime,
        validity_days: i64,
    ) -> Result<Issued, KeyError> {
        let subject: Name = certs::name(subject)?;
        let older = self.token.key_ids()?;
        let (id, public) = self.token.generate_key()?;
        match ca {
            Some(ca) => {
                let serial = u64::from_be_bytes(id.as_slice().try_into().unwrap_or([0; 8]));
                let cert = certs::issue_ds(
                    ca.certificate,
                    ca.key,
                    &subject,
                    spki_of(&public)?,
                    serial,
                    at,
                    at + time::Duration::days(validity_days),
                )?;
                self.token.store_certificate(&id, &cert)?;
                for old in older {
                    self.token.destroy_private_key(&old)?;
                }
                Ok(Issued::Certificate(Box::new(cert)))
            }
            None => {
                let token = self.token.clone();
                let key_id = id.clone();
                let sign = move |d: &[u8; 32]| token.sign(&key_id, d);
                let req = certs::csr(&subject, public, &sign)?;
                Ok(Issued::Request(certs::csr_pem(&req)?))
            }
        }
    }

    /// Stores the CA's certificate for the newest key (after a CSR), checking it is for that
    /// key; then retires the older keys.
    pub fn import_certificate(&self, cert: &Certificate) -> Result<(), KeyError> {
        let ids = self.token.key_ids()?;
        let id = ids.last().ok_or(KeyError::NoKey)?;
        let public = self.token.public_key(id)?;
        if certs::verifying_key(cert)? != public {
            return Err(KeyError::CertificateMismatch);
        }
        self.token.store_certificate(id, cert)?;
        for old in &ids[..ids.len() - 1] {
            self.token.destroy_private_key(old)?;
        }
        Ok(())
    }

    /// The current key and its certificate.
    pub fn show(&self) -> Result<KeyInfo, KeyError> {
        let id = self.current_id()?;
        Ok(KeyInfo {
            id: hex(&id),
            location: self.token.location().to_string(),
            certificate: self.token.certificate(&id)?,
        })
    }

    /// Whether the current key can sign cards at `at`: it exists, has a certificate, and the
    /// certificate is valid. The spool calls this before encoding any card.
    pub fn ready(&self, at: OffsetDateTime) -> Result<(), KeyError> {
        let id = self.current_id()?;
        let cert = self
            .token
            .certificate(&id)?
            .ok_or(KeyError::NoCertificate)?;
        let (from, to) = certs::validity(&cert);
        if at > to {
            return Err(KeyError::Expired(to));
        }
        if at < from {
            return Err(KeyError::NotYetValid(from));
        }
        Ok(())
    }

    /// The signer for the current key (checked with [`ChipKeys::ready`] first).
    pub fn signer(&self, at: OffsetDateTime) -> Result<Pkcs11Signer, KeyError> {
        self.ready(at)?;
        let id = self.current_id()?;
        let cert = self
            .token
            .certificate(&id)?
            .ok_or(KeyError::NoCertificate)?;
        Ok(Pkcs11Signer::new(self.token.clone(), id, cert))
    }
}
