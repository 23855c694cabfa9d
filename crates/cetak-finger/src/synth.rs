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
//! deltas), and 40–70 minutiae spread with a minimum spacing of 12 px over an elliptical print
//! area of a 256×360 pixel, 197 pixels/cm (500 dpi) image, their directions following the
//! field. Each recording is a new capture of the master ([`capture`]), made hard enough that
//! NBIS BOZORTH3 lands near its published figures on such data (about 7 % EER):
//!
//! - **Partial contact**: only the minutiae inside a contact ellipse (55–100 % of the print's
//!   semi-axes, its centre off the print's by up to a quarter of them) are seen, and the faint
//!   rim of the contact loses minutiae more often.
//! - **Plastic distortion** (after Cappelli, Maio and Maltoni's model): no movement in the
//!   close-contact core, the outer skin turned (up to ±8°) and moved (up to 18 px), a smooth
//!   brake between; directions turn with the skin.
//! - **Extractor errors**: minutiae lost at a per-capture rate, far more in low-quality patches
//!   (dry, wet, scarred); spurious minutiae following the ridge flow, mostly in those patches,
//!   some as the two facing ends of a broken ridge; endings and bifurcations swapped (15–30 %);
//!   Gaussian position and angle noise.
//! - **On the sensor**: the whole print turned (±25°, triangular) and moved (±40 px); minutiae
//!   outside the image are dropped.
//!
//! A quality tier ([`Quality`]: good, fair, poor) scales every one of these and sets the quality
//! bytes (lower in patches and for spurious minutiae).

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
    /// Fraction of the master's minutiae in the contact lost: drawn in this range per capture.
    missing: (f32, f32),
    /// Spurious minutiae as a fraction of the master's minutiae in the contact.
    spurious: (f32, f32),
    /// Position noise, standard deviation in pixels.
    jitter_px: f32,
    /// Angle noise, standard deviation in degrees.
    jitter_deg: f32,
    /// Chance an ending reads as a bifurcation or the other way round.
    flip: f32,
    /// Largest displacement of the outer skin by the plastic distortion, pixels.
    distortion_px: f32,
    /// Largest turn of the outer skin, degrees.
    distortion_deg: f32,
    /// Contact ellipse as a share of the print area's semi-axes: drawn in this range.
    contact: (f32, f32),
    /// Largest offset of the contact's centre from the print's, as a share of the semi-axes.
    offset: f32,
    /// Number of low-quality patches: drawn in this range.
    patches: (usize, usize),
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
                missing: (0.05, 0.11),
                spurious: (0.08, 0.20),
                jitter_px: 1.7,
                jitter_deg: 4.25,
                flip: 0.15,
                distortion_px: 10.0,
                distortion_deg: 4.0,
                contact: (0.92, 1.00),
                offset: 0.15,
                patches: (0, 1),
                minutia_quality: (60, 100),
                view_quality: (70, 100),
            },
            Quality::Fair => TierParams {
                missing: (0.09, 0.17),
                spurious: (0.15, 0.32),
                jitter_px: 2.1,
                jitter_deg: 6.0,
                flip: 0.22,
                distortion_px: 14.0,
                distortion_deg: 6.0,
                contact: (0.78, 1.00),
                offset: 0.19,
                patches: (1, 2),
                minutia_quality: (35, 80),
                view_quality: (45, 75),
            },
            Quality::Poor => TierParams {
                missing: (0.15, 0.24),
                spurious: (0.28, 0.50),
                jitter_px: 2.55,
                jitter_deg: 7.65,
                flip: 0.30,
                distortion_px: 18.0,
                distortion_deg: 8.0,
                contact: (0.63, 0.92),
                offset: 0.24,
                patches: (2, 4),
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
    /// The ridge orientation field (spurious minutiae follow the ridges too).
    field: Field,
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
#[derive(Debug, Clone, PartialEq)]
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
    let n = rng.random_range(40..=70usize);
    let min_d2 = 12.0f32 * 12.0;
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
        field,
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

/// A standard normal draw (Box–Muller).
fn gauss(rng: &mut ChaCha8Rng) -> f32 {
    let u1: f32 = rng.random_range(f32::EPSILON..1.0);
    let u2: f32 = rng.random_range(0.0..TAU);
    (-2.0 * u1.ln()).sqrt() * u2.cos()
}

fn byte_in(rng: &mut ChaCha8Rng, (lo, hi): (u8, u8)) -> u8 {
    rng.random_range(lo..=hi)
}

/// Where a capture touched the sensor and how the skin moved there.
struct Contact {
    /// Centre of the contact ellipse (finger frame, image y down) and its semi-axes.
    cx: f32,
    cy: f32,
    ex: f32,
    ey: f32,
    /// Plastic distortion: the outer skin turned by `phi` about the centre and moved by
    /// (`dx`, `dy`), braked to nothing inside the close-contact core.
    phi: f32,
    dx: f32,
    dy: f32,
    /// Low-quality patches (dry, wet, smudged, scarred): centre and radius.
    patches: [(f32, f32, f32); 4],
    n_patches: usize,
}

/// Elliptical radius of (x, y) in the contact ellipse: 1 on its rim.
impl Contact {
    fn rho(&self, x: f32, y: f32) -> f32 {
        ((x - self.cx) / self.ex).hypot((y - self.cy) / self.ey)
    }

    /// The distorted position of finger point (x, y): the model of Cappelli, Maio and Maltoni
    /// (2001) in spirit — no movement in the close-contact core (ρ < [`CORE`]), the outer skin
    /// following a rigid motion, a smooth brake `1 − exp(−((ρ − CORE) / BRAKE)²)` between.
    fn distort(&self, x: f32, y: f32) -> (f32, f32) {
        let rho = self.rho(x, y);
        if rho <= CORE {
            return (x, y);
        }
        let b = 1.0 - (-((rho - CORE) / BRAKE).powi(2)).exp();
        let (s, c) = self.phi.sin_cos();
        let (ux, uy) = (x - self.cx, y - self.cy);
        let (rx, ry) = (c * ux - s * uy + self.dx, s * ux + c * uy + self.dy);
        (x + b * (rx - ux), y + b * (ry - uy))
    }

    /// Whether (x, y) lies in a low-quality patch.
    fn in_patch(&self, x: f32, y: f32) -> bool {
        self.patches[..self.n_patches]
            .iter()
            .any(|&(px, py, r)| (x - px).hypot(y - py) <= r)
    }
}

/// Close-contact core (elliptical radius) and brake width of the distortion model.
const CORE: f32 = 0.3;
const BRAKE: f32 = 0.45;

/// A capture of `m`. Finger positions over 10 are written as 0 (unknown); the view number is
/// the recording modulo 16, the impression type 0 (live-scan plain).
///
/// In order: the contact ellipse (size and offset from the print's centre: a partial capture
/// keeps only part of the finger), low-quality patches, the plastic distortion of the skin,
/// each master minutia lost (more often in a patch and near the rim of the contact) or
/// read with its type flipped, spurious minutiae (along the ridges, more in the patches, some
/// as the two facing ends of a broken ridge), then the whole print turned and moved on the
/// sensor, position and angle noise, and minutiae outside the image dropped.
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
    let rot = tri(&mut rng, 25.0).to_radians();
    let (tx, ty) = (tri(&mut rng, 40.0), tri(&mut rng, 40.0));
    let (s, c) = rot.sin_cos();
    let (acx, acy, ax, ay) = m.area;
    // Contact ellipse: smaller and further off-centre for worse captures.
    let scale = rng.random_range(p.contact.0..=p.contact.1);
    let (ex, ey) = (
        ax * scale * rng.random_range(0.9..1.1f32),
        ay * scale * rng.random_range(0.9..1.1f32),
    );
    let (ccx, ccy) = (
        acx + tri(&mut rng, p.offset * ax),
        acy + tri(&mut rng, p.offset * ay),
    );
    let mut contact = Contact {
        cx: ccx,
        cy: ccy,
        ex,
        ey,
        phi: 0.0,
        dx: 0.0,
        dy: 0.0,
        patches: [(0.0, 0.0, 0.0); 4],
        n_patches: 0,
    };
    // Distortion: the outer skin turned by up to ±`distortion_deg` and moved by up to
    // `distortion_px`, in a random direction.
    contact.phi = rng
        .random_range(-p.distortion_deg..=p.distortion_deg)
        .to_radians();
    let (dd, da) = (
        rng.random_range(0.3..=1.0f32) * p.distortion_px,
        rng.random_range(0.0..TAU),
    );
    contact.dx = dd * da.cos();
    contact.dy = dd * da.sin();
    contact.n_patches = rng.random_range(p.patches.0..=p.patches.1).min(4);
    for k in 0..contact.n_patches {
        let (u, v) = unit_disc(&mut rng);
        contact.patches[k] = (
            ccx + u * ex * 0.8,
            ccy + v * ey * 0.8,
            rng.random_range(18.0..42.0f32),
        );
    }
    let missing = rng.random_range(p.missing.0..=p.missing.1);
    let jitter_rad = p.jitter_deg.to_radians();
    let (w, h) = (f32::from(WIDTH), f32::from(HEIGHT));
    let mut out: Vec<Minutia> = Vec::with_capacity(m.minutiae.len() + 24);
    let place = |rng: &mut ChaCha8Rng,
                 out: &mut Vec<Minutia>,
                 (x, y, theta, kind): (f32, f32, f32, MinutiaKind),
                 q: (u8, u8)| {
        // Distort in the finger's own frame (the local rotation of the skin turns the
        // direction too), then turn about the image centre and move.
        let (x2, y2) = contact.distort(x, y);
        let local = {
            // The skin's local turn: the direction of a short step along the minutia, moved.
            let (ex, ey) = contact.distort(x + 2.0 * theta.cos(), y - 2.0 * theta.sin());
            (y2 - ey).atan2(ex - x2) - theta
        };
        let (dx, dy) = (x2 - CX, y2 - CY);
        let nx = CX + c * dx + s * dy + tx + gauss(rng) * p.jitter_px;
        let ny = CY - s * dx + c * dy + ty + gauss(rng) * p.jitter_px;
        let theta = theta + local + rot + gauss(rng) * jitter_rad;
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
            quality: byte_in(rng, q),
        });
    };
    let low_q = (p.minutia_quality.0 / 2, p.minutia_quality.1 / 2 + 10);
    let mut inside = 0usize;
    for mm in &m.minutiae {
        let rho = contact.rho(mm.x, mm.y);
        if rho > 1.0 {
            continue;
        }
        inside += 1;
        let patch = contact.in_patch(mm.x, mm.y);
        // Lost: the capture's rate, more in a patch and in the faint rim of the contact.
        let rim = ((rho - 0.8) / 0.2).clamp(0.0, 1.0) * 0.5;
        let lose = missing + rim + if patch { 0.45 } else { 0.0 };
        if rng.random::<f32>() < lose {
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
        let q = if patch { low_q } else { p.minutia_quality };
        place(&mut rng, &mut out, (mm.x, mm.y, mm.theta, kind), q);
    }
    // Spurious minutiae: a share of the master's minutiae in the contact area; in a patch
    // when there is one (two in three), along the local ridge, some as a broken ridge's pair.
    let spurious_frac = rng.random_range(p.spurious.0..=p.spurious.1);
    let n_spurious = (spurious_frac * inside as f32).round() as usize;
    let mut made = 0;
    while made < n_spurious {
        let (x, y) = if contact.n_patches > 0 && rng.random_range(0..3) < 2 {
            let (px, py, r) = contact.patches[rng.random_range(0..contact.n_patches)];
            let (u, v) = unit_disc(&mut rng);
            (px + u * r, py + v * r)
        } else {
            let (u, v) = unit_disc(&mut rng);
            (ccx + u * ex, ccy + v * ey)
        };
        let ridge = m.field.orientation(x - acx, acy - y);
        let theta = ridge + rng.random_range(-0.25..0.25f32);
        if rng.random_bool(0.4) {
            // A broken ridge: two endings facing each other across the gap.
            let gap = rng.random_range(6.0..16.0f32);
            let (gx, gy) = (gap / 2.0 * theta.cos(), -gap / 2.0 * theta.sin());
            place(
                &mut rng,
                &mut out,
                (x + gx, y + gy, theta + PI, MinutiaKind::Ending),
                low_q,
            );
            place(
                &mut rng,
                &mut out,
                (x - gx, y - gy, theta, MinutiaKind::Ending),
                low_q,
            );
            made += 2;
        } else {
            let kind = if rng.random_bool(0.5) {
                MinutiaKind::Ending
            } else {
                MinutiaKind::Bifurcation
            };
            let flip = if rng.random_bool(0.5) { PI } else { 0.0 };
            place(&mut rng, &mut out, (x, y, theta + flip, kind), low_q);
            made += 1;
        }
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

/// A point uniform in the unit disc.
fn unit_disc(rng: &mut ChaCha8Rng) -> (f32, f32) {
    loop {
        let (u, v) = (
            rng.random_range(-1.0..1.0f32),
            rng.random_range(-1.0..1.0f32),
        );
        if u * u + v * v <= 1.0 {
            return (u, v);
        }
    }
}
