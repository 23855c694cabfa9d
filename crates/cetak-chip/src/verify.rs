//! Passive authentication (ICAO 9303-11 §5.1): is this chip's content what the office signed,
//! signed by a document signer that a trusted CA vouches for, at the given time? Each failure
//! names what is at fault — the DG, the DS certificate or the CA — with a stable code.

use der::{Decode, Encode};
use p256::ecdsa::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};
use signature::Verifier;
use time::OffsetDateTime;
use x509_cert::Certificate;

use cms::cert::CertificateChoices;
use cms::signed_data::SignerIdentifier;

use crate::ChipError;
use crate::certs;
use crate::image::ChipImage;
use crate::layout;
use crate::sod;

/// Why passive authentication failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// EF.SOD, EF.COM or a DG does not parse.
    #[error("the chip content is malformed: {0}")]
    Malformed(String),
    /// A DG's bytes no longer match the hash the office signed.
    #[error("DG{0} was altered: its hash does not match EF.SOD")]
    DataGroupAltered(u8),
    /// EF.SOD signs a DG that is not there.
    #[error("DG{0} is signed in EF.SOD but missing")]
    DataGroupMissing(u8),
    /// A DG is present that EF.SOD does not sign.
    #[error("DG{0} is present but not signed in EF.SOD")]
    DataGroupUnsigned(u8),
    /// EF.SOD carries no certificate for its signer.
    #[error("EF.SOD carries no document-signer certificate")]
    NoSignerCertificate,
    /// No trusted CA issued the DS certificate (unknown issuer, or its signature fails).
    #[error("the document signer {subject} is not vouched for by a trusted CA (issuer {issuer})")]
    UnknownSigner {
        /// The DS certificate's subject.
        subject: String,
        /// Its issuer.
        issuer: String,
    },
    /// The DS certificate had expired at the time of the check.
    #[error("the document-signer certificate {subject} expired at {not_after}")]
    Expired {
        /// The DS certificate's subject.
        subject: String,
        /// Its end of validity.
        not_after: OffsetDateTime,
    },
    /// The DS certificate was not valid yet.
    #[error("the document-signer certificate {subject} is not valid before {not_before}")]
    NotYetValid {
        /// The DS certificate's subject.
        subject: String,
        /// Its start of validity.
        not_before: OffsetDateTime,
    },
    /// The CA certificate that issued the DS certificate was not valid at the time.
    #[error("the CA certificate {subject} is not valid at the time of the check")]
    CaNotValid {
        /// The CA's subject.
        subject: String,
    },
    /// The SOD's signature does not verify with the DS certificate's key.
    #[error("the EF.SOD signature does not verify with the document-signer key")]
    BadSignature,
    /// An algorithm other than SHA-256 / ECDSA P-256.
    #[error("unsupported algorithm in EF.SOD: {0}")]
    UnsupportedAlgorithm(String),
}

impl VerifyError {
    /// A stable code for logs, JSON and tests.
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::Malformed(_) => "chip_malformed",
            VerifyError::DataGroupAltered(_) => "dg_altered",
            VerifyError::DataGroupMissing(_) => "dg_missing",
            VerifyError::DataGroupUnsigned(_) => "dg_unsigned",
            VerifyError::NoSignerCertificate => "ds_certificate_missing",
            VerifyError::UnknownSigner { .. } => "ds_unknown_issuer",
            VerifyError::Expired { .. } => "ds_expired",
            VerifyError::NotYetValid { .. } => "ds_not_yet_valid",
            VerifyError::CaNotValid { .. } => "ca_not_valid",
            VerifyError::BadSignature => "sod_bad_signature",
            VerifyError::UnsupportedAlgorithm(_) => "sod_unsupported_algorithm",
        }
    }

    /// Whether the content could not be read at all (as opposed to read and found wanting).
    pub fn is_malformed(&self) -> bool {
        matches!(self, VerifyError::Malformed(_))
    }
}

impl From<ChipError> for VerifyError {
    fn from(e: ChipError) -> Self {
        VerifyError::Malformed(e.to_string())
    }
}

/// What passive authentication established.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The document-signer certificate that signed EF.SOD.
    pub document_signer: Certificate,
    /// The trusted CA that issued it.
    pub ca_subject: String,
    /// The DG numbers whose hashes matched.
    pub groups: Vec<u8>,
}

fn signature_of(cert_sig: &[u8]) -> Result<Signature, VerifyError> {
    Signature::from_der(cert_sig).map_err(|_| VerifyError::BadSignature)
}

fn check_ecdsa_sha256(oid: &const_oid::ObjectIdentifier) -> Result<(), VerifyError> {
    if *oid != const_oid::db::rfc5912::ECDSA_WITH_SHA_256 {
        return Err(VerifyError::UnsupportedAlgorithm(oid.to_string()));
    }
    Ok(())
}

/// Whether `ca` signed `cert`.
fn issued_by(cert: &Certificate, ca: &Certificate) -> bool {
    if cert.tbs_certificate.issuer != ca.tbs_certificate.subject
        || cert.signature_algorithm.oid != const_oid::db::rfc5912::ECDSA_WITH_SHA_256
    {
        return false;
    }
    let Ok(key) = certs::verifying_key(ca) else {
        return false;
    };
    let Ok(tbs) = cert.tbs_certificate.to_der() else {
        return false;
    };
    let Some(bytes) = cert.signature.as_bytes() else {
        return false;
    };
    let Ok(sig) = signature_of(bytes) else {
        return false;
    };
    key.verify(&tbs, &sig).is_ok()
}

/// Passive authentication of `chip` against the trusted CA certificates `trust`, at time `at`.
pub fn verify(
    chip: &ChipImage,
    trust: &[Certificate],
    at: OffsetDateTime,
) -> Result<Verified, VerifyError> {
    let parsed = sod::parse(&chip.sod)?;
    let sd = &parsed.signed_data;

    // The signer and its certificate (carried in EF.SOD, as ICAO requires).
    let si = match sd.signer_infos.0.as_slice() {
        [one] => one,
        other => {
            return Err(VerifyError::Malformed(format!(
                "EF.SOD has {} signer infos, expected 1",
                other.len()
            )));
        }
    };
    let SignerIdentifier::IssuerAndSerialNumber(ias) = &si.sid else {
        return Err(VerifyError::Malformed(
            "EF.SOD names its signer by key identifier; expected issuer and serial".into(),
        ));
    };
    let ds = sd
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .find_map(|c| match c {
            CertificateChoices::Certificate(c)
                if c.tbs_certificate.issuer == ias.issuer
                    && c.tbs_certificate.serial_number == ias.serial_number =>
            {
                Some(c)
            }
            _ => None,
        })
        .ok_or(VerifyError::NoSignerCertificate)?;

    // The signature over the signed attributes, which carry the content's digest.
    if si.digest_alg.oid != sod::OID_SHA256 {
        return Err(VerifyError::UnsupportedAlgorithm(
            si.digest_alg.oid.to_string(),
        ));
    }
    check_ecdsa_sha256(&si.signature_algorithm.oid)?;
    let attrs = si
        .signed_attrs
        .as_ref()
        .ok_or_else(|| VerifyError::Malformed("EF.SOD has no signed attributes".into()))?;
    let digest = Sha256::digest(&parsed.content);
    let mut digest_ok = false;
    let mut type_ok = false;
    for attr in attrs.iter() {
        let Some(value) = attr.values.iter().next() else {
            continue;
        };
        if attr.oid == const_oid::db::rfc5911::ID_MESSAGE_DIGEST {
            digest_ok = value.value() == digest.as_slice();
        } else if attr.oid == const_oid::db::rfc5911::ID_CONTENT_TYPE {
            type_ok = const_oid::ObjectIdentifier::from_der(
                &value
                    .to_der()
                    .map_err(|e| VerifyError::Malformed(e.to_string()))?,
            )
            .is_ok_and(|o| o == sod::OID_LDS_SECURITY_OBJECT);
        }
    }
    if !digest_ok || !type_ok {
        return Err(VerifyError::BadSignature);
    }
    let key: VerifyingKey =
        certs::verifying_key(ds).map_err(|e| VerifyError::UnsupportedAlgorithm(e.to_string()))?;
    let signed = attrs
        .to_der()
        .map_err(|e| VerifyError::Malformed(e.to_string()))?;
    let sig = signature_of(si.signature.as_bytes())?;
    key.verify(&signed, &sig)
        .map_err(|_| VerifyError::BadSignature)?;

    // The DS certificate: issued by a trusted CA, valid now; the CA valid now.
    let ca =
        trust
            .iter()
            .find(|ca| issued_by(ds, ca))
            .ok_or_else(|| VerifyError::UnknownSigner {
                subject: certs::subject_text(ds),
                issuer: certs::issuer_text(ds),
            })?;
    let (not_before, not_after) = certs::validity(ds);
    if at > not_after {
        return Err(VerifyError::Expired {
            subject: certs::subject_text(ds),
            not_after,
        });
    }
    if at < not_before {
        return Err(VerifyError::NotYetValid {
            subject: certs::subject_text(ds),
            not_before,
        });
    }
    let (ca_from, ca_to) = certs::validity(ca);
    if at < ca_from || at > ca_to {
        return Err(VerifyError::CaNotValid {
            subject: certs::subject_text(ca),
        });
    }

    // Every DG's hash.
    let mut groups = Vec::new();
    for h in &parsed.lso.data_group_hash_values {
        let n = h.data_group_number;
        let bytes = chip.dgs.get(&n).ok_or(VerifyError::DataGroupMissing(n))?;
        if Sha256::digest(bytes).as_slice() != h.data_group_hash_value.as_bytes() {
            return Err(VerifyError::DataGroupAltered(n));
        }
        groups.push(n);
    }
    if let Some(n) = chip.dgs.keys().find(|n| !groups.contains(n)) {
        return Err(VerifyError::DataGroupUnsigned(*n));
    }
    let listed = layout::ef_com_groups(&chip.com)?;
    if listed != groups {
        return Err(VerifyError::Malformed(format!(
            "EF.COM lists DGs {listed:?}, EF.SOD signs {groups:?}"
        )));
    }
    Ok(Verified {
        document_signer: ds.clone(),
        ca_subject: certs::subject_text(ca),
        groups,
    })
}
