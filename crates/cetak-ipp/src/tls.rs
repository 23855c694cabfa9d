//! `ipps://`: IPP over TLS to a printer whose certificate is **pinned** in its URI.
//!
//! An office's card printer has a self-signed certificate (ippeveprinter makes one with `-K`,
//! real printers make their own at first boot); no certificate authority vouches for it, so the
//! usual chain and host-name checks cannot pass, and turning them off would give encryption
//! without knowing who is at the other end. Instead the URI names the one certificate the
//! printer may present, by the SHA-256 of its DER bytes, in the fragment (never sent on the wire):
//!
//! ```text
//! ipps://printer1.kantor:631/ipp/print#sha256=fbb6fba01e42d76cdc9d02538c02910108e44d9a697a259a87e53fd3536e150a
//! ```
//!
//! The pin travels wherever the printer's URI is stored (`cetak printer add`), so the trust
//! choice is per printer with no second setting to forget. The fingerprint is what
//! `openssl x509 -noout -fingerprint -sha256` prints (colons and case do not matter); a printer
//! that presents another certificate is refused with the fingerprint it presented, for a
//! person to compare with the printer's own display or configuration page before pinning it.
//! Name and expiry are not checked — the pin *is* the identity, and a printer's self-signed
//! certificate outlives its dates in practice — but the handshake signature is: presenting the
//! pinned certificate without its private key fails. There is deliberately no "trust any
//! certificate" switch: a pin costs one copy and paste.
//!
//! A failed handshake happens before any byte of the request is written (TLS 1.3 early data is
//! off in rustls by default), so every failure here is "certainly not delivered".

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme, StreamOwned};

use crate::IppError;

/// The SHA-256 of a certificate's DER bytes.
pub type Fingerprint = [u8; 32];

/// The SHA-256 fingerprint of a DER certificate.
pub fn fingerprint(der: &[u8]) -> Fingerprint {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// A fingerprint as lower-case hex without separators (the form the URI takes).
pub fn fingerprint_hex(f: &Fingerprint) -> String {
    f.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parse the URI fragment `sha256=HEX` (64 hex digits; colons allowed, any case).
pub(crate) fn parse_pin(uri: &str, fragment: Option<&str>) -> Result<Fingerprint, IppError> {
    let how = "pin the printer's certificate: ipps://host:port/path#sha256=<64 hex digits> \
               (openssl s_client -connect host:port </dev/null | openssl x509 -noout -fingerprint -sha256)";
    let Some(fragment) = fragment else {
        return Err(IppError::BadUri(format!(
            "{uri:?}: ipps:// needs the certificate it trusts; {how}"
        )));
    };
    let Some(hex) = fragment.strip_prefix("sha256=") else {
        return Err(IppError::BadUri(format!(
            "{uri:?}: unknown fragment {fragment:?}; {how}"
        )));
    };
    let digits: Vec<u8> = hex.bytes().filter(|b| *b != b':').collect();
    let bad = || IppError::BadUri(format!("{uri:?}: sha256= needs 64 hex digits; {how}"));
    if digits.len() != 64 {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, pair) in digits.chunks(2).enumerate() {
        let text = std::str::from_utf8(pair).map_err(|_| bad())?;
        let byte = u8::from_str_radix(text, 16).map_err(|_| bad())?;
        if let Some(slot) = out.get_mut(i) {
            *slot = byte;
        }
    }
    Ok(out)
}

/// Accepts exactly the pinned certificate, and checks the handshake's signatures with it.
#[derive(Debug)]
struct Pinned {
    pin: Fingerprint,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let got = fingerprint(end_entity.as_ref());
        if got == self.pin {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(format!(
                "the printer presented certificate sha256={}, not the pinned sha256={}",
                fingerprint_hex(&got),
                fingerprint_hex(&self.pin)
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The TLS settings of one `ipps://` printer.
#[derive(Debug, Clone)]
pub(crate) struct Tls {
    config: Arc<ClientConfig>,
}

impl Tls {
    pub(crate) fn pinned(pin: Fingerprint) -> Result<Tls, IppError> {
        let provider: Arc<CryptoProvider> = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = Pinned {
            pin,
            algorithms: provider.signature_verification_algorithms,
        };
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| IppError::Invalid(format!("TLS settings: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        Ok(Tls {
            config: Arc::new(config),
        })
    }

    /// Complete the handshake on a connected socket (whose timeouts the caller has set).
    /// Every error is "certainly not delivered": [`IppError::Untrusted`] when the printer is
    /// not the pinned one, [`IppError::Unreachable`] when the handshake did not finish.
    pub(crate) fn handshake(
        &self,
        host: &str,
        mut tcp: TcpStream,
    ) -> Result<StreamOwned<ClientConnection, TcpStream>, IppError> {
        let name = ServerName::try_from(host.to_string())
            .map_err(|e| IppError::BadUri(format!("{host:?} as a TLS server name: {e}")))?;
        let mut conn = ClientConnection::new(self.config.clone(), name)
            .map_err(|e| IppError::Invalid(format!("TLS: {e}")))?;
        while conn.is_handshaking() {
            if let Err(e) = conn.complete_io(&mut tcp) {
                return Err(handshake_error(host, e));
            }
        }
        Ok(StreamOwned::new(conn, tcp))
    }
}

fn handshake_error(host: &str, e: std::io::Error) -> IppError {
    let tls = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .cloned();
    match tls {
        // The peer is not the pinned printer, or speaks TLS we refuse.
        Some(t) => IppError::Untrusted(format!("TLS with {host}: {t}")),
        None if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            IppError::Unreachable(format!("TLS handshake with {host} timed out"))
        }
        None => IppError::Unreachable(format!("TLS handshake with {host}: {e}")),
    }
}

/// A connection to the printer: plain TCP, or TLS over it.
pub(crate) enum Conn {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Conn {
    /// The socket underneath (for its timeouts and shutdown).
    pub(crate) fn tcp(&self) -> &TcpStream {
        match self {
            Conn::Plain(s) => s,
            Conn::Tls(s) => s.get_ref(),
        }
    }

    /// Say goodbye (TLS close_notify, best effort) and close both directions.
    pub(crate) fn close(&mut self) {
        if let Conn::Tls(s) = self {
            s.conn.send_close_notify();
            let _ = s.conn.complete_io(&mut s.sock);
        }
        let _ = self.tcp().shutdown(std::net::Shutdown::Both);
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_parse_with_colons_and_any_case() {
        let hex = "FB:B6:FB:A0:1E:42:D7:6C:DC:9D:02:53:8C:02:91:01:08:E4:4D:9A:69:7A:25:9A:87:E5:3F:D3:53:6E:15:0A";
        let pin = parse_pin("u", Some(&format!("sha256={hex}"))).expect("pin");
        assert_eq!(
            fingerprint_hex(&pin),
            "fbb6fba01e42d76cdc9d02538c02910108e44d9a697a259a87e53fd3536e150a"
        );
        for bad in [
            None,
            Some("sha1=abcd"),
            Some("sha256=abc"),
            Some("sha256=zz"),
        ] {
            assert!(
                matches!(parse_pin("u", bad), Err(IppError::BadUri(_))),
                "{bad:?}"
            );
        }
        let wrong = "g".repeat(64);
        assert!(parse_pin("u", Some(&format!("sha256={wrong}"))).is_err());
    }

    #[test]
    fn the_fingerprint_is_sha256_of_the_der() {
        // SHA-256 of the empty string.
        assert_eq!(
            fingerprint_hex(&fingerprint(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
