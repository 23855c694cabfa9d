//! Issue 18, item 4: prints fused with the demographic evidence. Twins with different prints
//! stay apart even when every demographic field agrees; a resident who moved and was recorded
//! again (new NIK, older spelling, new address) is linked on matching prints; a pair without
//! prints is decided exactly as without the prints module.

mod common;

use cetak_dedup::finger::Prints;
use cetak_dedup::{Config, Outcome, Recording, run, run_with_prints};

/// Both index fingers of `person`, captured at `recording`.
fn prints(person: u64, recording: u64) -> Prints {
    let a = cetak_finger::synth::impression(person, 2, recording);
    let b = cetak_finger::synth::impression(person, 7, recording);
    let (p, errors) = Prints::parse(Some(&a), Some(&b));
    assert!(errors.is_empty(), "{errors:?}");
    p
}

/// A generated backlog (for the model to learn from), each recording with its person's prints.
fn backlog(rows: u64) -> (Vec<Recording>, Vec<Prints>) {
    let (recs, truth) = common::backlog(rows, 18);
    let prints = truth
        .iter()
        .enumerate()
        .map(|(i, person)| {
            let seed: u64 = person.bytes().fold(0xC0FFEE, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
            prints(seed, i as u64)
        })
        .collect();
    (recs, prints)
}

fn find(recs: &[Recording], id: &str) -> u32 {
    recs.iter().position(|r| r.id == id).expect("recording") as u32
}

fn linked(outcomes: &[Outcome], a: u32, b: u32) -> bool {
    let person = |x: u32| match outcomes[x as usize] {
        Outcome::Duplicate { survivor } => survivor,
        _ => x,
    };
    person(a) == person(b)
}

fn twin(id: &str, nik: &str, nama: &str) -> Recording {
    Recording {
        id: id.into(),
        nik: nik.into(),
        nama: nama.into(),
        tanggal_lahir: "2001-04-17".into(),
        female: false,
        tempat_lahir: "PALEMBANG".into(),
        nama_ibu: "SUMIATI".into(),
        alamat: "JL. MERDEKA NO. 12".into(),
        kelurahan: "1671011001".into(),
        recorded_at: format!("2024-01-02T10:00:{}Z", &id[id.len() - 2..]),
        has_card: false,
        needs_correction: false,
    }
}

#[test]
fn twins_with_different_prints_are_never_linked_even_with_identical_demographics() {
    let (mut recs, mut ps) = backlog(300);
    // Identical demographics but the NIK serial: on demographics alone this pair would be
    // linked or sent to review; the prints say two people.
    recs.push(twin("TWIN-A-01", "1671011704010001", "MUHAMMAD RIZKI"));
    recs.push(twin("TWIN-B-02", "1671011704010002", "MUHAMMAD RIZKI"));
    // Even on one NIK (a typo made it equal).
    recs.push(twin("TWIN-C-03", "1671011704010003", "AHMAD FAJAR"));
    recs.push(twin("TWIN-D-04", "1671011704010003", "AHMAD FAJAR"));
    ps.extend([
        prints(900_001, 0),
        prints(900_002, 0),
        prints(900_003, 0),
        prints(900_004, 0),
    ]);
    let without = run(&recs, &[], &Config::default());
    let with = run_with_prints(&recs, &ps, &[], &Config::default());
    for (x, y) in [("TWIN-A-01", "TWIN-B-02"), ("TWIN-C-03", "TWIN-D-04")] {
        let (a, b) = (find(&recs, x), find(&recs, y));
        assert!(
            linked(&without.outcomes, a, b)
                || without
                    .review
                    .iter()
                    .any(|p| (p.a, p.b) == (a.min(b), a.max(b))),
            "{x}/{y}: demographics alone call them one person or ask"
        );
        assert!(
            !linked(&with.outcomes, a, b),
            "{x}/{y} linked despite prints"
        );
        assert!(
            !with
                .review
                .iter()
                .any(|p| (p.a, p.b) == (a.min(b), a.max(b))),
            "{x}/{y}: the prints settle it, no supervisor needed"
        );
        assert_eq!(with.outcomes[a as usize], Outcome::Unique);
    }
    assert!(with.prints.vetoed >= 2, "{:?}", with.prints);
}

#[test]
fn a_moved_resident_with_new_nik_spelling_and_address_is_linked_on_matching_prints() {
    let (mut recs, mut ps) = backlog(300);
    let first = Recording {
        id: "OLD-0000000001".into(),
        nik: "1671016512870003".into(),
        nama: "SITI NURJANAH".into(),
        tanggal_lahir: "1987-12-25".into(),
        female: true,
        tempat_lahir: "LAHAT".into(),
        nama_ibu: "MARYAM".into(),
        alamat: "JL. SUDIRMAN NO. 4".into(),
        kelurahan: "1671011001".into(),
        recorded_at: "2015-03-01T09:00:00Z".into(),
        has_card: false,
        needs_correction: false,
    };
    // Moved in from another regency: new NIK (other region, other serial), the old spelling
    // of the name, another address and kelurahan, a mother's name written differently.
    let moved = Recording {
        id: "NEW-0000000002".into(),
        nik: "1607026512870011".into(),
        nama: "SITI NOERDJANAH".into(),
        alamat: "JL. KOLONEL ATMO GG. MAWAR 17".into(),
        kelurahan: "1671071004".into(),
        nama_ibu: "MARIAM".into(),
        recorded_at: "2024-06-11T10:00:00Z".into(),
        ..first.clone()
    };
    // A stranger with the same changes has other prints.
    let stranger = Recording {
        id: "NEW-0000000003".into(),
        nik: "1607026512870012".into(),
        ..moved.clone()
    };
    recs.extend([first, moved, stranger]);
    ps.extend([prints(700_001, 0), prints(700_001, 1), prints(700_002, 0)]);
    let with = run_with_prints(&recs, &ps, &[], &Config::default());
    let (old, new, other) = (
        find(&recs, "OLD-0000000001"),
        find(&recs, "NEW-0000000002"),
        find(&recs, "NEW-0000000003"),
    );
    assert!(linked(&with.outcomes, old, new), "{:?}", with.prints);
    assert!(!linked(&with.outcomes, old, other));
    assert!(!linked(&with.outcomes, new, other));
    let link = with
        .links
        .iter()
        .find(|p| (p.a, p.b) == (old.min(new), old.max(new)))
        .expect("the pair is a link");
    assert_eq!(link.evidence.finger_level(), Some("strong_match"));
    let words: Vec<_> = link.evidence.fields().iter().map(|f| f.field).collect();
    assert_eq!(words.last(), Some(&"sidik_jari"));
}

#[test]
fn a_recording_no_demographic_key_meets_is_found_by_prints_alone() {
    let (mut recs, mut ps) = backlog(200);
    let base = twin("ALONE-A-01", "1671011704010001", "BAMBANG SUSILO");
    // Every blocking key differs: name, birth date, mother, NIK, address.
    let other = Recording {
        id: "ALONE-B-02".into(),
        alamat: "PERUMAHAN GRIYA ASRI BLOK C2".into(),
        kelurahan: "1671071004".into(),
        nik: "3174055909760002".into(),
        nama: "YOHANES PRASETYO".into(),
        tanggal_lahir: "1976-09-19".into(),
        nama_ibu: "THERESIA".into(),
        ..base.clone()
    };
    recs.extend([base, other]);
    ps.extend([prints(800_001, 0), prints(800_001, 1)]);
    let with = run_with_prints(&recs, &ps, &[], &Config::default());
    let (a, b) = (find(&recs, "ALONE-A-01"), find(&recs, "ALONE-B-02"));
    assert!(with.prints.searched_alone >= 2, "{:?}", with.prints);
    assert!(with.prints.found_alone >= 1, "{:?}", with.prints);
    assert!(linked(&with.outcomes, a, b), "{:?}", with.prints);
}

#[test]
fn pairs_without_prints_are_decided_exactly_as_before() {
    let (recs, ps) = backlog(400);
    let before = run(&recs, &[], &Config::default());
    // No prints at all: the same result, field for field.
    let none: Vec<Prints> = recs.iter().map(|_| Prints::none()).collect();
    let empty = run_with_prints(&recs, &none, &[], &Config::default());
    assert_eq!(before.outcomes, empty.outcomes);
    assert_eq!(before.links.len(), empty.links.len());
    for (x, y) in before.links.iter().zip(&empty.links) {
        assert_eq!((x.a, x.b, x.probability), (y.a, y.b, y.probability));
        assert_eq!(x.evidence, y.evidence);
    }
    assert!(empty.finger_model.is_none());
    // Prints on half of the recordings: pairs where either side has none keep their
    // probability and evidence.
    let half: Vec<Prints> = ps
        .into_iter()
        .enumerate()
        .map(|(i, p)| if i % 2 == 0 { p } else { Prints::none() })
        .collect();
    let with = run_with_prints(
        &recs,
        &half,
        &[],
        &Config {
            print_search_top: 0,
            ..Config::default()
        },
    );
    let key = |p: &cetak_dedup::ScoredPair| (p.a, p.b);
    let old: std::collections::HashMap<_, _> = before
        .links
        .iter()
        .chain(&before.review)
        .map(|p| (key(p), p))
        .collect();
    let mut compared = 0;
    for p in with.links.iter().chain(&with.review) {
        if p.a % 2 == 0 && p.b % 2 == 0 {
            continue;
        }
        assert_eq!(p.evidence.finger_level(), None);
        if let Some(o) = old.get(&key(p)) {
            assert_eq!(o.probability, p.probability);
            assert_eq!(o.evidence, p.evidence);
            compared += 1;
        }
    }
    assert!(compared > 10, "{compared}");
}
