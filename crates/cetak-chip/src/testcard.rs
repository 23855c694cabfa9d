//! The "E-KTP test card": a card in memory that plugs into the vpcd virtual reader over TCP and
//! speaks the APDU set of [`crate::apdu`], with faults on request (removed mid-write, refused
//! writes, another card type, a slow card). Behind the `testcard` feature: for tests, the demo
//! and the simulator, never for an office.
//!
//! vpcd's protocol: every message is a 2-byte big-endian length and a payload; a 1-byte payload
//! is a control code (0 power off, 1 power on, 2 reset, 4 "send your ATR"), anything longer a
//! command APDU answered with a response APDU.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::apdu::{self, AID};

/// vpcd's port for reader `Virtual PCD 00 00`.
pub const VPCD_PORT: u16 = 35963;
/// The test card's ATR (T=1, historical bytes "E-KTP").
pub const ATR: [u8; 12] = [
    0x3B, 0x88, 0x80, 0x01, 0x45, 0x2D, 0x4B, 0x54, 0x50, 0x00, 0x00, 0x4E,
];
/// The ATR of the wrong card (a storage card without the application).
pub const OTHER_ATR: [u8; 11] = [
    0x3B, 0x87, 0x80, 0x01, 0x4D, 0x45, 0x4D, 0x4F, 0x52, 0x59, 0x4C,
];

/// What the card does wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Nothing.
    None,
    /// Pulled out of the reader (socket closed) at the `n`th UPDATE BINARY.
    RemoveAtWrite(usize),
    /// Every UPDATE BINARY answers `6581` (memory failure).
    RefuseWrites,
    /// Another card: another ATR, and the application is not found.
    WrongCard,
    /// Waits this long before every answer.
    Slow(Duration),
}

/// A card in the virtual reader; removed when dropped.
pub struct TestCard {
    files: Arc<Mutex<BTreeMap<u16, Vec<u8>>>>,
    stop: Arc<AtomicBool>,
    stream: TcpStream,
    thread: Option<JoinHandle<()>>,
}

impl TestCard {
    /// Inserts a card into the reader behind `port` (waits up to 5 s for vpcd to listen).
    pub fn insert(port: u16, fault: Fault) -> io::Result<TestCard> {
        let start = Instant::now();
        let stream = loop {
            match TcpStream::connect(("127.0.0.1", port)) {
                Ok(s) => break s,
                Err(e) if start.elapsed() > Duration::from_secs(5) => return Err(e),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        };
        stream.set_nodelay(true)?;
        let files = Arc::new(Mutex::new(BTreeMap::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let mut card = Card {
            stream: stream.try_clone()?,
            files: files.clone(),
            stop: stop.clone(),
            fault,
            selected: None,
            app: false,
            writes: 0,
        };
        let thread = std::thread::spawn(move || {
            let _ = card.run();
        });
        Ok(TestCard {
            files,
            stop,
            stream,
            thread: Some(thread),
        })
    }

    /// The files on the card now.
    pub fn files(&self) -> BTreeMap<u16, Vec<u8>> {
        self.files.lock().map(|f| f.clone()).unwrap_or_default()
    }

    /// Whether the card pulled itself out (a `RemoveAtWrite` fault fired).
    pub fn removed(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

impl Drop for TestCard {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.stream.shutdown(Shutdown::Both);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Card {
    stream: TcpStream,
    files: Arc<Mutex<BTreeMap<u16, Vec<u8>>>>,
    stop: Arc<AtomicBool>,
    fault: Fault,
    selected: Option<u16>,
    app: bool,
    writes: usize,
}

impl Card {
    fn recv(&mut self) -> io::Result<Vec<u8>> {
        let mut len = [0u8; 2];
        self.stream.read_exact(&mut len)?;
        // vpcd writes the length and the payload separately: acknowledge at once, or the
        // payload waits for a delayed ACK (40 ms per APDU).
        let _ = socket2::SockRef::from(&self.stream).set_tcp_quickack(true);
        let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
        self.stream.read_exact(&mut buf)?;
        let _ = socket2::SockRef::from(&self.stream).set_tcp_quickack(true);
        Ok(buf)
    }

    fn send(&mut self, payload: &[u8]) -> io::Result<()> {
        let mut msg = (payload.len() as u16).to_be_bytes().to_vec();
        msg.extend_from_slice(payload);
        self.stream.write_all(&msg)
    }

    fn run(&mut self) -> io::Result<()> {
        while !self.stop.load(Ordering::SeqCst) {
            let msg = self.recv()?;
            if msg.len() == 1 {
                if msg[0] == 4 {
                    let atr = if self.fault == Fault::WrongCard {
                        OTHER_ATR.to_vec()
                    } else {
                        ATR.to_vec()
                    };
                    self.send(&atr)?;
                } else {
                    // power off/on, reset: the card forgets its selection.
                    self.selected = None;
                    self.app = false;
                }
                continue;
            }
            if let Fault::Slow(d) = self.fault {
                std::thread::sleep(d);
            }
            let resp = match self.answer(&msg) {
                Some(r) => r,
                None => {
                    // Pulled out mid-write: no answer, the reader sees the card gone.
                    self.stop.store(true, Ordering::SeqCst);
                    let _ = self.stream.shutdown(Shutdown::Both);
                    return Ok(());
                }
            };
            self.send(&resp)?;
        }
        Ok(())
    }

    fn sw(sw: u16) -> Vec<u8> {
        sw.to_be_bytes().to_vec()
    }

    /// The answer to one APDU; `None` = the card is pulled out now.
    fn answer(&mut self, a: &[u8]) -> Option<Vec<u8>> {
        if a.len() < 4 {
            return Some(Card::sw(apdu::SW_WRONG_LENGTH));
        }
        let (ins, p1, p2) = (a[1], a[2], a[3]);
        let body = a
            .get(5..5 + usize::from(*a.get(4).unwrap_or(&0)))
            .unwrap_or(&[]);
        let offset = (usize::from(p1 & 0x7F) << 8) | usize::from(p2);
        let mut files = self.files.lock().ok()?;
        let r = match ins {
            apdu::INS_SELECT if p1 == 0x04 => {
                if self.fault != Fault::WrongCard && body == AID {
                    self.app = true;
                    apdu::SW_OK
                } else {
                    apdu::SW_NOT_FOUND
                }
            }
            _ if !self.app => apdu::SW_CONDITIONS,
            apdu::INS_SELECT => match body {
                [h, l] if files.contains_key(&u16::from_be_bytes([*h, *l])) => {
                    self.selected = Some(u16::from_be_bytes([*h, *l]));
                    apdu::SW_OK
                }
                _ => apdu::SW_NOT_FOUND,
            },
            apdu::INS_CREATE => match body {
                [0x62, 0x06, 0x80, 0x02, sh, sl, 0x83, 0x02, h, l] => {
                    let size = usize::from(u16::from_be_bytes([*sh, *sl]));
                    let fid = u16::from_be_bytes([*h, *l]);
                    if size > apdu::MAX_EF {
                        apdu::SW_NO_ROOM
                    } else {
                        files.insert(fid, vec![0; size]);
                        self.selected = Some(fid);
                        apdu::SW_OK
                    }
                }
                _ => apdu::SW_WRONG_LENGTH,
            },
            apdu::INS_UPDATE => {
                self.writes += 1;
                if self.fault == Fault::RemoveAtWrite(self.writes) {
                    return None;
                }
                if self.fault == Fault::RefuseWrites {
                    apdu::SW_MEMORY_FAILURE
                } else {
                    match self.selected.and_then(|f| files.get_mut(&f)) {
                        Some(file) if offset + body.len() <= file.len() => {
                            file[offset..offset + body.len()].copy_from_slice(body);
                            apdu::SW_OK
                        }
                        Some(_) => apdu::SW_WRONG_OFFSET,
                        None => apdu::SW_CONDITIONS,
                    }
                }
            }
            apdu::INS_READ => {
                let le = match a.get(4) {
                    Some(0) | None => 256,
                    Some(n) => usize::from(*n),
                };
                return Some(match self.selected.and_then(|f| files.get(&f)) {
                    Some(file) if offset <= file.len() => {
                        let end = (offset + le).min(file.len());
                        let mut r = file[offset..end].to_vec();
                        r.extend_from_slice(&apdu::SW_OK.to_be_bytes());
                        r
                    }
                    Some(_) => Card::sw(apdu::SW_WRONG_OFFSET),
                    None => Card::sw(apdu::SW_CONDITIONS),
                });
            }
            _ => apdu::SW_INS_UNKNOWN,
        };
        Some(Card::sw(r))
    }
}
