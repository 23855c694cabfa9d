//! Prints how many synthetic impressions per second one thread makes:
//! `cargo run --release -p cetak-finger --example impression_speed`.

use std::time::Instant;

fn main() {
    let n = 200_000u64;
    let start = Instant::now();
    let mut bytes = 0usize;
    for i in 0..n {
        let finger = u8::try_from(i % 10).unwrap_or(0) + 1;
        bytes += cetak_finger::synth::impression(i / 10, finger, i).len();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{n} impressions ({bytes} bytes) in {secs:.3} s: {:.0} impressions/s",
        n as f64 / secs
    );
}
