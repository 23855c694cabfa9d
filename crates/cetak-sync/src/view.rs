//! What the operator sees of the link (`cetak status` and the dashboard both call this): its
//! state with ages in words ("terputus 2 hari 3 jam"), the oldest unsent event's age, what
//! waits at the centre, and one message per permanent fault saying what to do.

use serde::Serialize;

/// The facts the office keeps about the link (times as seconds since the Unix epoch).
#[derive(Debug, Clone, Default)]
pub struct LinkFacts {
    /// Now.
    pub now: i64,
    /// The last round that went through.
    pub last_ok: Option<i64>,
    /// The first failure of the current run of failures.
    pub down_since: Option<i64>,
    /// Failed rounds in a row.
    pub failures: u32,
    /// The kind of permanent fault the last round stopped on (`token`, `version`,
    /// `refused`, `history`).
    pub fault: Option<String>,
    /// Events not yet acknowledged.
    pub outbox_depth: u64,
    /// When the oldest of them happened.
    pub oldest_unsent: Option<i64>,
    /// Records the centre said were waiting.
    pub waiting_at_centre: Option<u64>,
    /// Items kept aside (events, records).
    pub parked: (u64, u64),
    /// Second histories of this office the centre found.
    pub forks: u64,
}

/// One line, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Words {
    /// Bahasa Indonesia.
    pub id: String,
    /// English.
    pub en: String,
}

fn words(id: impl Into<String>, en: impl Into<String>) -> Words {
    Words {
        id: id.into(),
        en: en.into(),
    }
}

/// The link, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkView {
    /// `never`, `up`, `down` or `fault`.
    pub state: &'static str,
    /// "tersambung, sinkron terakhir 5 menit lalu" / "terputus 2 hari 3 jam" / …
    pub headline: Words,
    /// What to do (none while up).
    pub action: Option<Words>,
    /// "kejadian tertua yang belum terkirim: 3 jam" (none when the outbox is empty).
    pub oldest_unsent: Option<Words>,
    /// Records waiting at the centre, as it last said.
    pub waiting_at_centre: Option<u64>,
    /// Events not yet acknowledged.
    pub outbox_depth: u64,
    /// Warnings that need a person (parked items, second histories).
    pub warnings: Vec<Words>,
}

/// An age in words, to the two largest units: "2 hari 3 jam" / "2 days 3 hours".
pub fn age(seconds: i64) -> Words {
    let s = seconds.max(0);
    let units: [(i64, &str, &str, &str); 4] = [
        (86_400, "hari", "day", "days"),
        (3_600, "jam", "hour", "hours"),
        (60, "menit", "minute", "minutes"),
        (1, "detik", "second", "seconds"),
    ];
    let mut id = Vec::new();
    let mut en = Vec::new();
    let mut rest = s;
    for (size, i, one, many) in units {
        let n = rest / size;
        if n > 0 || (id.is_empty() && size == 1) {
            id.push(format!("{n} {i}"));
            en.push(format!("{n} {}", if n == 1 { one } else { many }));
            rest -= n * size;
        }
        if id.len() == 2 || (!id.is_empty() && n == 0) {
            break;
        }
    }
    words(id.join(" "), en.join(" "))
}

/// What a permanent fault means and what to do about it.
pub fn fault_words(kind: &str) -> (Words, Words) {
    match kind {
        "token" => (
            words(
                "ditolak pusat: token kantor salah atau dicabut",
                "refused by the centre: the office token is wrong or revoked",
            ),
            words(
                "minta token baru ke petugas pusat (`cetak central token rotate`), simpan di berkas token kantor",
                "ask the centre's operator for a new token (`cetak central token rotate`) and put it in the office's token file",
            ),
        ),
        "version" => (
            words(
                "pusat memakai versi protokol lain",
                "the centre speaks another protocol version",
            ),
            words(
                "perbarui cetak di kantor ini",
                "update cetak at this office",
            ),
        ),
        "history" => (
            words(
                "pusat terus tidak sepakat tentang riwayat kantor ini",
                "the centre keeps disagreeing about this office's history",
            ),
            words(
                "hubungi petugas pusat: salah satu pihak mungkin dipulihkan dari cadangan",
                "call the centre's operator: one side may have been restored from a backup",
            ),
        ),
        _ => (
            words(
                "pusat menolak permintaan kantor",
                "the centre refuses the office's requests",
            ),
            words(
                "lihat pesan kesalahan di bawah dan hubungi petugas pusat",
                "read the error below and call the centre's operator",
            ),
        ),
    }
}

/// The link as the operator should see it.
pub fn link_view(f: &LinkFacts) -> LinkView {
    let ago = |t: i64| age(f.now - t);
    let (state, headline, action) = match (&f.fault, f.failures, f.last_ok) {
        (Some(kind), failures, _) if failures > 0 => {
            let (what, todo) = fault_words(kind);
            let since = f.down_since.map(ago);
            let headline = match since {
                Some(a) => words(
                    format!("terhenti {}: {}", a.id, what.id),
                    format!("stopped for {}: {}", a.en, what.en),
                ),
                None => what,
            };
            ("fault", headline, Some(todo))
        }
        (None, failures, _) if failures > 0 => {
            let a = f.down_since.map(ago).unwrap_or_else(|| age(0));
            (
                "down",
                words(format!("terputus {}", a.id), format!("down for {}", a.en)),
                Some(words(
                    "periksa kabel dan jaringan ke pusat; kantor tetap bekerja, dan yang tertunda terkirim sendiri begitu tersambung",
                    "check the cable and the network to the centre; the office keeps working, and what waits is sent by itself once the link is back",
                )),
            )
        }
        (_, _, Some(ok)) => {
            let a = ago(ok);
            (
                "up",
                words(
                    format!("tersambung, sinkronisasi terakhir {} lalu", a.id),
                    format!("up, last sync {} ago", a.en),
                ),
                None,
            )
        }
        _ => (
            "never",
            words(
                "belum pernah bersinkronisasi dengan pusat",
                "never synced with the centre",
            ),
            None,
        ),
    };
    let oldest_unsent = match (f.outbox_depth, f.oldest_unsent) {
        (n, Some(t)) if n > 0 => {
            let a = ago(t);
            Some(words(
                format!("kejadian tertua yang belum terkirim: {} lalu", a.id),
                format!("oldest unsent event: {} ago", a.en),
            ))
        }
        _ => None,
    };
    let mut warnings = Vec::new();
    if f.parked.0 + f.parked.1 > 0 {
        warnings.push(words(
            format!(
                "disisihkan: {} kejadian yang tidak dapat disimpan pusat, {} data yang tidak dapat dikirim pusat (alasan: `cetak status`)",
                f.parked.0, f.parked.1
            ),
            format!(
                "parked: {} events the centre cannot store, {} records the centre cannot send (reasons: `cetak status`)",
                f.parked.0, f.parked.1
            ),
        ));
    }
    if f.forks > 0 {
        warnings.push(words(
            format!(
                "pusat menemukan {} kejadian dengan isi berbeda pada posisi yang sama: basis data kantor ini pernah dipulihkan dari cadangan; beri tahu petugas pusat",
                f.forks
            ),
            format!(
                "the centre found {} events with other content at the same positions: this office's database was restored from a backup; tell the centre's operator",
                f.forks
            ),
        ));
    }
    LinkView {
        state,
        headline,
        action,
        oldest_unsent,
        waiting_at_centre: f.waiting_at_centre,
        outbox_depth: f.outbox_depth,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_like_people_say_them() {
        assert_eq!(age(2 * 86_400 + 3 * 3_600 + 59).id, "2 hari 3 jam");
        assert_eq!(age(2 * 86_400 + 3 * 3_600 + 59).en, "2 days 3 hours");
        assert_eq!(age(86_400 + 59).en, "1 day");
        assert_eq!(age(3_600 + 60).en, "1 hour 1 minute");
        assert_eq!(age(45).id, "45 detik");
        assert_eq!(age(0).en, "0 seconds");
        assert_eq!(age(-5).en, "0 seconds");
    }

    #[test]
    fn a_cut_cable_a_revoked_token_and_a_healthy_link_say_different_things() {
        let now = 1_000_000;
        let down = LinkFacts {
            now,
            last_ok: Some(now - 200_000),
            down_since: Some(now - (2 * 86_400 + 3 * 3_600)),
            failures: 40,
            ..Default::default()
        };
        let v = link_view(&down);
        assert_eq!(
            (v.state, v.headline.id.as_str()),
            ("down", "terputus 2 hari 3 jam")
        );
        let revoked = LinkFacts {
            fault: Some("token".into()),
            ..down.clone()
        };
        let v = link_view(&revoked);
        assert_eq!(v.state, "fault");
        assert!(v.headline.en.contains("token"), "{v:?}");
        assert!(v.action.expect("action").en.contains("token rotate"));
        let kinds: std::collections::BTreeSet<String> = ["token", "version", "history", "refused"]
            .iter()
            .map(|k| fault_words(k).0.en)
            .collect();
        assert_eq!(kinds.len(), 4, "a distinct message per fault");
        let up = LinkFacts {
            now,
            last_ok: Some(now - 300),
            outbox_depth: 3,
            oldest_unsent: Some(now - 3 * 3_600),
            waiting_at_centre: Some(12),
            ..Default::default()
        };
        let v = link_view(&up);
        assert_eq!(v.headline.en, "up, last sync 5 minutes ago");
        assert_eq!(
            v.oldest_unsent.expect("oldest").id,
            "kejadian tertua yang belum terkirim: 3 jam lalu"
        );
        assert_eq!(link_view(&LinkFacts::default()).state, "never");
    }
}
