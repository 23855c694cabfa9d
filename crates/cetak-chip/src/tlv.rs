//! A small BER-TLV writer and reader for the E-KTP layout (EF.COM and the data groups).
//!
//! The DGs are ISO 7816-4 BER-TLV with one- and two-byte tags and definite lengths: `der`
//! would insist on DER's universal-class rules, so the layout keeps its own ~80 lines here. The
//! reader never panics on input: every slice is checked.

use crate::ChipError;

/// Appends one TLV: `tag` (1–3 bytes as written, e.g. `0x5F2E`), the length in BER definite form,
/// then `value`.
pub fn put(out: &mut Vec<u8>, tag: u32, value: &[u8]) {
    if tag > 0xFFFF {
        out.push((tag >> 16) as u8);
    }
    if tag > 0xFF {
        out.push((tag >> 8) as u8);
    }
    out.push(tag as u8);
    put_len(out, value.len());
    out.extend_from_slice(value);
}

/// A TLV whose value is built by `f` (a constructed template).
pub fn nest(out: &mut Vec<u8>, tag: u32, f: impl FnOnce(&mut Vec<u8>)) {
    let mut inner = Vec::new();
    f(&mut inner);
    put(out, tag, &inner);
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    match n {
        0..=0x7F => out.push(n as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, n as u8]),
        0x100..=0xFFFF => out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]),
        _ => out.extend_from_slice(&[0x83, (n >> 16) as u8, (n >> 8) as u8, n as u8]),
    }
}

/// One TLV read from a buffer: its tag as written, its value, and how many bytes it took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag bytes as one number (`0x61`, `0x5F2E`, `0x7F61`).
    pub tag: u32,
    /// The value bytes.
    pub value: &'a [u8],
    /// Header + value length.
    pub total: usize,
}

/// Reads the tag and length at the start of `buf`: `(tag, header_len, value_len)`. Works on a
/// prefix (the PC/SC reader reads the first bytes of a file to learn its size).
pub fn header(buf: &[u8]) -> Result<(u32, usize, usize), ChipError> {
    let short = || ChipError::Malformed("TLV header truncated".into());
    let first = *buf.first().ok_or_else(short)?;
    let mut tag = u32::from(first);
    let mut i = 1;
    if first & 0x1F == 0x1F {
        loop {
            let b = *buf.get(i).ok_or_else(short)?;
            tag = (tag << 8) | u32::from(b);
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
            if i > 3 {
                return Err(ChipError::Malformed("TLV tag longer than 3 bytes".into()));
            }
        }
    }
    let l0 = *buf.get(i).ok_or_else(short)?;
    i += 1;
    let len = match l0 {
        0..=0x7F => usize::from(l0),
        0x81..=0x83 => {
            let n = usize::from(l0 & 0x7F);
            let bytes = buf.get(i..i + n).ok_or_else(short)?;
            i += n;
            bytes.iter().fold(0usize, |a, b| (a << 8) | usize::from(*b))
        }
        _ => {
            return Err(ChipError::Malformed(format!(
                "TLV length form {l0:#04x} not supported"
            )));
        }
    };
    Ok((tag, i, len))
}

/// Reads one TLV at the start of `buf`.
pub fn read(buf: &[u8]) -> Result<Tlv<'_>, ChipError> {
    let (tag, h, len) = header(buf)?;
    let value = buf.get(h..h + len).ok_or_else(|| {
        ChipError::Malformed(format!(
            "TLV {tag:#x} says {len} bytes, {} are there",
            buf.len().saturating_sub(h)
        ))
    })?;
    Ok(Tlv {
        tag,
        value,
        total: h + len,
    })
}

/// Every TLV in `buf`, in order (the whole buffer must be TLVs).
pub fn all(mut buf: &[u8]) -> Result<Vec<Tlv<'_>>, ChipError> {
    let mut out = Vec::new();
    while !buf.is_empty() {
        let t = read(buf)?;
        buf = &buf[t.total..];
        out.push(t);
    }
    Ok(out)
}

/// Reads `buf` as exactly one TLV with tag `tag`; returns its value.
pub fn expect<'a>(buf: &'a [u8], tag: u32, what: &str) -> Result<&'a [u8], ChipError> {
    let t = read(buf)?;
    if t.tag != tag {
        return Err(ChipError::Malformed(format!(
            "{what}: tag {:#x}, expected {tag:#x}",
            t.tag
        )));
    }
    if t.total != buf.len() {
        return Err(ChipError::Malformed(format!(
            "{what}: {} bytes after the TLV",
            buf.len() - t.total
        )));
    }
    Ok(t.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_lengths_and_tags() {
        for n in [0usize, 1, 127, 128, 255, 256, 65535, 65536, 70000] {
            for tag in [0x61u32, 0x5F2E, 0x7F61] {
                let v = vec![0xAB; n];
                let mut out = Vec::new();
                put(&mut out, tag, &v);
                let t = read(&out).expect("reads");
                assert_eq!((t.tag, t.value.len(), t.total), (tag, n, out.len()));
            }
        }
    }

    #[test]
    fn truncated_input_is_an_error_not_a_panic() {
        let mut out = Vec::new();
        put(&mut out, 0x5F2E, &[1; 300]);
        for cut in 0..out.len() {
            assert!(read(&out[..cut]).is_err(), "cut at {cut}");
        }
        assert!(read(&[0x5F]).is_err());
        assert!(read(&[0x61, 0x84, 0, 0, 0, 1]).is_err());
    }
}
