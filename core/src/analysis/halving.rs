//! What a successive-halving scan's analyses compare: its first rung, where
//! every configuration trained the same number of epochs. Trials of later
//! rungs trained longer (a different budget), so the ranking, the proposed
//! grid and the plots leave them out, and say so in one line.

use std::borrow::Cow;

use crate::record::TrialRecord;
use crate::spec::SweepSpec;
use crate::sweep::rungs;

/// The records a scan's analyses compare: all of them, or for a halving
/// scan those of its first rung.
pub fn compared<'a>(spec: &SweepSpec, records: &'a [TrialRecord]) -> Cow<'a, [TrialRecord]> {
    match rungs(spec).first() {
        Some(first) => Cow::Owned(
            records
                .iter()
                .filter(|r| r.config.train.epochs == first.epochs)
                .cloned()
                .collect(),
        ),
        None => Cow::Borrowed(records),
    }
}

/// For a halving scan, one line on its rungs and what the analyses leave
/// out: "successive halving (η = 3): 18 configurations at 1 epoch, the best
/// 6 at 3, the best 2 at 9; the ranking and plots compare all 18 at 1
/// epoch: the 16 trials trained longer are not in them".
pub fn halving_line(spec: &SweepSpec, records: &[TrialRecord]) -> Option<String> {
    let rungs = rungs(spec);
    let first = *rungs.first()?;
    let epochs = |n: usize| if n == 1 { "epoch" } else { "epochs" };
    let mut steps = vec![format!(
        "{} configurations at {} {}",
        first.configurations,
        first.epochs,
        epochs(first.epochs)
    )];
    steps.extend(
        rungs
            .iter()
            .skip(1)
            .map(|r| format!("the best {} at {}", r.configurations, r.epochs)),
    );
    let longer = records
        .iter()
        .filter(|r| r.config.train.epochs != first.epochs)
        .count();
    Some(format!(
        "successive halving (η = {}): {}; the ranking and plots compare all {} at {} {}: the {longer} trials trained longer are not in them",
        spec.search.halving.unwrap_or(0),
        steps.join(", "),
        first.configurations,
        first.epochs,
        epochs(first.epochs),
    ))
}
