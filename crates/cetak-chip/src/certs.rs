//! Certificates of the trust chain: the signing CA above the office and the office's document
//! signer (DS) below it. The CA helpers exist for tests and the demo; in an office the CA is
//! elsewhere and signs the DS key's CSR.

use std::str::FromStr;
use std::time::Duration;

use der::{Decode, DecodePem, Encode, EncodePem};
use p256::ecdsa::{DerSignature, SigningKey, VerifyingKey};
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey};
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::builder::{Builder, CertificateBuilder, Profile, RequestBuilder};
use x509_cert::name::Name;
use x509_cert::request::CertReq;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::{Time, Validity};

use crate::ChipError;
use crate::signer::{Adapter, SignError};

fn crypto(e: impl std::fmt::Display) -> ChipError {
    ChipError::Crypto(e.to_string())
}

/// An X.509 time from a clock reading (UTCTime up to 2049, GeneralizedTime after: RFC 5280).
pub fn x509_time(at: OffsetDateTime) -> Result<Time, ChipError> {
    let secs = u64::try_from(at.unix_timestamp())
        .map_err(|_| ChipError::Input(format!("{at} is before 1970")))?;
    let dt = der::DateTime::from_unix_duration(Duration::from_secs(secs)).map_err(crypto)?;
    Ok(if dt.year() < 2050 {
        Time::UtcTime(der::asn1::UtcTime::from_date_time(dt).map_err(crypto)?)
    } else {
        Time::GeneralTime(der::asn1::GeneralizedTime::from_date_time(dt))
    })
}

/// An X.509 time as a clock reading.
pub fn from_x509_time(t: &Time) -> OffsetDateTime {
    let secs = i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// A certificate's validity as clock readings: `(not_before, not_after)`.
pub fn validity(cert: &Certificate) -> (OffsetDateTime, OffsetDateTime) {
    let v = &cert.tbs_certificate.validity;
    (from_x509_time(&v.not_before), from_x509_time(&v.not_after))
}

/// A distinguished name from its RFC 4514 text (`CN=…,O=…,C=ID`).
pub fn name(text: &str) -> Result<Name, ChipError> {
    Name::from_str(text).map_err(|e| ChipError::Input(format!("name {text:?}: {e}")))
}

/// The P-256 public key in a certificate.
pub fn verifying_key(cert: &Certificate) -> Result<VerifyingKey, ChipError> {
    let der = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(crypto)?;
    VerifyingKey::from_public_key_der(&der)
        .map_err(|e| ChipError::Crypto(format!("the certificate's key is not ECDSA P-256: {e}")))
}

/// A self-signed signing-CA certificate (tests and the demo).
pub fn self_signed_ca(
    key: &SigningKey,
    subject: &str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<Certificate, ChipError> {
    let spki = crate::signer::spki_of(key.verifying_key())?;
    let validity = Validity {
        not_before: x509_time(not_before)?,
        not_after: x509_time(not_after)?,
    };
    let builder = CertificateBuilder::new(
        Profile::Root,
        SerialNumber::from(1u32),
        validity,
        name(subject)?,
        spki,
        key,
    )
    .map_err(crypto)?;
    builder.build::<DerSignature>().map_err(crypto)
}

/// The CA issues a document-signer certificate for `public` (the DS key's SPKI).
pub fn issue_ds(
    ca_cert: &Certificate,
    ca_key: &SigningKey,
    subject: &Name,
    public: SubjectPublicKeyInfoOwned,
    serial: u64,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<Certificate, ChipError> {
    let validity = Validity {
        not_before: x509_time(not_before)?,
        not_after: x509_time(not_after)?,
    };
    let profile = Profile::Leaf {
        issuer: ca_cert.tbs_certificate.subject.clone(),
        enable_key_agreement: false,
        enable_key_encipherment: false,
    };
    let serial = SerialNumber::new(&serial.to_be_bytes()).map_err(crypto)?;
    let builder =
        CertificateBuilder::new(profile, serial, validity, subject.clone(), public, ca_key)
            .map_err(crypto)?;
    builder.build::<DerSignature>().map_err(crypto)
}

/// A PKCS#10 request for a DS key, signed by that key through `sign` (a token's key signs
/// its own request; the private key never leaves).
pub fn csr(
    subject: &Name,
    public: VerifyingKey,
    sign: &(dyn Fn(&[u8; 32]) -> Result<p256::ecdsa::Signature, SignError> + Sync),
) -> Result<CertReq, ChipError> {
    let adapter = Adapter { sign, public };
    let builder = RequestBuilder::new(subject.clone(), &adapter).map_err(crypto)?;
    builder.build::<DerSignature>().map_err(crypto)
}

/// A CSR as PEM.
pub fn csr_pem(req: &CertReq) -> Result<String, ChipError> {
    req.to_pem(der::pem::LineEnding::LF).map_err(crypto)
}

/// A certificate as PEM.
pub fn to_pem(cert: &Certificate) -> Result<String, ChipError> {
    cert.to_pem(der::pem::LineEnding::LF).map_err(crypto)
}

/// Certificates from PEM text (one or more) or a single DER certificate.
pub fn parse_certificates(bytes: &[u8]) -> Result<Vec<Certificate>, ChipError> {
    if let Ok(text) = std::str::from_utf8(bytes)
        && text.contains("-----BEGIN")
    {
        return Certificate::load_pem_chain(bytes)
            .map_err(|e| ChipError::Input(format!("not a PEM certificate: {e}")));
    }
    Certificate::from_der(bytes)
        .map(|c| vec![c])
        .map_err(|e| ChipError::Input(format!("not a DER certificate: {e}")))
}

/// One certificate from PEM.
pub fn from_pem(text: &str) -> Result<Certificate, ChipError> {
    Certificate::from_pem(text).map_err(|e| ChipError::Input(format!("not a PEM certificate: {e}")))
}

/// A P-256 private key from PEM (PKCS#8 `PRIVATE KEY` or SEC1 `EC PRIVATE KEY`).
pub fn key_from_pem(text: &str) -> Result<SigningKey, ChipError> {
    if let Ok(k) = SigningKey::from_pkcs8_pem(text) {
        return Ok(k);
    }
    p256::SecretKey::from_sec1_pem(text)
        .map(SigningKey::from)
        .map_err(|_| ChipError::Input("not a P-256 private key in PEM (PKCS#8 or SEC1)".into()))
}

/// A P-256 private key as PKCS#8 PEM.
pub fn key_to_pem(key: &SigningKey) -> Result<String, ChipError> {
    use p256::pkcs8::EncodePrivateKey;
    key.to_pkcs8_pem(der::pem::LineEnding::LF)
        .map(|z| z.to_string())
        .map_err(crypto)
}

/// The certificate's subject and issuer as text.
pub fn subject_text(cert: &Certificate) -> String {
    cert.tbs_certificate.subject.to_string()
}

/// The issuer as text.
pub fn issuer_text(cert: &Certificate) -> String {
    cert.tbs_certificate.issuer.to_string()
}

/// The serial number in hex.
pub fn serial_hex(cert: &Certificate) -> String {
    cert.tbs_certificate
        .serial_number
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
