//! The document-signer key on a PKCS#11 token (an HSM in the office; SoftHSM2 in tests). The
//! key pair is generated on the token, marked sensitive and not extractable: it signs there
//! and never leaves. Its certificate is kept on the same token as a `CKO_CERTIFICATE` object
//! with the same `CKA_ID`, so that key and certificate are backed up, moved and rotated
//! together, and nothing of them is in the office database.

use std::path::Path;
use std::sync::{Arc, Mutex};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, CertificateType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use der::{Decode, Encode};
use p256::ecdsa::{Signature, VerifyingKey};
use x509_cert::Certificate;

use crate::keys::KeyError;
use crate::signer::{SignError, Signer};

/// The label of every object this crate keeps on a token.
pub const OBJECT_LABEL: &str = "cetak-ds";

/// DER of the named curve prime256v1 (1.2.840.10045.3.1.7), `CKA_EC_PARAMS`.
const P256_PARAMS: [u8; 10] = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];

fn token_err(e: CkError) -> KeyError {
    KeyError::Token(e.to_string())
}

/// A logged-in session on the token that holds the document-signer keys.
pub struct Token {
    _ctx: Pkcs11,
    session: Mutex<Session>,
    /// `module#label`, for messages.
    location: String,
}

impl Token {
    /// Loads the module, finds the token by label and logs in as the user.
    pub fn open(module: &Path, label: &str, pin: &str) -> Result<Token, KeyError> {
        let ctx = Pkcs11::new(module)
            .map_err(|e| KeyError::Module(format!("{}: {e}", module.display())))?;
        match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => return Err(KeyError::Module(e.to_string())),
        }
        let slots = ctx.get_slots_with_token().map_err(token_err)?;
        let slot = slots
            .into_iter()
            .find(|s| {
                ctx.get_token_info(*s)
                    .is_ok_and(|i| i.label().trim_end() == label)
            })
            .ok_or_else(|| KeyError::NoToken(label.to_string()))?;
        let session = ctx.open_rw_session(slot).map_err(token_err)?;
        match session.login(UserType::User, Some(&AuthPin::new(pin.into()))) {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(CkError::Pkcs11(RvError::PinIncorrect | RvError::PinLocked, _)) => {
                return Err(KeyError::Pin);
            }
            Err(e) => return Err(token_err(e)),
        }
        Ok(Token {
            _ctx: ctx,
            session: Mutex::new(session),
            location: format!("pkcs11:{}#{label}", module.display()),
        })
    }

    /// Where the keys are, in words (`pkcs11:MODULE#LABEL`).
    pub fn location(&self) -> &str {
        &self.location
    }

    fn session(&self) -> Result<std::sync::MutexGuard<'_, Session>, KeyError> {
        self.session
            .lock()
            .map_err(|_| KeyError::Token("session lock poisoned".into()))
    }

    /// Generates a P-256 key pair on the token (sensitive, not extractable); returns its id and
    /// public key. The id is the generation time in nanoseconds: later keys sort later.
    pub fn generate_key(&self) -> Result<(Vec<u8>, VerifyingKey), KeyError> {
        let id = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() as u64)
            .to_be_bytes()
            .to_vec();
        let label = OBJECT_LABEL.as_bytes().to_vec();
        let public = [
            Attribute::Token(true),
            Attribute::Verify(true),
            Attribute::EcParams(P256_PARAMS.to_vec()),
            Attribute::Id(id.clone()),
            Attribute::Label(label.clone()),
        ];
        let private = [
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
            Attribute::Id(id.clone()),
            Attribute::Label(label),
        ];
        let s = self.session()?;
        let (pub_handle, _) = s
            .generate_key_pair(&Mechanism::EccKeyPairGen, &public, &private)
            .map_err(token_err)?;
        let key = public_key(&s, pub_handle)?;
        Ok((id, key))
    }

    fn find(
        &self,
        s: &Session,
        class: ObjectClass,
        id: Option<&[u8]>,
    ) -> Result<Vec<ObjectHandle>, KeyError> {
        let mut template = vec![
            Attribute::Class(class),
            Attribute::Label(OBJECT_LABEL.as_bytes().to_vec()),
        ];
        if let Some(id) = id {
            template.push(Attribute::Id(id.to_vec()));
        }
        s.find_objects(&template).map_err(token_err)
    }

    fn id_of(s: &Session, h: ObjectHandle) -> Result<Vec<u8>, KeyError> {
        for a in s
            .get_attributes(h, &[AttributeType::Id])
            .map_err(token_err)?
        {
            if let Attribute::Id(id) = a {
                return Ok(id);
            }
        }
        Err(KeyError::Token("object without CKA_ID".into()))
    }

    /// The ids of the private keys on the token, oldest first.
    pub fn key_ids(&self) -> Result<Vec<Vec<u8>>, KeyError> {
        let s = self.session()?;
        let mut ids = self
            .find(&s, ObjectClass::PRIVATE_KEY, None)?
            .into_iter()
            .map(|h| Token::id_of(&s, h))
            .collect::<Result<Vec<_>, _>>()?;
        ids.sort();
        Ok(ids)
    }

    /// The public key of key `id`.
    pub fn public_key(&self, id: &[u8]) -> Result<VerifyingKey, KeyError> {
        let s = self.session()?;
        let h = self
            .find(&s, ObjectClass::PUBLIC_KEY, Some(id))?
            .into_iter()
            .next()
            .ok_or(KeyError::NoKey)?;
        public_key(&s, h)
    }

    /// Stores `cert` beside key `id` (replacing an older certificate of that key).
    pub fn store_certificate(&self, id: &[u8], cert: &Certificate) -> Result<(), KeyError> {
        let der = cert.to_der().map_err(|e| KeyError::Token(e.to_string()))?;
        let subject = cert
            .tbs_certificate
            .subject
            .to_der()
            .map_err(|e| KeyError::Token(e.to_string()))?;
        let s = self.session()?;
        for h in self.find(&s, ObjectClass::CERTIFICATE, Some(id))? {
            s.destroy_object(h).map_err(token_err)?;
        }
        s.create_object(&[
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::CertificateType(CertificateType::X_509),
            Attribute::Token(true),
            Attribute::Id(id.to_vec()),
            Attribute::Label(OBJECT_LABEL.as_bytes().to_vec()),
            Attribute::Subject(subject),
            Attribute::Value(der),
        ])
        .map_err(token_err)?;
        Ok(())
    }

    /// The certificate stored beside key `id`, if any.
    pub fn certificate(&self, id: &[u8]) -> Result<Option<Certificate>, KeyError> {
        let s = self.session()?;
        let Some(h) = self
            .find(&s, ObjectClass::CERTIFICATE, Some(id))?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        for a in s
            .get_attributes(h, &[AttributeType::Value])
            .map_err(token_err)?
        {
            if let Attribute::Value(der) = a {
                return Certificate::from_der(&der)
                    .map(Some)
                    .map_err(|e| KeyError::Token(format!("stored certificate: {e}")));
            }
        }
        Ok(None)
    }

    /// Destroys key `id`'s private key (after a rotation); its public key and certificate stay.
    pub fn destroy_private_key(&self, id: &[u8]) -> Result<(), KeyError> {
        let s = self.session()?;
        for h in self.find(&s, ObjectClass::PRIVATE_KEY, Some(id))? {
            s.destroy_object(h).map_err(token_err)?;
        }
        Ok(())
    }

    /// ECDSA over a SHA-256 digest with key `id` (`CKM_ECDSA`: the token sees only the digest).
    pub fn sign(&self, id: &[u8], digest: &[u8; 32]) -> Result<Signature, SignError> {
        let s = self
            .session()
            .map_err(|e| SignError::Token(e.to_string()))?;
        let h = self
            .find(&s, ObjectClass::PRIVATE_KEY, Some(id))
            .map_err(|e| SignError::Token(e.to_string()))?
            .into_iter()
            .next()
            .ok_or_else(|| {
                SignError::Token("the document-signer key is not on the token".into())
            })?;
        let raw = s
            .sign(&Mechanism::Ecdsa, h, digest)
            .map_err(|e| SignError::Token(e.to_string()))?;
        Signature::from_slice(&raw).map_err(|e| SignError::BadSignature(e.to_string()))
    }
}

/// A public key object's point (`CKA_EC_POINT`, DER OCTET STRING around the SEC1 point).
fn public_key(s: &Session, h: ObjectHandle) -> Result<VerifyingKey, KeyError> {
    for a in s
        .get_attributes(h, &[AttributeType::EcPoint])
        .map_err(token_err)?
    {
        if let Attribute::EcPoint(point) = a {
            let sec1 = der::asn1::OctetString::from_der(&point)
                .map(|o| o.into_bytes())
                .unwrap_or(point);
            return VerifyingKey::from_sec1_bytes(&sec1)
                .map_err(|e| KeyError::Token(format!("the token's public key: {e}")));
        }
    }
    Err(KeyError::Token("public key without CKA_EC_POINT".into()))
}

/// The document signer whose key is on a token.
pub struct Pkcs11Signer {
    token: Arc<Token>,
    id: Vec<u8>,
    certificate: Certificate,
}

impl Pkcs11Signer {
    /// The signer for key `id` with its certificate.
    pub fn new(token: Arc<Token>, id: Vec<u8>, certificate: Certificate) -> Pkcs11Signer {
        Pkcs11Signer {
            token,
            id,
            certificate,
        }
    }
}

impl Signer for Pkcs11Signer {
    fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    fn sign(&self, sha256_digest: &[u8; 32]) -> Result<Signature, SignError> {
        self.token.sign(&self.id, sha256_digest)
    }
}
