//! Timings of one card's chip for `scripts/bench-chip`, printed as JSON: the content of a real
//! card (a `CETAKCHIP1` dump, e.g. the demo's `chip-dump.bin`) is signed again on the office's
//! PKCS#11 token and with a software key, checked by passive authentication, and written, read
//! back and verified on the virtual reader with the test card in it — the same calls the print
//! run makes (`ChipImage::encode`, `Encoder::encode`).
//!
//! Usage: chip_timing DUMP CA.pem MODULE TOKEN PIN-FILE [SIGN-ROUNDS] [CARD-ROUNDS]
//! (pcscd with vsmartcard-vpcd running; SOFTHSM2_CONF naming the token's configuration).

use std::path::Path;
use std::time::{Duration, Instant};

use cetak_chip::keys::ChipKeys;
use cetak_chip::testcard::{Fault, TestCard, VPCD_PORT};
use cetak_chip::{ChipImage, Encoder, Signer, SigningKey, SoftwareSigner, certs, verify};
use time::OffsetDateTime;

const READER: &str = "Virtual PCD 00 00";

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// Median and maximum in milliseconds.
fn summary(mut runs: Vec<Duration>) -> serde_like::Summary {
    runs.sort();
    serde_like::Summary {
        median_ms: ms(runs[runs.len() / 2]),
        p95_ms: ms(runs[(runs.len() * 95 / 100).min(runs.len() - 1)]),
        max_ms: ms(runs[runs.len() - 1]),
        rounds: runs.len(),
    }
}

mod serde_like {
    pub struct Summary {
        pub median_ms: f64,
        pub p95_ms: f64,
        pub max_ms: f64,
        pub rounds: usize,
    }
    impl std::fmt::Display for Summary {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(
                f,
                "{{\"median_ms\": {}, \"p95_ms\": {}, \"max_ms\": {}, \"rounds\": {}}}",
                self.median_ms, self.p95_ms, self.max_ms, self.rounds
            )
        }
    }
}

fn sign_rounds(
    chip: &ChipImage,
    signer: &dyn Signer,
    rounds: usize,
) -> Result<Vec<Duration>, Box<dyn std::error::Error>> {
    let fields = chip.fields()?;
    let media = chip.media()?;
    let mut runs = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        let signed = ChipImage::encode(&fields, &media, signer)?;
        runs.push(start.elapsed());
        std::hint::black_box(signed);
    }
    Ok(runs)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dump, ca, module, token, pin_file, rest @ ..] = args.as_slice() else {
        return Err(
            "usage: chip_timing DUMP CA.pem MODULE TOKEN PIN-FILE [SIGN-ROUNDS] [CARD-ROUNDS]"
                .into(),
        );
    };
    let sign_n: usize = rest.first().map_or(Ok(200), |s| s.parse())?;
    let card_n: usize = rest.get(1).map_or(Ok(50), |s| s.parse())?;
    let chip = ChipImage::from_dump(&std::fs::read(dump)?)?;
    let trust = certs::parse_certificates(&std::fs::read(ca)?)?;
    let now = OffsetDateTime::now_utc();

    let keys = ChipKeys::open(Path::new(module), token, Path::new(pin_file))?;
    let token_signer = keys.signer(now)?;
    let on_token = sign_rounds(&chip, &token_signer, sign_n)?;
    let software = SoftwareSigner::new(
        SigningKey::from_bytes(&[7u8; 32].into())?,
        Signer::certificate(&token_signer).clone(),
    );
    let in_software = sign_rounds(&chip, &software, sign_n)?;

    let mut pa = Vec::with_capacity(sign_n);
    for _ in 0..sign_n {
        let start = Instant::now();
        verify(&chip, &trust, now)?;
        pa.push(start.elapsed());
    }

    let card = TestCard::insert(VPCD_PORT, Fault::None)?;
    let enc = Encoder::open(READER, Duration::from_secs(10))?;
    enc.wait_for_card(Duration::from_secs(10))?;
    let mut whole = Vec::with_capacity(card_n);
    let mut write = Vec::with_capacity(card_n);
    let mut read = Vec::with_capacity(card_n);
    let mut apdus = 0;
    let mut bytes = 0;
    for _ in 0..card_n {
        let start = Instant::now();
        let report = enc.encode(&chip, &trust, now)?;
        whole.push(start.elapsed());
        write.push(report.write);
        read.push(report.read);
        apdus = report.apdus;
        bytes = report.bytes;
    }
    drop(card);

    let groups: Vec<String> = chip
        .files()
        .into_iter()
        .map(|(fid, b)| format!("\"{fid:04X}\": {}", b.len()))
        .collect();
    println!(
        "{{\"bytes_on_chip\": {bytes}, \"file_bytes\": {{{}}}, \"apdus_per_card\": {apdus},\n \
         \"sign_on_token\": {},\n \"sign_in_software\": {},\n \"passive_authentication\": {},\n \
         \"encode_and_verify_on_virtual_reader\": {},\n \"write\": {},\n \"read_back\": {}}}",
        groups.join(", "),
        summary(on_token),
        summary(in_software),
        summary(pa),
        summary(whole),
        summary(write),
        summary(read),
    );
    Ok(())
}
