//! The password policy, after NIST SP 800-63B §5.1.1.2: at least 10 characters (spaces at
//! either end do not count), at most 1,024 bytes, not one character repeated, not containing
//! the account's name, and not a common password — the shipped list
//! (`data/common_passwords.txt`) or a listed word with other digits or symbols appended. No
//! composition rules (NIST advises against them). Shared by the pages and `cetak user`.

use std::collections::HashSet;
use std::sync::OnceLock;

const COMMON: &str = include_str!("../../../data/common_passwords.txt");

/// The fewest characters a password may have.
pub const MIN_CHARS: usize = 10;
/// The most bytes a password may have (argon2 input stays small).
pub const MAX_BYTES: usize = 1024;

/// Why a password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Fewer than [`MIN_CHARS`] characters after trimming.
    #[error(
        "kata sandi minimal 10 karakter (spasi di awal/akhir tidak dihitung) / a password needs at least 10 characters (spaces at either end do not count)"
    )]
    TooShort,
    /// More than [`MAX_BYTES`] bytes.
    #[error(
        "kata sandi terlalu panjang (maks. 1024 byte) / the password is too long (at most 1024 bytes)"
    )]
    TooLong,
    /// One character repeated.
    #[error(
        "kata sandi tidak boleh satu karakter berulang / a password cannot be one character repeated"
    )]
    OneCharacter,
    /// Contains the account's name.
    #[error(
        "kata sandi tidak boleh memuat nama pengguna / a password cannot contain the user name"
    )]
    ContainsName,
    /// On the common-password list.
    #[error(
        "kata sandi ini terlalu umum dan mudah ditebak / this password is too common and easy to guess"
    )]
    Common,
}

fn common() -> &'static (HashSet<&'static str>, HashSet<&'static str>) {
    static SETS: OnceLock<(HashSet<&'static str>, HashSet<&'static str>)> = OnceLock::new();
    SETS.get_or_init(|| {
        let list: HashSet<&str> = COMMON
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let stems = list
            .iter()
            .map(|p| stem(p))
            .filter(|s| s.len() >= 4 && s.chars().all(|c| c.is_alphabetic()))
            .collect();
        (list, stems)
    })
}

/// The password without the digits and symbols at its end.
fn stem(p: &str) -> &str {
    p.trim_end_matches(|c: char| !c.is_alphabetic())
}

/// Check a new password for account `name`.
pub fn check(name: &str, password: &str) -> Result<(), PasswordError> {
    if password.len() > MAX_BYTES {
        return Err(PasswordError::TooLong);
    }
    let p = password.trim();
    if p.chars().count() < MIN_CHARS {
        return Err(PasswordError::TooShort);
    }
    let mut chars = p.chars();
    if let Some(first) = chars.next()
        && chars.all(|c| c == first)
    {
        return Err(PasswordError::OneCharacter);
    }
    let lower = p.to_lowercase();
    let name = name.trim().to_lowercase();
    // The whole name, and each longer part of a dotted name (`spv.budi`: `budi`).
    let parts = std::iter::once(name.as_str()).chain(
        name.split(['.', '_', '-'])
            .filter(|part| part.chars().count() >= 4),
    );
    for part in parts {
        if !part.is_empty() && lower.contains(part) {
            return Err(PasswordError::ContainsName);
        }
    }
    let (list, stems) = common();
    if list.contains(lower.as_str()) || stems.contains(stem(&lower)) {
        return Err(PasswordError::Common);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_shipped_whole() {
        let (list, stems) = common();
        assert!(list.len() >= 1000, "{}", list.len());
        assert!(list.iter().all(|p| p.chars().count() >= MIN_CHARS));
        assert!(stems.contains("password"));
    }

    #[test]
    fn weak_passwords_are_refused_and_good_ones_pass() {
        use PasswordError::*;
        for (name, pw, why) in [
            ("adm.sari", "          ", TooShort),
            ("adm.sari", "   short12   ", TooShort),
            ("adm.sari", "aaaaaaaaaa", OneCharacter),
            ("adm.sari", "adm.sari-2015", ContainsName),
            ("spv.budi", "Budi-Hebat-Sekali", ContainsName),
            ("admin1", "xADMIN1xyz99", ContainsName),
            ("x", "1234567890", Common),
            ("x", "QwertyUiop", Common),
            ("x", "bismillah123", Common),
            ("x", "password2024", Common),
            ("x", "Indonesia-45!", Common),
        ] {
            assert_eq!(check(name, pw), Err(why), "{name} {pw:?}");
        }
        assert_eq!(check("x", &"ab".repeat(600)), Err(TooLong));
        for (name, pw) in [
            ("op.rina", "kata-sandi-uji-2015"),
            ("budi", "rahasia-kantor-2015!"),
            ("adm.sari", "kuda merah makan pempek"),
        ] {
            assert_eq!(check(name, pw), Ok(()), "{name} {pw:?}");
        }
    }
}
