//! The office server as a browser meets it, for the binary's tests: `cetak serve` as a
//! process, one HTTP/1.1 exchange at a time, login with the page's CSRF token, forms.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The password the tests give accounts (`CETAK_PASSWORD` for `cetak user add`).
pub const PASSWORD: &str = "kata-sandi-yang-panjang-1";

/// A running `cetak serve`, killed when dropped.
pub struct Server {
    child: Child,
    /// Where it listens (127.0.0.1).
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 exchange: (status, headers and body as text).
pub fn http(port: u16, method: &str, path: &str, cookie: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nAccept-Language: en\r\n"
    );
    if !cookie.is_empty() {
        req.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if method == "POST" {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nOrigin: http://127.0.0.1:{port}\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).expect("send");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, out)
}

/// `name=value` of every Set-Cookie in a response.
pub fn cookies(resp: &str) -> Vec<String> {
    resp.lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("set-cookie")
                .then(|| v.trim().split(';').next().unwrap_or("").to_string())
        })
        .collect()
}

/// The value of the first hidden input named `name`.
pub fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + key.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string()
}

pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let enc: String = v
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={enc}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// `cetak serve` on `x.db` in `d` on a free port (English pages), until dropped.
pub fn serve(d: &Path) -> Server {
    serve_with(d, &[], &[])
}

/// [`serve`] with more arguments and environment variables.
pub fn serve_with(d: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
    let port = super::free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cetak"));
    cmd.current_dir(d)
        .env("CETAK_DB", "x.db")
        .env("CETAK_LANG", "en")
        .env_remove("CETAK_CLOCK_SKEW_S")
        .args(["serve", "--listen", &listen])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("serve starts");
    let mut server = Server { child, port };
    // Up to 600 looks, 50 ms apart: a server that never listens fails the test.
    let up = (0..600).any(|_| {
        let listening = TcpStream::connect(("127.0.0.1", port)).is_ok();
        if !listening {
            assert!(
                server.child.try_wait().expect("wait").is_none(),
                "cetak serve {args:?} exited"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        listening
    });
    assert!(up, "server did not come up");
    server
}

/// Log in; the session cookie and the page's CSRF token.
pub fn login(port: u16, name: &str) -> (String, String) {
    let (_, page) = http(port, "GET", "/login", "", "");
    let jar = cookies(&page).join("; ");
    let body = form(&[
        ("name", name),
        ("password", PASSWORD),
        ("login_csrf", &hidden(&page, "login_csrf")),
        ("next", "/print"),
    ]);
    let (status, resp) = http(port, "POST", "/login", &jar, &body);
    assert_eq!(status, 303, "login: {resp}");
    let session = cookies(&resp).join("; ");
    let (status, print) = http(port, "GET", "/print", &session, "");
    assert_eq!(status, 200, "{print}");
    (session, hidden(&print, "csrf"))
}

/// A page with the template engine's HTML escapes undone, for comparing text.
pub fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
