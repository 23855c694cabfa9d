//! An HTTP/1.1 proxy for tests, between the office and the centre: it forwards each request
//! on a fresh upstream connection, may rewrite the centre's answer (`Hook`: a replayed or
//! damaged answer), and may slow the answer down to a given rate (a slow line).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

/// Sees (request path, request body, answer body) and returns the answer body to send.
pub type Hook = Arc<dyn Fn(&str, &[u8], Vec<u8>) -> Vec<u8> + Send + Sync>;

pub struct Proxy {
    pub url: String,
}

/// Listen on a free loopback port, forwarding to `127.0.0.1:target`.
pub fn start(target: u16, hook: Hook, bytes_per_s: Option<u64>) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let hook = hook.clone();
            std::thread::spawn(move || serve(client, target, hook, bytes_per_s));
        }
    });
    Proxy {
        url: format!("http://127.0.0.1:{port}"),
    }
}

/// One HTTP message: head (up to and with the blank line) and a Content-Length body.
fn read_message(s: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte) {
            Ok(1) => buf.push(byte[0]),
            _ => return None,
        }
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).ok()?;
    Some((head, body))
}

fn serve(mut client: TcpStream, target: u16, hook: Hook, bytes_per_s: Option<u64>) {
    while let Some((head, body)) = read_message(&mut client) {
        let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
        let Ok(mut up) = TcpStream::connect(("127.0.0.1", target)) else {
            return;
        };
        if up.write_all(head.as_bytes()).is_err() || up.write_all(&body).is_err() {
            return;
        }
        let Some((resp_head, resp_body)) = read_message(&mut up) else {
            return;
        };
        let new_body = hook(&path, &body, resp_body);
        let resp_head: String = resp_head
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .map(|l| {
                if l.to_ascii_lowercase().starts_with("content-length:") {
                    format!("content-length: {}\r\n", new_body.len())
                } else {
                    format!("{l}\r\n")
                }
            })
            .collect::<String>()
            + "\r\n";
        let mut out = resp_head.into_bytes();
        out.extend_from_slice(&new_body);
        let sent = match bytes_per_s {
            None => client.write_all(&out),
            Some(rate) => {
                // 1 KiB at a time, at `rate` bytes a second: always moving, never fast.
                let pause = Duration::from_secs_f64(1024.0 / rate as f64);
                out.chunks(1024).try_for_each(|c| {
                    std::thread::sleep(pause);
                    client.write_all(c)
                })
            }
        };
        if sent.is_err() {
            return;
        }
    }
}
