//! Who signs EF.SOD: the office's document-signer key, behind a small trait so that the same
//! encoder works with a key in memory (tests) and a key that never leaves a PKCS#11 token
//! (the office). The trait hands the signer a SHA-256 digest, not the message: a token then only
//! does the private-key operation, and the slow or remote part stays small.

use std::sync::Arc;

use p256::ecdsa::{DerSignature, Signature, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, EncodePublicKey};
use x509_cert::Certificate;

use crate::certs;

/// Why a signature could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// The token refused or failed (PKCS#11 return value in words).
    #[error("the key store refused to sign: {0}")]
    Token(String),
    /// The signer returned something that is not a P-256 signature.
    #[error("the signature is not a P-256 ECDSA signature: {0}")]
    BadSignature(String),
}

/// The office's document signer: its certificate and its private-key operation.
pub trait Signer: Send + Sync {
    /// The document-signer certificate that goes into EF.SOD.
    fn certificate(&self) -> &Certificate;
    /// ECDSA P-256 over a SHA-256 digest.
    fn sign(&self, sha256_digest: &[u8; 32]) -> Result<Signature, SignError>;
}

/// A P-256 key in memory: tests, the demo, and the CA's own signature on certificates.
pub struct SoftwareSigner {
    key: SigningKey,
    certificate: Certificate,
}

impl SoftwareSigner {
    /// A signer from a key and its certificate.
    pub fn new(key: SigningKey, certificate: Certificate) -> SoftwareSigner {
        SoftwareSigner { key, certificate }
    }

    /// The key.
    pub fn key(&self) -> &SigningKey {
        &self.key
    }
}

impl Signer for SoftwareSigner {
    fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    fn sign(&self, sha256_digest: &[u8; 32]) -> Result<Signature, SignError> {
        use signature::hazmat::PrehashSigner;
        // RFC 6979 deterministic: the same SOD content gives the same bytes (goldens).
        self.key
            .sign_prehash(sha256_digest)
            .map_err(|e| SignError::BadSignature(e.to_string()))
    }
}

impl<T: Signer + ?Sized> Signer for Arc<T> {
    fn certificate(&self) -> &Certificate {
        (**self).certificate()
    }
    fn sign(&self, d: &[u8; 32]) -> Result<Signature, SignError> {
        (**self).sign(d)
    }
}

/// The ecdsa-with-SHA256 algorithm identifier (no parameters, RFC 5758).
pub fn ecdsa_with_sha256() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: const_oid::db::rfc5912::ECDSA_WITH_SHA_256,
        parameters: None,
    }
}

/// Lets RustCrypto's builders (`cms`, `x509-cert`) drive any [`Signer`] — and a raw public
/// key with a signing closure, which is how a token's key signs its own CSR.
pub(crate) struct Adapter<'a> {
    pub(crate) sign: &'a (dyn Fn(&[u8; 32]) -> Result<Signature, SignError> + Sync),
    pub(crate) public: VerifyingKey,
}

impl<'a> Adapter<'a> {
    pub(crate) fn for_signer(
        signer: &'a dyn Signer,
        sign: &'a (dyn Fn(&[u8; 32]) -> Result<Signature, SignError> + Sync),
    ) -> Result<Adapter<'a>, crate::ChipError> {
        Ok(Adapter {
            sign,
            public: certs::verifying_key(signer.certificate())?,
        })
    }
}

impl signature::Keypair for Adapter<'_> {
    type VerifyingKey = VerifyingKey;
    fn verifying_key(&self) -> VerifyingKey {
        self.public
    }
}

impl DynSignatureAlgorithmIdentifier for Adapter<'_> {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(ecdsa_with_sha256())
    }
}

impl signature::Signer<DerSignature> for Adapter<'_> {
    fn try_sign(&self, msg: &[u8]) -> Result<DerSignature, signature::Error> {
        let digest: [u8; 32] = Sha256::digest(msg).into();
        let sig = (self.sign)(&digest).map_err(signature::Error::from_source)?;
        Ok(sig.to_der())
    }
}

/// The DER of a public key's SubjectPublicKeyInfo (for CSRs and certificates).
pub fn spki_of(key: &VerifyingKey) -> Result<spki::SubjectPublicKeyInfoOwned, crate::ChipError> {
    let der = key
        .to_public_key_der()
        .map_err(|e| crate::ChipError::Crypto(e.to_string()))?;
    spki::SubjectPublicKeyInfoOwned::try_from(der.as_bytes())
        .map_err(|e| crate::ChipError::Crypto(e.to_string()))
}
