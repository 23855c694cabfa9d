//! A deliberately small blocking HTTP/1.1 client: one request per connection
//! (`Connection: close`), one deadline for the whole exchange, a hard cap on the reply.
//!
//! Why not the `ipp` crate's blocking client (ureq)? It reads the reply without any size limit
//! (a hostile printer can exhaust memory), and with a request timeout it reports one "global"
//! timeout whichever phase it hit, so a connect timeout (request certainly not delivered) cannot
//! be told from a reply timeout (the job may exist). The spool's safety rests on exactly that
//! distinction, so each phase here maps to an error on its own.
//!
//! Why not ureq 3 directly, now that it has per-phase timeouts (`Timeout::Connect` includes
//! TLS, `SendRequest`, `SendBody`, `RecvResponse`, `PerCall` for the whole exchange) and a
//! body limit? Checked when `ipps://` came (issue 14, ureq 3.5), and this client kept because:
//! (1) ureq names the phase of a *timeout*, but a reset or an early close is `Error::Io`
//! whether it happened while connecting, in the TLS handshake, or after the request was
//! written — and those are exactly "certainly not delivered" versus "the job may exist", the
//! line the spool's safety rests on (`tests/hostile.rs` holds this client to it phase by
//! phase); (2) ureq takes root certificates, not a certificate verifier: trusting a
//! printer's self-signed certificate as a root still checks its host name and dates, so a
//! printer addressed by IP or with an expired certificate would be refused, and pinning
//! (`crate::tls`) would mean replacing ureq's whole connector. About 500 lines here, every
//! path tested against a hostile server, cost less than working around both.
//!
//! | phase | failure | error |
//!
//! | phase | failure | error |
//! |---|---|---|
//! | URI | bad syntax, unsupported scheme | `BadUri` |
//! | resolve | no address | `Unreachable` |
//! | connect (every address) | refused, no route, timed out | `Unreachable` |
//! | TLS handshake (`ipps://`) | not the pinned certificate, TLS refused | `Untrusted` |
//! | TLS handshake (`ipps://`) | reset, closed, timed out | `Unreachable` |
//! | write request | timed out | `Timeout` (unless a complete reply can still be read) |
//! | write request | reset, broken pipe | `Broken` (unless a complete reply can still be read) |
//! | read reply | deadline passed (incl. a slow drip) | `Timeout` |
//! | read reply | reset, or EOF before the reply is complete | `Broken` |
//! | read reply | not HTTP, bad framing, over the cap | `Malformed` |
//! | HTTP status ≠ 200 | | `Http` (body not read) |

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::IppError;
use crate::tls::{Conn, Tls};

/// Largest HTTP reply head (status line + headers) accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Largest chunk-size or trailer line accepted in a chunked body.
const MAX_LINE: usize = 4 * 1024;
/// At most this many interim (1xx) replies before the final one.
const MAX_INTERIM: usize = 4;
/// Write the request in pieces of this size, so the deadline is checked between pieces.
const WRITE_PIECE: usize = 64 * 1024;

/// Where a printer URI points.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// Host as used to resolve (no IPv6 brackets).
    pub host: String,
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
    /// Value of the `Host` header / authority of the `printer-uri` attribute.
    pub authority: String,
    /// `ipps://` (and `https://`): TLS to the pinned certificate.
    pub tls: Option<Tls>,
}

impl Target {
    /// Parse an `ipp://` or `http://` URI (default ports 631 and 80), or an `ipps://` or
    /// `https://` one (631 and 443) with its certificate pinned in the fragment
    /// (`#sha256=…`, see [`crate::tls`]).
    pub fn parse(uri: &str) -> Result<Target, IppError> {
        let (without_fragment, fragment) = match uri.split_once('#') {
            Some((u, f)) => (u, Some(f)),
            None => (uri, None),
        };
        let parsed: http::Uri = without_fragment
            .parse()
            .map_err(|e| IppError::BadUri(format!("{uri:?}: {e}")))?;
        let (default_port, tls) = match parsed.scheme_str() {
            Some("ipp") => (631, None),
            Some("http") => (80, None),
            Some("ipps") => (631, Some(crate::tls::parse_pin(uri, fragment)?)),
            Some("https") => (443, Some(crate::tls::parse_pin(uri, fragment)?)),
            _ => {
                return Err(IppError::BadUri(format!(
                    "{uri:?}: scheme must be ipp://, ipps://, http:// or https://"
                )));
            }
        };
        if tls.is_none() && fragment.is_some() {
            return Err(IppError::BadUri(format!(
                "{uri:?}: a certificate pin (#…) belongs to ipps:// only"
            )));
        }
        let tls = tls.map(Tls::pinned).transpose()?;
        let authority = parsed
            .authority()
            .ok_or_else(|| IppError::BadUri(format!("{uri:?}: no host")))?;
        let bracketed = authority.host();
        if bracketed.is_empty() {
            return Err(IppError::BadUri(format!("{uri:?}: no host")));
        }
        let host = bracketed
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = authority.port_u16().unwrap_or(default_port);
        let path = match parsed.path_and_query() {
            Some(pq) if pq.as_str().starts_with('/') => pq.as_str().to_string(),
            _ => "/".to_string(),
        };
        Ok(Target {
            host,
            port,
            path,
            authority: format!("{bracketed}:{port}"),
            tls,
        })
    }

    /// The `printer-uri` operation attribute: `ipp://host:port/path`, or `ipps://…` over TLS
    /// (never with the pin).
    pub fn printer_uri(&self) -> String {
        let path = self.path.split('?').next().unwrap_or("/");
        let scheme = if self.tls.is_some() { "ipps" } else { "ipp" };
        format!("{scheme}://{}{}", self.authority, path)
    }
}

/// A complete HTTP reply.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

struct Deadline(Instant);

impl Deadline {
    /// Time left, or `None` once the deadline has passed.
    fn left(&self) -> Option<Duration> {
        self.0
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
    }
}

/// Send one request and read one reply within `timeout`, reading at most `max_body` body bytes.
/// `body` parts are sent back to back (IPP message, then the document).
pub(crate) fn exchange(
    target: &Target,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &[&[u8]],
    timeout: Duration,
    max_body: usize,
) -> Result<Reply, IppError> {
    let deadline = Deadline(Instant::now() + timeout);
    let mut stream = connect(target, &deadline)?;
    // From here on, bytes may have reached the printer: no error below is `Unreachable`.
    let _ = stream.tcp().set_nodelay(true);

    let length: usize = body.iter().map(|p| p.len()).sum();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: cetak-ipp/{}\r\nConnection: close\r\n",
        target.authority,
        env!("CARGO_PKG_VERSION")
    );
    if let Some(ct) = content_type {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    if method != "GET" || length > 0 {
        head.push_str(&format!("Content-Length: {length}\r\n"));
    }
    head.push_str("\r\n");

    let sent = std::iter::once(head.as_bytes())
        .chain(body.iter().copied())
        .try_for_each(|part| write_part(&mut stream, part, &deadline));
    if let Err(write_err) = sent {
        // The printer may have answered early (e.g. refused the document format) and closed:
        // a complete, valid reply is still the best evidence of what happened.
        return match read_reply(&mut stream, &deadline, max_body) {
            Ok(reply) => Ok(reply),
            Err(_) => Err(write_err),
        };
    }
    let reply = read_reply(&mut stream, &deadline, max_body);
    stream.close();
    reply
}

/// The connection, TLS's handshake done for `ipps://`: nothing of the request is written yet,
/// so every error here is "certainly not delivered".
fn connect(target: &Target, deadline: &Deadline) -> Result<Conn, IppError> {
    let tcp = connect_tcp(target, deadline)?;
    let Some(tls) = &target.tls else {
        return Ok(Conn::Plain(tcp));
    };
    let Some(left) = deadline.left() else {
        return Err(IppError::Unreachable(format!(
            "no time left for the TLS handshake with {}",
            target.host
        )));
    };
    tcp.set_read_timeout(Some(left))
        .and_then(|()| tcp.set_write_timeout(Some(left)))
        .map_err(|e| IppError::Unreachable(format!("socket: {e}")))?;
    Ok(Conn::Tls(Box::new(tls.handshake(&target.host, tcp)?)))
}

fn connect_tcp(target: &Target, deadline: &Deadline) -> Result<TcpStream, IppError> {
    let addrs: Vec<SocketAddr> = (target.host.as_str(), target.port)
        .to_socket_addrs()
        .map_err(|e| IppError::Unreachable(format!("cannot resolve {}: {e}", target.host)))?
        .collect();
    if addrs.is_empty() {
        return Err(IppError::Unreachable(format!(
            "{} resolves to no address",
            target.host
        )));
    }
    let mut failures = Vec::new();
    for addr in addrs {
        let Some(left) = deadline.left() else {
            failures.push(format!("{addr}: connect deadline passed"));
            break;
        };
        match TcpStream::connect_timeout(&addr, left) {
            Ok(stream) => return Ok(stream),
            Err(e) => failures.push(format!("{addr}: {e}")),
        }
    }
    Err(IppError::Unreachable(format!(
        "cannot connect to {}:{} ({})",
        target.host,
        target.port,
        failures.join("; ")
    )))
}

fn write_part(stream: &mut Conn, part: &[u8], deadline: &Deadline) -> Result<(), IppError> {
    for piece in part.chunks(WRITE_PIECE) {
        let Some(left) = deadline.left() else {
            return Err(IppError::Timeout(
                "deadline passed while sending the request".into(),
            ));
        };
        stream
            .tcp()
            .set_write_timeout(Some(left))
            .map_err(|e| IppError::Broken(format!("socket: {e}")))?;
        stream.write_all(piece).map_err(|e| match e.kind() {
            ErrorKind::WouldBlock | ErrorKind::TimedOut => {
                IppError::Timeout(format!("sending the request: {e}"))
            }
            _ => IppError::Broken(format!("sending the request: {e}")),
        })?;
    }
    Ok(())
}

/// Reads from the socket into a buffer, with the deadline and a byte budget.
struct Incoming<'a> {
    stream: &'a mut Conn,
    deadline: &'a Deadline,
    buf: Vec<u8>,
    /// Bytes of `buf` already consumed.
    pos: usize,
    /// Raw bytes that may still be read from the socket (framing included).
    budget: usize,
}

impl Incoming<'_> {
    fn available(&self) -> &[u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    /// Read more bytes; returns how many (0 = the peer closed the connection).
    fn fill(&mut self, what: &str) -> Result<usize, IppError> {
        if self.budget == 0 {
            return Err(IppError::Malformed(format!(
                "reply too large while reading {what}"
            )));
        }
        // Drop consumed bytes so the buffer stays small.
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let mut chunk = [0u8; 16 * 1024];
        let want = chunk.len().min(self.budget);
        loop {
            let Some(left) = self.deadline.left() else {
                return Err(IppError::Timeout(format!(
                    "no complete reply in time (waiting for {what})"
                )));
            };
            self.stream
                .tcp()
                .set_read_timeout(Some(left))
                .map_err(|e| IppError::Broken(format!("socket: {e}")))?;
            let Some(target) = chunk.get_mut(..want) else {
                return Err(IppError::Malformed("read buffer".into()));
            };
            match self.stream.read(target) {
                Ok(n) => {
                    self.budget -= n;
                    self.buf
                        .extend_from_slice(chunk.get(..n).unwrap_or_default());
                    return Ok(n);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Err(IppError::Timeout(format!(
                        "no complete reply in time (waiting for {what})"
                    )));
                }
                Err(e) => {
                    return Err(IppError::Broken(format!("reading {what}: {e}")));
                }
            }
        }
    }

    /// Take `n` bytes, reading as needed.
    fn take(&mut self, n: usize, what: &str) -> Result<Vec<u8>, IppError> {
        while self.available().len() < n {
            if self.fill(what)? == 0 {
                return Err(IppError::Broken(format!(
                    "connection closed in the middle of {what}"
                )));
            }
        }
        let out = self.available().get(..n).unwrap_or_default().to_vec();
        self.pos += n;
        Ok(out)
    }

    /// Take one CRLF-terminated line (without the CRLF), at most `max` bytes.
    fn line(&mut self, max: usize, what: &str) -> Result<Vec<u8>, IppError> {
        loop {
            if let Some(i) = self.available().windows(2).position(|w| w == b"\r\n") {
                let out = self.available().get(..i).unwrap_or_default().to_vec();
                self.pos += i + 2;
                return Ok(out);
            }
            if self.available().len() > max {
                return Err(IppError::Malformed(format!("{what} line too long")));
            }
            if self.fill(what)? == 0 {
                return Err(IppError::Broken(format!(
                    "connection closed in the middle of {what}"
                )));
            }
        }
    }
}

fn read_reply(stream: &mut Conn, deadline: &Deadline, max_body: usize) -> Result<Reply, IppError> {
    let mut inc = Incoming {
        stream,
        deadline,
        buf: Vec::new(),
        pos: 0,
        // Room for the head, the body and generous chunk framing.
        budget: max_body
            .saturating_mul(2)
            .saturating_add(MAX_HEAD * (MAX_INTERIM + 2)),
    };
    let mut interim = 0;
    let (status, headers) = loop {
        let head = read_head(&mut inc)?;
        let (status, headers) = parse_head(&head)?;
        if (100..200).contains(&status) {
            interim += 1;
            if interim > MAX_INTERIM {
                return Err(IppError::Malformed("too many interim (1xx) replies".into()));
            }
            continue;
        }
        break (status, headers);
    };
    if status != 200 {
        let reason = headers.reason;
        return Err(IppError::Http { status, reason });
    }
    let body = if headers.chunked {
        read_chunked(&mut inc, max_body)?
    } else if let Some(len) = headers.content_length {
        if len > max_body as u64 {
            return Err(IppError::Malformed(format!(
                "reply announces {len} bytes, more than the {max_body}-byte cap"
            )));
        }
        // `len <= max_body`, which is a usize.
        inc.take(len as usize, "the reply body")?
    } else {
        read_to_close(&mut inc, max_body)?
    };
    Ok(Reply { status, body })
}

fn read_head(inc: &mut Incoming<'_>) -> Result<Vec<u8>, IppError> {
    // Where to resume looking for the blank line (a byte-by-byte drip must not cost O(n²)).
    let mut scanned = 0;
    loop {
        let avail = inc.available();
        if let Some(i) = avail
            .get(scanned..)
            .unwrap_or_default()
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
        {
            let end = scanned + i;
            let head = avail.get(..end).unwrap_or_default().to_vec();
            inc.pos += end + 4;
            return Ok(head);
        }
        scanned = avail.len().saturating_sub(3);
        if inc.available().len() > MAX_HEAD {
            return Err(IppError::Malformed("HTTP reply header too large".into()));
        }
        let was_empty = inc.available().is_empty();
        if inc.fill("the reply header")? == 0 {
            return Err(if was_empty {
                IppError::Broken("connection closed without a reply".into())
            } else {
                IppError::Broken("connection closed in the middle of the reply header".into())
            });
        }
        // Anything that is clearly not HTTP can be rejected without waiting for more.
        let avail = inc.available();
        let n = avail.len().min(5);
        if avail.get(..n) != b"HTTP/".get(..n) {
            return Err(IppError::Malformed(format!(
                "not an HTTP reply (starts with {:?})",
                String::from_utf8_lossy(avail.get(..avail.len().min(32)).unwrap_or_default())
            )));
        }
    }
}

struct Headers {
    reason: String,
    content_length: Option<u64>,
    chunked: bool,
}

fn parse_head(head: &[u8]) -> Result<(u16, Headers), IppError> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let code = parts.next().unwrap_or_default();
    let reason: String = parts
        .next()
        .unwrap_or_default()
        .trim()
        .chars()
        .take(200)
        .collect();
    if !version.starts_with("HTTP/1.") || code.len() != 3 {
        return Err(IppError::Malformed(format!(
            "bad HTTP status line {:?}",
            status_line.chars().take(80).collect::<String>()
        )));
    }
    let status: u16 = code
        .parse()
        .map_err(|_| IppError::Malformed(format!("bad HTTP status code {code:?}")))?;
    let mut headers = Headers {
        reason,
        content_length: None,
        chunked: false,
    };
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(IppError::Malformed("bad HTTP header line".into()));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            let len: u64 = value
                .parse()
                .map_err(|_| IppError::Malformed(format!("bad Content-Length {value:?}")))?;
            if headers.content_length.is_some_and(|l| l != len) {
                return Err(IppError::Malformed("conflicting Content-Length".into()));
            }
            headers.content_length = Some(len);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            let last = value.rsplit(',').next().unwrap_or_default().trim();
            if last.eq_ignore_ascii_case("chunked") {
                headers.chunked = true;
            } else if !last.eq_ignore_ascii_case("identity") {
                return Err(IppError::Malformed(format!(
                    "unsupported Transfer-Encoding {value:?}"
                )));
            }
        }
    }
    Ok((status, headers))
}

fn read_chunked(inc: &mut Incoming<'_>, max_body: usize) -> Result<Vec<u8>, IppError> {
    let mut body = Vec::new();
    loop {
        let line = inc.line(MAX_LINE, "a chunk size")?;
        let text = String::from_utf8_lossy(&line);
        let hex = text.split(';').next().unwrap_or_default().trim();
        let size = u64::from_str_radix(hex, 16)
            .map_err(|_| IppError::Malformed(format!("bad chunk size {hex:?}")))?;
        if size == 0 {
            // Trailer section, up to the empty line.
            let mut trailers = 0;
            while !inc.line(MAX_LINE, "the chunked trailer")?.is_empty() {
                trailers += 1;
                if trailers > 64 {
                    return Err(IppError::Malformed("too many trailer lines".into()));
                }
            }
            return Ok(body);
        }
        if size > max_body.saturating_sub(body.len()) as u64 {
            return Err(IppError::Malformed(format!(
                "reply larger than the {max_body}-byte cap"
            )));
        }
        // `size` fits: it is at most `max_body - body.len()`.
        let data = inc.take(size as usize, "a body chunk")?;
        body.extend_from_slice(&data);
        if !inc.line(2, "a body chunk")?.is_empty() {
            return Err(IppError::Malformed("chunk not followed by CRLF".into()));
        }
    }
}

fn read_to_close(inc: &mut Incoming<'_>, max_body: usize) -> Result<Vec<u8>, IppError> {
    loop {
        if inc.available().len() > max_body {
            return Err(IppError::Malformed(format!(
                "reply larger than the {max_body}-byte cap"
            )));
        }
        if inc.fill("the reply body")? == 0 {
            return Ok(inc.available().to_vec());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_uris() {
        let t = Target::parse("ipp://localhost:8631/ipp/print").expect("uri");
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("localhost", 8631, "/ipp/print")
        );
        assert_eq!(t.printer_uri(), "ipp://localhost:8631/ipp/print");
        let t = Target::parse("ipp://printer1.local/ipp/print").expect("uri");
        assert_eq!(t.port, 631);
        let t = Target::parse("http://[::1]/printers/kartu").expect("uri");
        assert_eq!((t.host.as_str(), t.port), ("::1", 80));
        assert_eq!(t.printer_uri(), "ipp://[::1]:80/printers/kartu");
        let pin = "fbb6fba01e42d76cdc9d02538c02910108e44d9a697a259a87e53fd3536e150a";
        let t = Target::parse(&format!("ipps://printer1.local/ipp/print#sha256={pin}"))
            .expect("pinned ipps");
        assert_eq!(t.port, 631);
        assert_eq!(t.printer_uri(), "ipps://printer1.local:631/ipp/print");
        assert!(t.tls.is_some());
        for bad in [
            "ipps://x/ipp",
            "ipps://x/ipp#sha256=12",
            "ipp://x/ipp#sha256=fbb6fba01e42d76cdc9d02538c02910108e44d9a697a259a87e53fd3536e150a",
            "ftp://x/",
            "not a uri",
            "ipp:///nohost",
        ] {
            assert!(
                matches!(Target::parse(bad), Err(IppError::BadUri(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn parses_heads() {
        let (s, h) = parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\nX: y").expect("head");
        assert_eq!((s, h.content_length, h.chunked), (200, Some(12), false));
        let (_, h) = parse_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked").expect("head");
        assert!(h.chunked);
        assert!(parse_head(b"HTTP/1.1 2000 OK").is_err());
        assert!(parse_head(b"SSH-2.0-OpenSSH").is_err());
        assert!(parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2").is_err());
    }
}
