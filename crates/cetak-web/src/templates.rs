//! The page templates, embedded, with the filters and functions they use (words from
//! `cetak-words`, WIB dates, Indonesian numbers). A leaf: it knows no request and no state.

use minijinja::{Environment, State as TplState};

use crate::error::split_message;
use crate::{fmt, words};

/// The templates, embedded; `.html` templates are auto-escaped.
pub(crate) fn templates() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, src) in [
        ("base.html", include_str!("../templates/base.html")),
        ("login.html", include_str!("../templates/login.html")),
        (
            "dashboard.html",
            include_str!("../templates/dashboard.html"),
        ),
        ("print.html", include_str!("../templates/print.html")),
        (
            "review_list.html",
            include_str!("../templates/review_list.html"),
        ),
        (
            "review_groups.html",
            include_str!("../templates/review_groups.html"),
        ),
        (
            "review_show.html",
            include_str!("../templates/review_show.html"),
        ),
        (
            "correct_list.html",
            include_str!("../templates/correct_list.html"),
        ),
        (
            "correct_show.html",
            include_str!("../templates/correct_show.html"),
        ),
        ("stock.html", include_str!("../templates/stock.html")),
        ("audit.html", include_str!("../templates/audit.html")),
        ("users.html", include_str!("../templates/users.html")),
        ("resident.html", include_str!("../templates/resident.html")),
        ("message.html", include_str!("../templates/message.html")),
        ("account.html", include_str!("../templates/account.html")),
        (
            "handover_confirm.html",
            include_str!("../templates/handover_confirm.html"),
        ),
        (
            "media_box.html",
            include_str!("../templates/media_box.html"),
        ),
        ("pager.html", include_str!("../templates/pager.html")),
    ] {
        // The templates are part of the binary: a broken one fails the test suite.
        if let Err(e) = env.add_template(name, src) {
            tracing::error!("template {name}: {e}");
        }
    }
    // tr("Bahasa Indonesia", "English"): the page's language picks one.
    env.add_function("tr", |state: &TplState, id: String, en: String| -> String {
        if english(state) { en } else { id }
    });
    // kept("form-decide", "reason"): what was typed into that form before it was refused
    // (empty for any other form, or on a page that was not a refusal).
    env.add_function(
        "kept",
        |state: &TplState, form: String, field: String| -> String {
            let Some(k) = state.lookup("kept_form") else {
                return String::new();
            };
            let same_form = k
                .get_attr("form")
                .ok()
                .is_some_and(|f| f.as_str() == Some(form.as_str()));
            if !same_form {
                return String::new();
            }
            k.get_attr("values")
                .and_then(|v| v.get_attr(&field))
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        },
    );
    // label("awaiting_decision"): a stored code in the page's language.
    env.add_function("label", |state: &TplState, code: String| -> String {
        match words::label(&code) {
            Some((id, en)) => pick(state, id, en).to_string(),
            None => code,
        }
    });
    // problem(code, message): a reason code's words in Indonesian, the validator's detail in
    // English (the catalogue the command line shares).
    env.add_function(
        "problem",
        |state: &TplState, code: String, message: String| -> String {
            match cetak_words::problem(&code) {
                Some((id, _)) if !english(state) => id.to_string(),
                _ => message,
            }
        },
    );
    // Stored words as the office reads them: {{ e.at | when }}, {{ n | num }}, {{ p | num(3) }},
    // {{ e.action | action }}, {{ e.reason | reason }}, …
    env.add_filter("when", |state: &TplState, v: minijinja::Value| -> String {
        if v.is_none() || v.is_undefined() {
            return "-".into();
        }
        fmt::when(&v.to_string(), english(state))
    });
    env.add_filter(
        "num",
        |state: &TplState, v: minijinja::Value, places: Option<usize>| -> String {
            let en = english(state);
            match (places, v.as_i64()) {
                (None, Some(n)) => fmt::int(n, en),
                _ => match f64::try_from(v.clone()) {
                    Ok(x) => fmt::dec(x, places.unwrap_or(0), en),
                    Err(_) => v.to_string(),
                },
            }
        },
    );
    for (name, f) in [
        ("action", words::action as fn(&str) -> (String, String)),
        ("actor", words::actor),
        ("subject", words::subject),
        ("reason", words::reason),
        ("note", |n: &str| {
            words::note(n).unwrap_or_else(|| words::reason(n))
        }),
        ("blank", |b: &str| {
            let (id, en) = words::blank_state(b);
            (id.to_string(), en.to_string())
        }),
        ("message", split_message),
    ] {
        env.add_filter(name, move |state: &TplState, v: String| -> String {
            let (id, en) = f(&v);
            if english(state) { en } else { id }
        });
    }
    env
}

/// Whether the page being rendered is in English.
fn english(state: &TplState) -> bool {
    state
        .lookup("lang")
        .and_then(|l| l.as_str().map(|l| l == "en"))
        .unwrap_or(false)
}

fn pick<'a>(state: &TplState, id: &'a str, en: &'a str) -> &'a str {
    if english(state) { en } else { id }
}
