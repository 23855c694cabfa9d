//! Bahasa Indonesia by default, English on request: every sentence the binary prints is
//! written in both, side by side, where it is used.

use std::sync::atomic::{AtomicBool, Ordering};

static ENGLISH: AtomicBool = AtomicBool::new(false);

pub fn set_lang(lang: &str) {
    ENGLISH.store(lang == "en", Ordering::Relaxed);
}

/// Pick the sentence for the chosen language.
pub fn t<'a>(id: &'a str, en: &'a str) -> &'a str {
    if ENGLISH.load(Ordering::Relaxed) {
        en
    } else {
        id
    }
}

/// Whether messages are in English.
pub fn english() -> bool {
    ENGLISH.load(Ordering::Relaxed)
}
