//! The client against fake printers on loopback that misbehave: silence, resets, garbage,
//! truncation, huge or dripping replies, wrong statuses. Each fake serves one connection and
//! stops; every reply must end in a clear error, never a panic, with bounded memory and time.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::thread::{self, JoinHandle, sleep};
use std::time::{Duration, Instant};

use cetak_ipp::{IppError, JobState, PrinterClient, PrinterState};
use proptest::prelude::*;

const TIMEOUT: Duration = Duration::from_secs(2);

/// Read one HTTP request (head + Content-Length body); returns the body.
fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return Vec::new(),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    buf[head_end..].to_vec()
}

/// The request id of an IPP request body.
fn request_id(ipp: &[u8]) -> i32 {
    ipp.get(4..8)
        .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .unwrap_or(0)
}

/// A fake printer: serves one connection with `serve(stream, ipp_request_body)`.
fn fake(
    serve: impl FnOnce(&mut TcpStream, Vec<u8>) + Send + 'static,
) -> (PrinterClient, JoinHandle<()>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handle = thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let body = read_request(&mut stream);
            serve(&mut stream, body);
        }
    });
    let client =
        PrinterClient::new(&format!("ipp://127.0.0.1:{port}/ipp/print"), TIMEOUT).expect("client");
    (client, handle)
}

fn attr(out: &mut Vec<u8>, tag: u8, name: &str, value: &[u8]) {
    out.push(tag);
    out.extend_from_slice(&(name.len() as u16).to_be_bytes());
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(&(value.len() as u16).to_be_bytes());
    out.extend_from_slice(value);
}

/// An IPP reply: status, request id, operation group (charset, language, message), then
/// `extra` (already-encoded groups), then end-of-attributes.
fn ipp_reply(status: u16, id: i32, message: Option<&str>, extra: &[u8]) -> Vec<u8> {
    let mut b = vec![2, 0];
    b.extend_from_slice(&status.to_be_bytes());
    b.extend_from_slice(&id.to_be_bytes());
    b.push(0x01);
    attr(&mut b, 0x47, "attributes-charset", b"utf-8");
    attr(&mut b, 0x48, "attributes-natural-language", b"en");
    if let Some(m) = message {
        attr(&mut b, 0x41, "status-message", m.as_bytes());
    }
    b.extend_from_slice(extra);
    b.push(0x03);
    b
}

/// A job-attributes group.
fn job_group(id: i32, state: i32, uuid: Option<&str>) -> Vec<u8> {
    let mut g = vec![0x02];
    attr(&mut g, 0x21, "job-id", &id.to_be_bytes());
    if let Some(u) = uuid {
        attr(&mut g, 0x45, "job-uuid", u.as_bytes());
    }
    attr(&mut g, 0x42, "job-name", b"BLANK-1.att-1");
    attr(&mut g, 0x23, "job-state", &state.to_be_bytes());
    attr(&mut g, 0x44, "job-state-reasons", b"none");
    g
}

fn http_200(stream: &mut TcpStream, body: &[u8]) {
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: application/ipp\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(body);
    let _ = stream.flush();
}

/// Keep the connection open without answering until the client gives up.
fn hold(stream: &mut TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(6)));
    let mut sink = [0u8; 64];
    while let Ok(n) = stream.read(&mut sink) {
        if n == 0 {
            break;
        }
    }
}

fn submit(client: &PrinterClient) -> Result<cetak_ipp::JobStatus, IppError> {
    client.submit("BLANK-1.att-1", vec![0x89, b'P', b'N', b'G'], "image/png")
}

fn assert_unknown(err: &IppError) {
    assert!(err.job_may_exist(), "{err:?} must leave the outcome open");
    assert!(!err.request_certainly_not_delivered(), "{err:?}");
}

/// Peak resident memory of this process (VmHWM), in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .expect("/proc/self/status")
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

#[test]
fn well_behaved_fake_with_interim_reply_and_chunking_works() {
    let (client, server) = fake(|s, req| {
        let body = ipp_reply(0, request_id(&req), None, &job_group(7, 3, None));
        let _ = s.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Type: application/ipp\r\nTransfer-Encoding: chunked\r\n\r\n"
        );
        for piece in body.chunks(5) {
            let _ = write!(s, "{:x};ext=1\r\n", piece.len());
            let _ = s.write_all(piece);
            let _ = s.write_all(b"\r\n");
        }
        let _ = s.write_all(b"0\r\nX-Trailer: 1\r\n\r\n");
    });
    let job = submit(&client).expect("valid reply");
    assert_eq!((job.job_id, job.state), (7, JobState::Pending));
    // The follow-up Get-Job-Attributes found nobody (the fake served one connection).
    assert_eq!(job.job_uuid, None);
    server.join().expect("server");
}

#[test]
fn close_delimited_printer_status_works() {
    let (client, server) = fake(|s, req| {
        let mut g = vec![0x04];
        attr(&mut g, 0x23, "printer-state", &5i32.to_be_bytes());
        attr(&mut g, 0x44, "printer-state-reasons", b"cover-open-error");
        attr(&mut g, 0x44, "", b"media-jam-warning");
        attr(&mut g, 0x22, "printer-is-accepting-jobs", &[0]);
        attr(&mut g, 0x41, "printer-make-and-model", b"Fake Fargo");
        let body = ipp_reply(0, request_id(&req), None, &g);
        let _ = s.write_all(b"HTTP/1.0 200 OK\r\nContent-Type: application/ipp\r\n\r\n");
        let _ = s.write_all(&body);
    });
    let status = client.status().expect("valid reply");
    assert_eq!(status.state, PrinterState::Stopped);
    assert_eq!(status.reasons, vec!["cover-open", "media-jam"]);
    assert!(!status.accepting_jobs);
    assert_eq!(status.make_and_model.as_deref(), Some("Fake Fargo"));
    server.join().expect("server");
}

#[test]
fn nothing_listening_is_unreachable() {
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let client =
        PrinterClient::new(&format!("ipp://127.0.0.1:{port}/ipp/print"), TIMEOUT).expect("client");
    let err = submit(&client).expect_err("nobody there");
    assert!(matches!(err, IppError::Unreachable(_)), "{err:?}");
    assert!(err.request_certainly_not_delivered());
    assert!(!err.job_may_exist());
}

#[test]
fn bad_uris_are_rejected() {
    for uri in ["ipps://printer/ipp", "lpd://printer/q", "", "ipp://"] {
        let err = PrinterClient::new(uri, TIMEOUT).expect_err(uri);
        assert!(matches!(err, IppError::BadUri(_)), "{uri}: {err:?}");
        assert!(err.request_certainly_not_delivered());
    }
}

#[test]
fn silent_printer_is_a_timeout_and_the_job_may_exist() {
    let (client, _server) = fake(|s, _| hold(s));
    let started = Instant::now();
    let err = submit(&client).expect_err("no reply");
    let took = started.elapsed();
    assert!(matches!(err, IppError::Timeout(_)), "{err:?}");
    assert_unknown(&err);
    assert!(
        took >= TIMEOUT && took < TIMEOUT + Duration::from_secs(1),
        "{took:?}"
    );
}

#[test]
fn slowloris_drip_is_a_timeout() {
    let (client, _server) = fake(|s, _| {
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
        for _ in 0..60 {
            if s.write_all(b"\x02").is_err() {
                break;
            }
            sleep(Duration::from_millis(100));
        }
    });
    // Without the deadline the drip would hold the call for ever: a Timeout is the proof.
    let err = submit(&client).expect_err("drip");
    assert!(matches!(err, IppError::Timeout(_)), "{err:?}");
    assert_unknown(&err);
}

#[test]
fn header_drip_is_a_timeout() {
    let (client, _server) = fake(|s, _| {
        for b in b"HTTP/1.1 200 OK\r\nX-Slow: "
            .iter()
            .chain([b'a'; 40].iter())
        {
            if s.write_all(&[*b]).is_err() {
                break;
            }
            sleep(Duration::from_millis(100));
        }
    });
    let err = client.status().expect_err("drip");
    assert!(matches!(err, IppError::Timeout(_)), "{err:?}");
}

#[test]
fn connection_closed_without_reply_is_broken() {
    let (client, server) = fake(|_, _| {});
    let err = submit(&client).expect_err("closed");
    assert!(matches!(err, IppError::Broken(_)), "{err:?}");
    assert_unknown(&err);
    server.join().expect("server");
}

#[test]
fn garbage_body_is_malformed() {
    let (client, server) = fake(|s, _| http_200(s, b"<html>this is not IPP at all</html>"));
    let err = submit(&client).expect_err("garbage");
    assert!(matches!(err, IppError::Malformed(_)), "{err:?}");
    assert_unknown(&err);
    server.join().expect("server");
}

#[test]
fn not_http_is_malformed() {
    let (client, server) = fake(|s, _| {
        let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2\r\n");
        hold(s);
    });
    // The server holds the line open: Malformed (not Timeout) shows it was rejected unwaited.
    let err = submit(&client).expect_err("ssh");
    assert!(matches!(err, IppError::Malformed(_)), "{err:?}");
    drop(server);
}

#[test]
fn truncated_ipp_is_malformed_and_cut_connection_is_broken() {
    // Complete HTTP reply carrying half an IPP message.
    let (client, server) = fake(|s, req| {
        let body = ipp_reply(0, request_id(&req), None, &job_group(3, 3, None));
        http_200(s, &body[..body.len() / 2]);
    });
    let err = submit(&client).expect_err("truncated IPP");
    assert!(matches!(err, IppError::Malformed(_)), "{err:?}");
    assert_unknown(&err);
    server.join().expect("server");

    // HTTP announces the whole message, the connection dies half way.
    let (client, server) = fake(|s, req| {
        let body = ipp_reply(0, request_id(&req), None, &job_group(3, 3, None));
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let _ = s.write_all(&body[..body.len() / 2]);
    });
    let err = submit(&client).expect_err("cut");
    assert!(matches!(err, IppError::Broken(_)), "{err:?}");
    assert_unknown(&err);
    server.join().expect("server");
}

#[test]
fn huge_replies_are_rejected_with_bounded_memory() {
    const HUGE: usize = 100 * 1024 * 1024;
    let before = peak_rss_kib();
    for framing in ["length", "close", "chunked"] {
        let (client, server) = fake(move |s, req| {
            // A valid start, then 100 MiB of attribute values.
            let mut start = ipp_reply(0, request_id(&req), None, &[]);
            start.pop();
            start.push(0x02);
            let _ = match framing {
                "length" => write!(s, "HTTP/1.1 200 OK\r\nContent-Length: {HUGE}\r\n\r\n"),
                "close" => write!(s, "HTTP/1.1 200 OK\r\n\r\n"),
                _ => write!(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
            };
            let mut block = Vec::new();
            while block.len() < 60_000 {
                attr(&mut block, 0x41, "job-state-message", &[b'x'; 200]);
            }
            let mut sent = 0;
            let mut first = true;
            while sent < HUGE {
                let piece: &[u8] = if first { &start } else { &block };
                first = false;
                let ok = if framing == "chunked" {
                    write!(s, "{:x}\r\n", piece.len()).is_ok()
                        && s.write_all(piece).is_ok()
                        && s.write_all(b"\r\n").is_ok()
                } else {
                    s.write_all(piece).is_ok()
                };
                if !ok {
                    break;
                }
                sent += piece.len();
            }
        });
        // Malformed (not Timeout): the cap stopped the read, not the deadline.
        let err = submit(&client).expect_err("huge");
        assert!(matches!(err, IppError::Malformed(_)), "{framing}: {err:?}");
        assert_unknown(&err);
        server.join().expect("server");
    }
    let grown_kib = peak_rss_kib().saturating_sub(before);
    assert!(grown_kib < 32 * 1024, "peak memory grew by {grown_kib} KiB");
}

#[test]
fn http_error_statuses() {
    // Every HTTP status leaves the job possible: a 4xx may come after the job was created.
    for (status, may_exist) in [
        (404u16, true),
        (401, true),
        (408, true),
        (503, true),
        (302, true),
    ] {
        let (client, server) = fake(move |s, _| {
            let _ = write!(
                s,
                "HTTP/1.1 {status} Something\r\nContent-Length: 5\r\n\r\nnope!"
            );
        });
        let err = submit(&client).expect_err("http error");
        match &err {
            IppError::Http { status: got, .. } => assert_eq!(*got, status),
            other => panic!("{status}: {other:?}"),
        }
        assert_eq!(err.job_may_exist(), may_exist, "{status}");
        assert!(!err.request_certainly_not_delivered());
        server.join().expect("server");
    }
}

#[test]
fn ipp_error_statuses_are_refused() {
    for (status, may_exist) in [(0x0506u16, false), (0x040A, false), (0x0504, true)] {
        let (client, server) = fake(move |s, req| {
            http_200(
                s,
                &ipp_reply(status, request_id(&req), Some("no thanks"), &[]),
            );
        });
        let err = submit(&client).expect_err("refused");
        match &err {
            IppError::Refused {
                status: got,
                message,
            } => {
                assert_eq!(*got, status);
                assert_eq!(message, "no thanks");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(err.job_may_exist(), may_exist, "0x{status:04x}");
        server.join().expect("server");
    }
}

#[test]
fn get_job_not_found_is_none() {
    let (client, server) = fake(|s, req| {
        http_200(
            s,
            &ipp_reply(0x0406, request_id(&req), Some("Job not found."), &[]),
        );
    });
    assert_eq!(client.job(42).expect("valid reply"), None);
    server.join().expect("server");
}

#[test]
fn reply_to_another_request_is_malformed() {
    let (client, server) = fake(|s, req| {
        let body = ipp_reply(
            0,
            request_id(&req) + 1,
            None,
            &job_group(1, 9, Some("urn:uuid:x")),
        );
        http_200(s, &body);
    });
    let err = submit(&client).expect_err("wrong id");
    assert!(matches!(err, IppError::Malformed(_)), "{err:?}");
    assert_unknown(&err);
    server.join().expect("server");
}

#[test]
fn print_job_success_without_job_id_is_malformed() {
    let (client, server) = fake(|s, req| http_200(s, &ipp_reply(0, request_id(&req), None, &[])));
    let err = submit(&client).expect_err("no job-id");
    assert!(matches!(err, IppError::Malformed(_)), "{err:?}");
    assert_unknown(&err);
    server.join().expect("server");
}

/// Decode with every decoder; the `ipp` crate's parser must not have panicked (the client
/// catches that as `Malformed("IPP decoder panicked…")`, which would still be a bug to fix).
fn decode_all(body: &[u8]) -> Result<(), TestCaseError> {
    let results = [
        cetak_ipp::decode::printer_status(body).err(),
        cetak_ipp::decode::job(body).err(),
        cetak_ipp::decode::jobs(body).err(),
        cetak_ipp::decode::print_job(body).err(),
    ];
    for err in results.into_iter().flatten() {
        prop_assert!(!err.to_string().contains("panicked"), "{err}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Random bytes as an IPP reply body: an error or a value, never a panic.
    #[test]
    fn decoders_never_panic(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        decode_all(&body)?;
    }

    /// Random attribute soup after a valid header, so the decoder gets past the first bytes.
    #[test]
    fn decoders_never_panic_on_attribute_soup(
        status in prop_oneof![Just(0u16), Just(0x0406u16), any::<u16>()],
        items in proptest::collection::vec(
            (0x00u8..0x50, proptest::collection::vec(any::<u8>(), 0..12), proptest::collection::vec(any::<u8>(), 0..12)),
            0..40,
        ),
        end in any::<bool>(),
    ) {
        let mut body = vec![2, 0];
        body.extend_from_slice(&status.to_be_bytes());
        body.extend_from_slice(&1i32.to_be_bytes());
        for (tag, name, value) in &items {
            if *tag < 0x10 {
                body.push(*tag);
            } else {
                body.push(*tag);
                body.extend_from_slice(&(name.len() as u16).to_be_bytes());
                body.extend_from_slice(name);
                body.extend_from_slice(&(value.len() as u16).to_be_bytes());
                body.extend_from_slice(value);
            }
        }
        if end {
            body.push(0x03);
        }
        decode_all(&body)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Random bytes after an HTTP 200 head, through the whole client: an error, never a panic.
    #[test]
    fn client_survives_random_replies(tail in proptest::collection::vec(any::<u8>(), 0..512)) {
        let (client, server) = fake(move |s, _| {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\n");
            let _ = s.write_all(&tail);
        });
        let result = client.status();
        prop_assert!(result.is_err());
        server.join().expect("server");
    }
}
