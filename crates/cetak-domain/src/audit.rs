//! The audit log's hash chain.
//!
//! Each entry commits to the previous entry's hash, so editing, deleting or reordering an entry
//! breaks the chain at that entry. The chain cannot by itself reveal that its newest entries
//! were cut off; for that a supervisor keeps the head (`cetak audit head`) in the signed
//! monthly report and verifies against it (`--expect-head`).

use thiserror::Error;

/// The `prev_hash` of the first entry.
pub const GENESIS: [u8; 32] = [0; 32];

/// One audit entry's content (everything the hash covers but the previous hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryContent<'a> {
    /// Position in the log, from 1, without gaps.
    pub seq: u64,
    /// RFC 3339 time.
    pub at: &'a str,
    /// Who.
    pub actor: &'a str,
    /// What kind of change (`import_batch`, `mark_duplicate`, …).
    pub action: &'a str,
    /// What it changed (a recording id, a file, …).
    pub subject: &'a str,
    /// Why.
    pub reason: &'a str,
    /// Details as JSON.
    pub detail: &'a str,
}

/// The first control character in `s` that no text typed by a person may hold (everything
/// below U+0020 but tab, CR and LF, DEL, and the C1 range), with its byte position. Text with
/// one is refused where it is typed (pages, commands), before it reaches the audit log, the
/// outbox and the centre (PostgreSQL's text cannot even hold U+0000).
pub fn control_character(s: &str) -> Option<(usize, char)> {
    s.char_indices()
        .find(|(_, c)| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

impl EntryContent<'_> {
    /// A control character in a typed field (actor, subject, reason) or an escaped NUL in the
    /// details: the field's name and the character.
    pub fn control_character(&self) -> Option<(&'static str, char)> {
        [
            ("actor", self.actor),
            ("subject", self.subject),
            ("reason", self.reason),
        ]
        .into_iter()
        .find_map(|(name, v)| control_character(v).map(|(_, c)| (name, c)))
        .or_else(|| self.detail.contains("\\u0000").then_some(("detail", '\0')))
    }
}

/// The entry's hash: BLAKE3 over the previous hash and the length-prefixed fields.
pub fn entry_hash(prev: &[u8; 32], e: &EntryContent<'_>) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(b"cetak-audit-v1");
    h.update(prev);
    h.update(&e.seq.to_le_bytes());
    for field in [e.at, e.actor, e.action, e.subject, e.reason, e.detail] {
        h.update(&(field.len() as u64).to_le_bytes());
        h.update(field.as_bytes());
    }
    *h.finalize().as_bytes()
}

/// Where and how the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChainBreak {
    /// An entry's content no longer matches its hash.
    #[error("audit entry {seq} was edited: its content does not match its hash")]
    Edited {
        /// The entry.
        seq: u64,
    },
    /// A position is missing.
    #[error("audit entry {expected} is missing (deleted?); the next entry found is {found}")]
    Missing {
        /// The position that should come next.
        expected: u64,
        /// The position found instead.
        found: u64,
    },
    /// An entry does not follow the one before it.
    #[error("audit entry {seq} does not follow entry {} (deleted or reordered entries)", seq.saturating_sub(1))]
    OutOfOrder {
        /// The entry.
        seq: u64,
    },
    /// The newest entry is not the head the supervisor recorded.
    #[error(
        "the log ends at entry {last_seq}, not at the expected head (entries cut off or replaced)"
    )]
    HeadMismatch {
        /// The last entry present.
        last_seq: u64,
    },
}

impl ChainBreak {
    /// The first bad entry's position.
    pub fn seq(&self) -> u64 {
        match *self {
            ChainBreak::Edited { seq } | ChainBreak::OutOfOrder { seq } => seq,
            ChainBreak::Missing { expected, .. } => expected,
            ChainBreak::HeadMismatch { last_seq } => last_seq,
        }
    }
}

/// Walks stored entries in `seq` order and checks each link.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: u64,
    expected_prev: [u8; 32],
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            expected_seq: 1,
            expected_prev: GENESIS,
        }
    }
}

impl ChainVerifier {
    /// Check the next stored entry (its content, stored previous hash and stored hash).
    pub fn check(
        &mut self,
        e: &EntryContent<'_>,
        prev: &[u8; 32],
        hash: &[u8; 32],
    ) -> Result<(), ChainBreak> {
        if e.seq != self.expected_seq {
            return Err(if e.seq > self.expected_seq {
                ChainBreak::Missing {
                    expected: self.expected_seq,
                    found: e.seq,
                }
            } else {
                ChainBreak::OutOfOrder { seq: e.seq }
            });
        }
        if entry_hash(prev, e) != *hash {
            return Err(ChainBreak::Edited { seq: e.seq });
        }
        if *prev != self.expected_prev {
            return Err(ChainBreak::OutOfOrder { seq: e.seq });
        }
        self.expected_seq += 1;
        self.expected_prev = *hash;
        Ok(())
    }

    /// Number of entries checked so far.
    pub fn checked(&self) -> u64 {
        self.expected_seq - 1
    }

    /// The hash of the last entry checked (the head).
    pub fn head(&self) -> [u8; 32] {
        self.expected_prev
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Stored {
        seq: u64,
        action: String,
        prev: [u8; 32],
        hash: [u8; 32],
    }

    fn content(s: &Stored) -> EntryContent<'_> {
        EntryContent {
            seq: s.seq,
            at: "2026-01-01T00:00:00Z",
            actor: "op",
            action: &s.action,
            subject: "R",
            reason: "r",
            detail: "{}",
        }
    }

    fn chain(n: u64) -> Vec<Stored> {
        let mut prev = GENESIS;
        (1..=n)
            .map(|seq| {
                let mut s = Stored {
                    seq,
                    action: format!("a{seq}"),
                    prev,
                    hash: [0; 32],
                };
                s.hash = entry_hash(&prev, &content(&s));
                prev = s.hash;
                s
            })
            .collect()
    }

    fn verify(entries: &[Stored]) -> Result<u64, ChainBreak> {
        let mut v = ChainVerifier::default();
        for s in entries {
            v.check(&content(s), &s.prev, &s.hash)?;
        }
        Ok(v.checked())
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
    }

    #[test]
    fn an_edit_is_found_at_its_entry() {
        let mut c = chain(5);
        c[2].action = "forged".into();
        assert_eq!(verify(&c), Err(ChainBreak::Edited { seq: 3 }));
    }

    #[test]
    fn a_deletion_is_found_where_the_gap_is() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(
            verify(&c),
            Err(ChainBreak::Missing {
                expected: 2,
                found: 3
            })
        );
    }

    #[test]
    fn a_deletion_with_renumbering_is_found() {
        let mut c = chain(5);
        c.remove(1);
        for (i, s) in c.iter_mut().enumerate() {
            s.seq = i as u64 + 1;
        }
        assert_eq!(verify(&c).map_err(|e| e.seq()), Err(2));
    }

    #[test]
    fn a_swap_is_found() {
        let mut c = chain(5);
        c.swap(1, 2);
        let (a, b) = (c[1].seq, c[2].seq);
        c[1].seq = b;
        c[2].seq = a;
        assert_eq!(verify(&c).map_err(|e| e.seq()), Err(2));
    }
}
