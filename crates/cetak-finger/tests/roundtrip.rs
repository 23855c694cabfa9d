//! Round trips (proptest) and a seeded mutation run standing in for the fuzz target.

use std::time::{Duration, Instant};

use cetak_finger::template::{Format, Minutia, MinutiaKind, Template, View, ansi_to_angle, parse};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn kind() -> impl Strategy<Value = MinutiaKind> {
    prop_oneof![
        Just(MinutiaKind::Other),
        Just(MinutiaKind::Ending),
        Just(MinutiaKind::Bifurcation),
    ]
}

/// Well-formed extended data: blocks with a non-zero type and a length counting the header.
fn extensions() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec((1u16.., prop::collection::vec(any::<u8>(), 0..12)), 0..3).prop_map(
        |blocks| {
            let mut out = Vec::new();
            for (ty, data) in blocks {
                out.extend_from_slice(&ty.to_be_bytes());
                let len = u16::try_from(data.len() + 4).expect("small");
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(&data);
            }
            out
        },
    )
}

fn template(format: Format) -> impl Strategy<Value = Template> {
    let dims = (
        1u16..=0x3FFF,
        1u16..=0x3FFF,
        1u16..,
        1u16..,
        any::<u16>(),
        any::<u32>(),
    );
    dims.prop_flat_map(move |(width, height, res_x, res_y, equipment, product)| {
        let minutia = (kind(), 0..width, 0..height, any::<u8>(), 0u8..=100).prop_map(
            move |(kind, x, y, angle, quality)| Minutia {
                kind,
                x,
                y,
                // ANSI stores 2-degree steps: only angles that came from one round-trip.
                angle: match format {
                    Format::Iso2005 => angle,
                    Format::Ansi2004 => ansi_to_angle(angle % 180),
                },
                quality,
            },
        );
        let view = (
            0u8..=10,
            0u8..16,
            prop::sample::select(vec![0u8, 1, 2, 3, 8, 9]),
            0u8..=100,
            prop::collection::vec(minutia, 0..40),
            extensions(),
        )
            .prop_map(
                |(finger, view_number, impression, quality, minutiae, extensions)| View {
                    finger,
                    view_number,
                    impression,
                    quality,
                    minutiae,
                    extensions,
                },
            );
        prop::collection::vec(view, 0..5).prop_map(move |views| Template {
            format,
            product: if format == Format::Ansi2004 {
                product
            } else {
                0
            },
            equipment,
            width,
            height,
            res_x,
            res_y,
            views,
        })
    })
}

proptest! {
    #[test]
    fn iso_round_trip(t in template(Format::Iso2005)) {
        let bytes = t.to_iso_bytes();
        prop_assert_eq!(parse(&bytes), Ok(t.clone()));
        // Zero padding does not change the reading.
        let mut padded = bytes.clone();
        padded.extend_from_slice(&[0; 9]);
        prop_assert_eq!(parse(&padded), Ok(t));
    }

    #[test]
    fn ansi_round_trip(t in template(Format::Ansi2004)) {
        let bytes = t.to_ansi_bytes();
        prop_assert_eq!(parse(&bytes), Ok(t.clone()));
        prop_assert_eq!(t.to_bytes(), bytes);
    }

    #[test]
    fn arbitrary_bytes_after_the_header_never_panic(tail in prop::collection::vec(any::<u8>(), 0..300)) {
        let mut b = b"FMR\0 20\0".to_vec();
        b.extend_from_slice(&tail);
        if let Ok(t) = parse(&b) {
            prop_assert_eq!(parse(&t.to_bytes()), Ok(t));
        }
    }
}

fn fixtures() -> Vec<Vec<u8>> {
    ["fio_sample.dat", "iso-probe.dat", "iso-nonmatching.dat"]
        .iter()
        .map(|n| {
            std::fs::read(format!("{}/tests/data/{n}", env!("CARGO_MANIFEST_DIR")))
                .expect("fixture is readable")
        })
        .collect()
}

fn mutate(rng: &mut ChaCha8Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut b = seeds[rng.random_range(0..seeds.len())].clone();
    for _ in 0..rng.random_range(1..=4) {
        match rng.random_range(0..7) {
            0 | 1 => {
                if !b.is_empty() {
                    let i = rng.random_range(0..b.len());
                    b[i] ^= 1 << rng.random_range(0..8);
                }
            }
            2 => {
                if !b.is_empty() {
                    let i = rng.random_range(0..b.len());
                    b[i] = rng.random();
                }
            }
            3 => {
                let cut = rng.random_range(0..=b.len());
                b.truncate(cut);
            }
            4 => {
                let at = rng.random_range(0..=b.len());
                let n = rng.random_range(1..8);
                let ins: Vec<u8> = (0..n).map(|_| rng.random()).collect();
                b.splice(at..at, ins);
            }
            5 => {
                if !b.is_empty() {
                    let at = rng.random_range(0..b.len());
                    let n = rng.random_range(1..8).min(b.len() - at);
                    b.drain(at..at + n);
                }
            }
            _ => {
                // Keep the structure coherent enough to get deep: fix the ISO length.
                if b.len() >= 12 {
                    let len = u32::try_from(b.len()).expect("small").to_be_bytes();
                    b[8..12].copy_from_slice(&len);
                }
            }
        }
    }
    b
}

#[test]
fn mutated_fixtures_never_panic() {
    let mut seeds = fixtures();
    // ANSI forms too, and a three-view record.
    for f in fixtures() {
        let t = parse(&f).expect("fixture parses");
        seeds.push(t.to_ansi_bytes());
        let mut three = t.clone();
        three.views = [t.views.clone(), t.views.clone(), t.views].concat();
        three.views.truncate(3);
        seeds.push(three.to_iso_bytes());
    }
    let mut rng = ChaCha8Rng::seed_from_u64(0x19794);
    let start = Instant::now();
    let (mut total, mut parsed) = (0usize, 0usize);
    while total < 200_000 && start.elapsed() < Duration::from_secs(20) {
        let b = mutate(&mut rng, &seeds);
        total += 1;
        if let Ok(t) = parse(&b) {
            parsed += 1;
            let again = t.to_bytes();
            assert_eq!(parse(&again), Ok(t), "input {b:02x?}");
        }
    }
    println!(
        "{total} mutated inputs in {:?}, {parsed} parsed",
        start.elapsed()
    );
    assert!(total >= 20_000, "only {total} inputs ran");
    assert!(
        parsed > 0,
        "no mutation parsed: the run never got past the header"
    );
}
