//! `cargo bench -p cetak-card`: time to render the example card, without and with a photo and
//! signature.

fn main() {
    divan::main();
}

#[divan::bench]
fn render_png_example(bencher: divan::Bencher) {
    let card = cetak_card::example_card();
    bencher.bench(|| cetak_card::render_png(divan::black_box(&card)));
}

#[divan::bench]
fn render_png_with_photo(bencher: divan::Bencher) {
    let card = cetak_card::example_card_with_photo();
    bencher.bench(|| cetak_card::render_png(divan::black_box(&card)));
}

#[divan::bench]
fn render_pdf_with_photo(bencher: divan::Bencher) {
    let card = cetak_card::example_card_with_photo();
    bencher.bench(|| cetak_card::render_pdf(divan::black_box(&card)));
}

#[divan::bench]
fn render_pdf_example(bencher: divan::Bencher) {
    let card = cetak_card::example_card();
    bencher.bench(|| cetak_card::render_pdf(divan::black_box(&card)));
}

#[divan::bench]
fn layout_example(bencher: divan::Bencher) {
    let card = cetak_card::example_card();
    bencher.bench(|| cetak_card::layout(divan::black_box(&card)));
}
