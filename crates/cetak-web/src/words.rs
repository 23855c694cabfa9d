//! The office's words for what the store keeps as codes or English sentences come from the
//! one catalogue the command line shares (`cetak-words`); what only the pages need (a store
//! refusal in the office's words) is here.

pub(crate) use cetak_words::{action, actor, blank_state, label, note, reason, subject};

/// A store refusal that is not already "id / en": the lifecycle's, the spool's and the
/// stock's own errors.
pub(crate) fn refusal(e: &cetak_store::StoreError) -> Option<(String, String)> {
    use cetak_domain::lifecycle::TransitionError;
    use cetak_store::StoreError;
    let state = |s: &str| label(s).map_or(s.to_string(), |l| l.0.to_string());
    match e {
        StoreError::Transition(TransitionError::NoReason) => Some((
            "perubahan status perlu alasan".into(),
            "a state change needs a reason".into(),
        )),
        StoreError::Transition(TransitionError::Illegal(t)) => Some((
            format!(
                "{} tidak boleh selagi data berstatus {}",
                action(t.event).0,
                state(t.from.as_str())
            ),
            t.to_string(),
        )),
        StoreError::Attempt(t) => Some((
            format!(
                "percobaan cetak berstatus {}: langkah ini tidak boleh",
                state(t.from.as_str())
            ),
            t.to_string(),
        )),
        StoreError::Blank(t) => Some((
            format!(
                "blangko {} berstatus {}: langkah ini tidak boleh",
                t.serial,
                blank_state(t.from.as_str()).0
            ),
            t.to_string(),
        )),
        _ => None,
    }
}
