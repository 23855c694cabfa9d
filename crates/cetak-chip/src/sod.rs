//! EF.SOD: a CMS SignedData (RFC 5652) whose content is ICAO 9303-10's LDSSecurityObject, the
//! SHA-256 of every data group. Signing it once signs the whole chip: a changed byte in any DG
//! no longer matches its hash, and the hashes cannot change without the DS key.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::ContentInfo;
use cms::signed_data::{EncapsulatedContentInfo, SignedData, SignerIdentifier};
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Any, Decode, Encode, Sequence, Tag};
use p256::ecdsa::DerSignature;
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;

use crate::ChipError;
use crate::layout::TAG_SOD;
use crate::signer::{Adapter, Signer};
use crate::tlv;

/// id-icao-mrtd-security-ldsSecurityObject (2.23.136.1.1.1).
pub const OID_LDS_SECURITY_OBJECT: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.23.136.1.1.1");
/// id-sha256.
pub const OID_SHA256: ObjectIdentifier = const_oid::db::rfc5912::ID_SHA_256;

/// `DataGroupHash ::= SEQUENCE { dataGroupNumber, dataGroupHashValue OCTET STRING }`.
#[derive(Debug, Clone, PartialEq, Eq, Sequence)]
pub struct DataGroupHash {
    /// The DG number (1–16).
    pub data_group_number: u8,
    /// Its hash.
    pub data_group_hash_value: OctetString,
}

/// `LDSSecurityObject ::= SEQUENCE { version, hashAlgorithm, dataGroupHashValues }` (v0).
#[derive(Debug, Clone, PartialEq, Eq, Sequence)]
pub struct LdsSecurityObject {
    /// 0 (no LDS version info).
    pub version: u8,
    /// SHA-256.
    pub hash_algorithm: AlgorithmIdentifierOwned,
    /// One entry per DG, ascending.
    pub data_group_hash_values: Vec<DataGroupHash>,
}

fn sha256_alg() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: OID_SHA256,
        parameters: None,
    }
}

fn der_err(e: impl std::fmt::Display) -> ChipError {
    ChipError::Crypto(e.to_string())
}

/// Builds EF.SOD (tag `77` around the ContentInfo) over `(dg number, dg bytes)`.
pub fn build(dgs: &[(u8, &[u8])], signer: &dyn Signer) -> Result<Vec<u8>, ChipError> {
    let lso = LdsSecurityObject {
        version: 0,
        hash_algorithm: sha256_alg(),
        data_group_hash_values: dgs
            .iter()
            .map(|(n, bytes)| {
                Ok(DataGroupHash {
                    data_group_number: *n,
                    data_group_hash_value: OctetString::new(Sha256::digest(bytes).to_vec())
                        .map_err(der_err)?,
                })
            })
            .collect::<Result<_, ChipError>>()?,
    };
    let content = lso.to_der().map_err(der_err)?;
    let eci = EncapsulatedContentInfo {
        econtent_type: OID_LDS_SECURITY_OBJECT,
        econtent: Some(Any::new(Tag::OctetString, content).map_err(der_err)?),
    };
    let cert = signer.certificate();
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: cert.tbs_certificate.issuer.clone(),
        serial_number: cert.tbs_certificate.serial_number.clone(),
    });
    let sign = |d: &[u8; 32]| signer.sign(d);
    let adapter = Adapter::for_signer(signer, &sign)?;
    let signer_info = cms::builder::SignerInfoBuilder::new(&adapter, sid, sha256_alg(), &eci, None)
        .map_err(der_err)?;
    let mut builder = cms::builder::SignedDataBuilder::new(&eci);
    builder
        .add_digest_algorithm(sha256_alg())
        .map_err(der_err)?
        .add_certificate(CertificateChoices::Certificate(cert.clone()))
        .map_err(der_err)?
        .add_signer_info::<_, DerSignature>(signer_info)
        .map_err(|e| ChipError::Sign(e.to_string()))?;
    let content_info = builder.build().map_err(der_err)?;
    let der = content_info.to_der().map_err(der_err)?;
    let mut out = Vec::with_capacity(der.len() + 4);
    tlv::put(&mut out, TAG_SOD, &der);
    Ok(out)
}

/// EF.SOD taken apart: the SignedData and the LDSSecurityObject in it.
#[derive(Debug, Clone)]
pub struct ParsedSod {
    /// The CMS SignedData.
    pub signed_data: SignedData,
    /// The encapsulated LDSSecurityObject's DER (what the message-digest attribute covers).
    pub content: Vec<u8>,
    /// The hashes.
    pub lso: LdsSecurityObject,
}

/// Parses EF.SOD; structure only, no signature checked.
pub fn parse(sod: &[u8]) -> Result<ParsedSod, ChipError> {
    let bad = |what: &str, e: &dyn std::fmt::Display| {
        ChipError::Malformed(format!("EF.SOD: {what}: {e}"))
    };
    let inner = tlv::expect(sod, TAG_SOD, "EF.SOD")?;
    let ci = ContentInfo::from_der(inner).map_err(|e| bad("not a CMS ContentInfo", &e))?;
    if ci.content_type != const_oid::db::rfc5911::ID_SIGNED_DATA {
        return Err(ChipError::Malformed(format!(
            "EF.SOD: content type {} is not signedData",
            ci.content_type
        )));
    }
    let signed_data: SignedData = ci
        .content
        .decode_as()
        .map_err(|e| bad("not a SignedData", &e))?;
    let eci = &signed_data.encap_content_info;
    if eci.econtent_type != OID_LDS_SECURITY_OBJECT {
        return Err(ChipError::Malformed(format!(
            "EF.SOD: content {} is not an LDSSecurityObject",
            eci.econtent_type
        )));
    }
    let econtent = eci
        .econtent
        .as_ref()
        .ok_or_else(|| ChipError::Malformed("EF.SOD: no encapsulated content".into()))?;
    let content = econtent.value().to_vec();
    let lso = LdsSecurityObject::from_der(&content)
        .map_err(|e| bad("the LDSSecurityObject does not parse", &e))?;
    if lso.hash_algorithm.oid != OID_SHA256 {
        return Err(ChipError::Malformed(format!(
            "EF.SOD: hash algorithm {} is not SHA-256",
            lso.hash_algorithm.oid
        )));
    }
    Ok(ParsedSod {
        signed_data,
        content,
        lso,
    })
}
