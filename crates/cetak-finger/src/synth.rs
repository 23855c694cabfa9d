//! Seeded synthetic impressions.
//!
//! Why: the registry's deduplication (issue 18) needs fingerprints for millions of synthetic
//! residents, with repeat captures of the same finger that look like real repeat captures
//! (moved, turned, stretched, some minutiae lost or invented, some captures poor) and fingers of
//! different people, twins included, that share nothing. Real prints cannot be used; this is a
//! cheap, deterministic stand-in that yields valid ISO/IEC 19794-2:2005 records.
//!
//! Model: a *master finger* per (person, finger) is drawn once from a seed: a ridge orientation
//! field (arch, tented arch, left or right loop, whorl, from a zero-pole model of cores and
//! deltas), and 30–60 minutiae spread with a minimum spacing over an elliptical print area of a
//! 256×360 pixel, 197 pixels/cm (500 dpi) image, their directions following the field. Each
//! recording is a new capture of the master: a global rotation (±20°) and displacement (±40 px),
//! a smooth plastic distortion, per-minutia jitter, lost and spurious minutiae, occasional type
//! flips and a quality tier ([`Quality`]) that scales the damage and sets the quality bytes.
//! Minutiae that fall outside the image are dropped.

use std::f32::consts::{PI, TAU};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::template::{Format, Minutia, MinutiaKind, Template, View};

/// Image width in pixels.
pub const WIDTH: u16 = 256;
/// Image height in pixels.
pub const HEIGHT: u16 = 360;
/// Resolution in pixels per centimetre (about 500 dpi).
pub const RESOLUTION: u16 = 197;

const CX: f32 = WIDTH as f32 / 2.0;
const CY: f32 = HEIGHT as f32 / 2.0 + 5.0;

/// The kind of ridge pattern a master finger has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    Arch,
    TentedArch,
    LeftLoop,
    RightLoop,
    Whorl,
}

/// How good a capture is: more loss, noise and lower quality bytes going down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quality {
    Good,
    Fair,
    Poor,
}

struct TierParams {
    /// Fraction of the master's minutiae lost: drawn in this range per capture.
    missing: (f32, f32),
    /// Spurious minutiae as a fraction of the master's count.
    spurious: (f32, f32),
    /// Position jitter, ± pixels.
    jitter_px: f32,
    /// Angle jitter, ± degrees.
    jitter_deg: f32,
    /// Chance an ending reads as a bifurcation or the other way round.
    flip: f32,
    /// Largest plastic distortion, pixels.
    distortion_px: f32,
    minutia_quality: (u8, u8),
    view_quality: (u8, u8),
}

impl Quality {
    /// The tier a recording gets: about 60 % good, 28 % fair, 12 % poor.
    pub fn of_recording(person: u64, finger: u8, recording: u64) -> Quality {
        let roll = mix(&[person, u64::from(finger), recording, 0x7131]) % 100;
        match roll {
            0..60 => Quality::Good,
            60..88 => Quality::Fair,
            _ => Quality::Poor,
        }
    }

    fn params(self) -> TierParams {
        match self {
            Quality::Good => TierParams {
                missing: (0.10, 0.17),
                spurious: (0.0, 0.05),
                jitter_px: 1.5,
                jitter_deg: 4.0,
                flip: 0.03,
                distortion_px: 3.0,
                minutia_quality: (60, 100),
                view_quality: (70, 100),
            },
            Quality::Fair => TierParams {
                missing: (0.15, 0.23),
                spurious: (0.03, 0.10),
                jitter_px: 2.25,
                jitter_deg: 6.0,
                flip: 0.06,
                distortion_px: 4.5,
                minutia_quality: (35, 80),
                view_quality: (45, 75),
            },
            Quality::Poor => TierParams {
                missing: (0.22, 0.30),
                spurious: (0.08, 0.15),
                jitter_px: 3.0,
                jitter_deg: 8.0,
                flip: 0.12,
                distortion_px: 6.0,
                minutia_quality: (10, 50),
                view_quality: (15, 45),
            },
        }
    }
}

/// A master minutia: position in pixels, direction in radians counter-clockwise from the x
/// axis (y pointing up, as in the record).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MasterMinutia {
    pub kind: MinutiaKind,
    pub x: f32,
    pub y: f32,
    pub theta: f32,
}

/// The finger every impression of (person, finger) is a capture of.
#[derive(Debug, Clone, PartialEq)]
pub struct MasterFinger {
    pub pattern: Pattern,
    pub minutiae: Vec<MasterMinutia>,
    /// Print area: centre and semi-axes, pixels.
    pub area: (f32, f32, f32, f32),
}

/// SplitMix64 over the words: well-spread seeds from small integers.
fn mix(words: &[u64]) -> u64 {
    let mut h: u64 = 0x243F_6A88_85A3_08D3;
    for &w in words {
        h = h.wrapping_add(w).wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = h;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        h = z ^ (z >> 31);
    }
    h
}

/// A zero-pole orientation field: singular points with +½ (delta) or −½ (core) winding.
struct Field {
    cores: [(f32, f32); 2],
    deltas: [(f32, f32); 2],
    n_cores: usize,
    n_deltas: usize,
    base: f32,
    /// Arch only: hump height and width.
    arch: Option<(f32, f32)>,
}

impl Field {
    fn draw(pattern: Pattern, rng: &mut ChaCha8Rng) -> Field {
        let mut j = |s: f32| rng.random_range(-s..=s);
        let mut f = Field {
            cores: [(0.0, 0.0); 2],
            deltas: [(0.0, 0.0); 2],
            n_cores: 0,
            n_deltas: 0,
            base: 0.0,
            arch: None,
        };
        // Offsets from the print centre, math orientation (y up).
        match pattern {
            Pattern::Arch => {
                f.arch = Some((25.0 + j(12.0) + 12.0, 60.0 + j(20.0)));
            }
            Pattern::TentedArch => {
                f.cores[0] = (j(15.0), 20.0 + j(15.0));
                f.deltas[0] = (j(10.0), -35.0 + j(10.0));
                (f.n_cores, f.n_deltas) = (1, 1);
            }
            Pattern::LeftLoop | Pattern::RightLoop => {
                let side = if pattern == Pattern::LeftLoop {
                    1.0
                } else {
                    -1.0
                };
                f.cores[0] = (j(20.0), 25.0 + j(20.0));
                f.deltas[0] = (side * (55.0 + j(15.0)), -55.0 + j(15.0));
                (f.n_cores, f.n_deltas) = (1, 1);
            }
            Pattern::Whorl => {
                let (x, y) = (j(15.0), 15.0 + j(20.0));
                let d = 12.0 + j(8.0) + 8.0;
                let t = j(PI);
                f.cores[0] = (x + d * t.cos(), y + d * t.sin());
                f.cores[1] = (x - d * t.cos(), y - d * t.sin());
                f.deltas[0] = (-65.0 + j(15.0), -60.0 + j(15.0));
                f.deltas[1] = (65.0 + j(15.0), -60.0 + j(15.0));
                (f.n_cores, f.n_deltas) = (2, 2);
            }
        }
        f.base = j(0.15);
        f
    }

    /// Ridge orientation (mod π) at an offset (u, v) from the print centre, y up.
    fn orientation(&self, u: f32, v: f32) -> f32 {
        if let Some((h, s)) = self.arch {
            // Ridges y = k·h·exp(−u²/s²), k growing towards the middle of the print.
            let k = (1.0 - (v / 180.0).abs()).clamp(0.0, 1.0);
            let e = (-(u * u) / (s * s)).exp();
            return self.base + (-2.0 * k * h * u / (s * s) * e).atan();
        }
        let mut t = self.base;
        for &(dx, dy) in &self.deltas[..self.n_deltas] {
            t += 0.5 * (v - dy).atan2(u - dx);
        }
        for &(cx, cy) in &self.cores[..self.n_cores] {
            t -= 0.5 * (v - cy).atan2(u - cx);
        }
        t
    }
}

fn pattern_of(rng: &mut ChaCha8Rng) -> Pattern {
    match rng.random_range(0..100) {
        0..8 => Pattern::Arch,
        8..13 => Pattern::TentedArch,
        13..47 => Pattern::LeftLoop,
        47..75 => Pattern::RightLoop,
        _ => Pattern::Whorl,
    }
}

/// The master finger of (person, finger): same inputs, same finger; any other person (twins
/// included) draws an unrelated one.
pub fn master(person: u64, finger: u8) -> MasterFinger {
    let mut rng = ChaCha8Rng::seed_from_u64(mix(&[person, u64::from(finger), 0x4d41_5354]));
    let pattern = pattern_of(&mut rng);
    let field = Field::draw(pattern, &mut rng);
    let (ax, ay) = (
        rng.random_range(86.0..100.0f32),
        rng.random_range(125.0..145.0f32),
    );
    let (cx, cy) = (
        CX + rng.random_range(-6.0..6.0f32),
        CY + rng.random_range(-6.0..6.0f32),
    );
    let n = rng.random_range(30..=60usize);
    let min_d2 = 14.0f32 * 14.0;
    let mut minutiae: Vec<MasterMinutia> = Vec::with_capacity(n);
    let mut tries = 0;
    while minutiae.len() < n && tries < 4000 {
        tries += 1;
        let (u, v) = (
            rng.random_range(-1.0..1.0f32),
            rng.random_range(-1.0..1.0f32),
        );
        if u * u + v * v > 1.0 {
            continue;
        }
        let (x, y) = (cx + u * ax, cy + v * ay);
        if minutiae
            .iter()
            .any(|m| (m.x - x) * (m.x - x) + (m.y - y) * (m.y - y) < min_d2)
        {
            continue;
        }
        // Direction along the ridge, either way, a little off the field.
        let ridge = field.orientation(x - cx, cy - y);
        let flip = if rng.random_bool(0.5) { PI } else { 0.0 };
        let theta = (ridge + flip + rng.random_range(-0.08..0.08f32)).rem_euclid(TAU);
        let kind = match rng.random_range(0..100) {
            0..55 => MinutiaKind::Ending,
            55..95 => MinutiaKind::Bifurcation,
            _ => MinutiaKind::Other,
        };
        minutiae.push(MasterMinutia { kind, x, y, theta });
    }
    MasterFinger {
        pattern,
        minutiae,
        area: (cx, cy, ax, ay),
    }
}

/// One impression (an ISO/IEC 19794-2:2005 record) of `finger` of `person`: the same person's
/// impressions share a master finger, each `recording` a new capture of it; different persons
/// (twins included) have different fingers. The quality tier comes from the recording
/// ([`Quality::of_recording`]).
pub fn impression(person: u64, finger: u8, recording: u64) -> Vec<u8> {
    impression_template(person, finger, recording).to_iso_bytes()
}

/// [`impression`] with the quality tier chosen by the caller.
pub fn impression_with(person: u64, finger: u8, recording: u64, quality: Quality) -> Vec<u8> {
    capture(&master(person, finger), person, finger, recording, quality).to_iso_bytes()
}

/// [`impression`] as a [`Template`] (before writing).
pub fn impression_template(person: u64, finger: u8, recording: u64) -> Template {
    let quality = Quality::of_recording(person, finger, recording);
    capture(&master(person, finger), person, finger, recording, quality)
}

/// Triangular on ±`s`: most captures near the middle, a few at the edges.
fn tri(rng: &mut ChaCha8Rng, s: f32) -> f32 {
    (rng.random_range(-s..=s) + rng.random_range(-s..=s)) / 2.0
}

fn byte_in(rng: &mut ChaCha8Rng, (lo, hi): (u8, u8)) -> u8 {
    rng.random_range(lo..=hi)
}

/// A capture of `m`. Finger positions over 10 are written as 0 (unknown); the view number is
/// the recording modulo 16, the impression type 0 (live-scan plain).
pub fn capture(
    m: &MasterFinger,
    person: u64,
    finger: u8,
    recording: u64,
    quality: Quality,
) -> Template {
    let p = quality.params();
    let mut rng =
        ChaCha8Rng::seed_from_u64(mix(&[person, u64::from(finger), recording, 0x494d_5052]));
    let rot = rng.random_range(-20.0..=20.0f32).to_radians();
    let (tx, ty) = (tri(&mut rng, 40.0), tri(&mut rng, 40.0));
    let (s, c) = rot.sin_cos();
    // Plastic distortion: two smooth waves of displacement.
    let mut waves = [(0.0f32, 0.0f32, 0.0f32, 0.0f32, 0.0f32); 2];
    for w in &mut waves {
        let dir = rng.random_range(0.0..TAU);
        let len = rng.random_range(180.0..420.0f32);
        let amp = rng.random_range(0.3..1.0f32) * p.distortion_px / 2.0;
        let (ks, kc) = dir.sin_cos();
        *w = (
            kc * TAU / len,
            ks * TAU / len,
            rng.random_range(0.0..TAU),
            amp,
            dir,
        );
    }
    let missing = rng.random_range(p.missing.0..=p.missing.1);
    let jitter_rad = p.jitter_deg.to_radians();
    let (w, h) = (f32::from(WIDTH), f32::from(HEIGHT));
    let mut out: Vec<Minutia> = Vec::with_capacity(m.minutiae.len() + 10);
    let mut place = |rng: &mut ChaCha8Rng, x: f32, y: f32, theta: f32, kind: MinutiaKind| {
        // Distort in the finger's own frame, then turn about the image centre and move.
        let (mut x, mut y) = (x, y);
        for &(kx, ky, phase, amp, dir) in &waves {
            let d = amp * (kx * x + ky * y + phase).sin();
            let (ds, dc) = (dir + PI / 2.0).sin_cos();
            x += d * dc;
            y += d * ds;
        }
        let (dx, dy) = (x - CX, y - CY);
        let nx = CX + c * dx + s * dy + tx + rng.random_range(-p.jitter_px..=p.jitter_px);
        let ny = CY - s * dx + c * dy + ty + rng.random_range(-p.jitter_px..=p.jitter_px);
        let theta = theta + rot + rng.random_range(-jitter_rad..=jitter_rad);
        let q = byte_in(rng, p.minutia_quality);
        let (rx, ry) = (nx.round(), ny.round());
        if !(0.0..w).contains(&rx) || !(0.0..h).contains(&ry) {
            return;
        }
        let angle = (theta.rem_euclid(TAU) / TAU * 256.0).round() as u32 % 256;
        out.push(Minutia {
            kind,
            x: rx as u16,
            y: ry as u16,
            angle: u8::try_from(angle).unwrap_or(0),
            quality: q,
        });
    };
    for mm in &m.minutiae {
        if rng.random::<f32>() < missing {
            continue;
        }
        let kind = if rng.random::<f32>() < p.flip {
            match mm.kind {
                MinutiaKind::Ending => MinutiaKind::Bifurcation,
                MinutiaKind::Bifurcation => MinutiaKind::Ending,
                MinutiaKind::Other => MinutiaKind::Other,
            }
        } else {
            mm.kind
        };
        place(&mut rng, mm.x, mm.y, mm.theta, kind);
    }
    let spurious_frac = rng.random_range(p.spurious.0..=p.spurious.1);
    let n_spurious = (spurious_frac * m.minutiae.len() as f32).round() as usize;
    let (acx, acy, ax, ay) = m.area;
    for _ in 0..n_spurious {
        let (u, v) = loop {
            let (u, v) = (
                rng.random_range(-1.0..1.0f32),
                rng.random_range(-1.0..1.0f32),
            );
            if u * u + v * v <= 1.0 {
                break (u, v);
            }
        };
        let kind = if rng.random_bool(0.5) {
            MinutiaKind::Ending
        } else {
            MinutiaKind::Bifurcation
        };
        let theta = rng.random_range(0.0..TAU);
        place(&mut rng, acx + u * ax, acy + v * ay, theta, kind);
    }
    out.sort_unstable_by_key(|m| (m.y, m.x));
    out.truncate(255);
    Template {
        format: Format::Iso2005,
        product: 0,
        equipment: 0,
        width: WIDTH,
        height: HEIGHT,
        res_x: RESOLUTION,
        res_y: RESOLUTION,
        views: vec![View {
            finger: if finger <= 10 { finger } else { 0 },
            view_number: u8::try_from(recording % 16).unwrap_or(0),
            impression: 0,
            quality: byte_in(&mut rng, p.view_quality),
            minutiae: out,
            extensions: Vec::new(),
        }],
    }
}
