//! The APDU set of the "E-KTP test card", as bytes in and out (no I/O): the PC/SC encoder sends
//! these, the virtual card in [`crate::testcard`] answers them. ISO 7816-4 short APDUs only:
//!
//! | command | APDU | answer |
//! |---|---|---|
//! | SELECT application | `00 A4 04 0C 07 A0000002471001` | `9000`; `6A82` on another card |
//! | SELECT EF | `00 A4 02 0C 02 <fid>` | `9000`, `6A82` not found |
//! | CREATE FILE (EF) | `00 E0 00 00 0A 62 06 80 02 <size> 83 02 <fid>` | `9000` (file zeroed, selected), `6A84` no room |
//! | UPDATE BINARY | `00 D6 <offset> <Lc ≤ 255> <data>` | `9000`, `6581` write failed, `6B00` beyond the file |
//! | READ BINARY | `00 B0 <offset> <Le>` | data + `9000` (fewer bytes at the end), `6B00` |
//!
//! Offsets are 15 bits (P1 bit 8 clear), so an EF holds at most 32 767 bytes.

/// The application id the card answers to (the ICAO eMRTD LDS1 AID).
pub const AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];
/// The largest chunk an UPDATE or READ BINARY moves.
pub const CHUNK: usize = 255;
/// The largest EF the 15-bit offsets reach.
pub const MAX_EF: usize = 0x7FFF;

/// Instruction bytes.
pub const INS_SELECT: u8 = 0xA4;
/// CREATE FILE.
pub const INS_CREATE: u8 = 0xE0;
/// UPDATE BINARY.
pub const INS_UPDATE: u8 = 0xD6;
/// READ BINARY.
pub const INS_READ: u8 = 0xB0;

/// Status words.
pub const SW_OK: u16 = 0x9000;
/// Memory failure (the write did not take).
pub const SW_MEMORY_FAILURE: u16 = 0x6581;
/// File or application not found.
pub const SW_NOT_FOUND: u16 = 0x6A82;
/// Not enough memory.
pub const SW_NO_ROOM: u16 = 0x6A84;
/// Offset beyond the file.
pub const SW_WRONG_OFFSET: u16 = 0x6B00;
/// Instruction not supported.
pub const SW_INS_UNKNOWN: u16 = 0x6D00;
/// Wrong length.
pub const SW_WRONG_LENGTH: u16 = 0x6700;
/// Conditions of use not satisfied (no application selected).
pub const SW_CONDITIONS: u16 = 0x6985;

/// SELECT the E-KTP application.
pub fn select_application() -> Vec<u8> {
    let mut a = vec![0x00, INS_SELECT, 0x04, 0x0C, AID.len() as u8];
    a.extend_from_slice(&AID);
    a
}

/// SELECT an EF by file id.
pub fn select_ef(fid: u16) -> Vec<u8> {
    let [h, l] = fid.to_be_bytes();
    vec![0x00, INS_SELECT, 0x02, 0x0C, 0x02, h, l]
}

/// CREATE FILE: a transparent EF of `size` bytes (≤ [`MAX_EF`]).
pub fn create_ef(fid: u16, size: u16) -> Vec<u8> {
    let [h, l] = fid.to_be_bytes();
    let [sh, sl] = size.to_be_bytes();
    vec![
        0x00, INS_CREATE, 0x00, 0x00, 0x0A, 0x62, 0x06, 0x80, 0x02, sh, sl, 0x83, 0x02, h, l,
    ]
}

/// UPDATE BINARY at `offset` (≤ [`MAX_EF`]) with ≤ [`CHUNK`] bytes.
pub fn update_binary(offset: u16, data: &[u8]) -> Vec<u8> {
    let [h, l] = (offset & 0x7FFF).to_be_bytes();
    let mut a = vec![0x00, INS_UPDATE, h, l, data.len() as u8];
    a.extend_from_slice(data);
    a
}

/// READ BINARY of up to `len` (1–256) bytes at `offset`.
pub fn read_binary(offset: u16, len: usize) -> Vec<u8> {
    let [h, l] = (offset & 0x7FFF).to_be_bytes();
    vec![0x00, INS_READ, h, l, if len >= 256 { 0 } else { len as u8 }]
}

/// Splits a response APDU into data and status word.
pub fn split(resp: &[u8]) -> (&[u8], u16) {
    match resp.len() {
        0 | 1 => (&[], 0),
        n => (
            &resp[..n - 2],
            u16::from_be_bytes([resp[n - 2], resp[n - 1]]),
        ),
    }
}
