//! The office's words for what the store keeps as codes or English sentences come from the
//! one catalogue the command line shares (`cetak-words`); what only the pages need (a store
//! refusal in the office's words) is here.

pub(crate) use cetak_words::{
    action, actor, blank_state, chip_problem, label, note, reason, subject,
};

/// A store refusal that is not already "id / en": the lifecycle's, the spool's and the
/// stock's own errors.
pub(crate) fn refusal(e: &cetak_store::StoreError) -> Option<(String, String)> {
    use cetak_domain::lifecycle::TransitionError;
    use cetak_store::StoreError;
    match e {
        StoreError::Transition(TransitionError::NoReason) => Some((
            cetak_words::NO_REASON.0.into(),
            cetak_words::NO_REASON.1.into(),
        )),
        StoreError::Transition(TransitionError::Illegal(t)) => {
            Some(cetak_words::refused_event(t.event, t.from.as_str()))
        }
        StoreError::Attempt(t) => Some(cetak_words::refused_attempt(t.from.as_str())),
        StoreError::Blank(t) => Some(cetak_words::refused_blank(t.serial, t.from.as_str())),
        _ => None,
    }
}
