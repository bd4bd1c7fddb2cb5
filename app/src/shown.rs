//! What the sweep page holds of the open sweep: rows read from storage
//! joined with rows reported live while that read was under way. A trial
//! that finishes between "show this sweep" and the end of the read reaches
//! the page as a live report, and its record may or may not be in what the
//! read returns (the write is itself asynchronous); replacing the page's rows
//! with the read would drop it from view until the next reload. Pure logic,
//! tested natively.

use std::collections::BTreeSet;

/// Join `stored` (rows read from storage) into `shown` (the rows the page
/// holds, some reported live since the read began): every key once, the
/// row already shown kept where both have it.
pub fn join_by<T, K: Ord>(shown: &mut Vec<T>, stored: Vec<T>, key: impl Fn(&T) -> K) {
    let have: BTreeSet<K> = shown.iter().map(&key).collect();
    shown.extend(stored.into_iter().filter(|row| !have.contains(&key(row))));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_reported_during_the_read_is_kept_and_none_twice() {
        // (trial id, what) pairs: trial 3 finished while the read ran, and
        // its write landed before the read (so both have it).
        let mut shown = vec![("t3", "live"), ("t4", "live")];
        let stored = vec![("t1", "stored"), ("t2", "stored"), ("t3", "stored")];
        join_by(&mut shown, stored, |r| r.0);
        shown.sort();
        assert_eq!(
            shown,
            vec![
                ("t1", "stored"),
                ("t2", "stored"),
                ("t3", "live"),
                ("t4", "live")
            ]
        );
    }

    #[test]
    fn with_nothing_shown_the_read_is_taken_whole() {
        let mut shown: Vec<(u32, u32)> = Vec::new();
        join_by(&mut shown, vec![(1, 0), (2, 0)], |r| r.0);
        assert_eq!(shown, vec![(1, 0), (2, 0)]);
    }
}
