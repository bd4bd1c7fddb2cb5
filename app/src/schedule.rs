//! How one sweep's trials are shared among the page's training workers:
//! each idle worker gets the next trial, one at a time (a faster worker
//! takes more), every trial is handed out once per run, and the run ends
//! when no worker trains and nothing is left (or it was stopped). Pure logic,
//! tested natively; `ui::state` sends the commands it decides.

use std::collections::VecDeque;

/// A worker's place in the page's pool.
pub type WorkerId = usize;

/// The default number of CPU workers: one per core but one (the page and
/// the browser keep a core), at least one.
pub fn default_cpu_workers(hardware_concurrency: u32) -> usize {
    (hardware_concurrency.saturating_sub(1) as usize).max(1)
}

/// How many workers train a sweep of `trials` trials: on the CPU the
/// user's setting `cpu_workers`, never more than there are trials; on WebGPU
/// one (the adapter has one queue, which several workers would share).
pub fn worker_count(cpu_workers: usize, gpu: bool, trials: usize) -> usize {
    if gpu {
        return 1;
    }
    cpu_workers.min(trials).max(1)
}

/// Where a run is in handing out trials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Handing,
    Paused,
    Stopped,
}

/// Which worker trains which trial of a run, and what is left.
#[derive(Clone, Debug)]
pub struct Schedule {
    todo: VecDeque<usize>,
    /// Per worker, the trial it trains now.
    training: Vec<Option<usize>>,
    phase: Phase,
}

impl Schedule {
    /// A run of the trials `todo` (by index, in this order) on `workers`
    /// workers.
    pub fn new(todo: Vec<usize>, workers: usize) -> Self {
        Self {
            todo: todo.into(),
            training: vec![None; workers.max(1)],
            phase: Phase::Handing,
        }
    }

    /// How many workers the run has.
    pub fn workers(&self) -> usize {
        self.training.len()
    }

    /// The next trial for worker `w`, now marked as its own: only when `w`
    /// is idle, the run hands out trials (not paused or stopped) and one is
    /// left.
    pub fn next_for(&mut self, w: WorkerId) -> Option<usize> {
        if self.phase != Phase::Handing || self.training.get(w)?.is_some() {
            return None;
        }
        let trial = self.todo.pop_front()?;
        self.training[w] = Some(trial);
        Some(trial)
    }

    /// The trial worker `w` trains, if any.
    pub fn trial_of(&self, w: WorkerId) -> Option<usize> {
        self.training.get(w).copied().flatten()
    }

    /// Worker `w` is done with its trial (finished, cancelled or failed):
    /// idle again. A trial it did not finish is not handed out again in this
    /// run; the next Resume runs it (the page resumes from the stored records).
    pub fn ended(&mut self, w: WorkerId) {
        if let Some(slot) = self.training.get_mut(w) {
            *slot = None;
        }
    }

    /// Hand out no more trials: the workers still training (to be told to
    /// cancel).
    pub fn stop(&mut self) -> Vec<WorkerId> {
        self.phase = Phase::Stopped;
        self.todo.clear();
        self.busy()
    }

    /// Whether the run was stopped.
    pub fn is_stopped(&self) -> bool {
        self.phase == Phase::Stopped
    }

    /// Hold: idle workers get no trial until [`Schedule::resume`].
    pub fn pause(&mut self) {
        if self.phase == Phase::Handing {
            self.phase = Phase::Paused;
        }
    }

    /// Hand out trials again after [`Schedule::pause`].
    pub fn resume(&mut self) {
        if self.phase == Phase::Paused {
            self.phase = Phase::Handing;
        }
    }

    /// The workers training now.
    pub fn busy(&self) -> Vec<WorkerId> {
        (0..self.training.len())
            .filter(|&w| self.training[w].is_some())
            .collect()
    }

    /// Trials not handed out yet.
    pub fn left(&self) -> usize {
        self.todo.len()
    }

    /// Whether the run is over: no worker trains, and nothing is left or it
    /// was stopped.
    pub fn is_over(&self) -> bool {
        self.training.iter().all(Option::is_none)
            && (self.todo.is_empty() || self.phase == Phase::Stopped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_sweeps_use_every_core_but_one_and_gpu_sweeps_one_worker() {
        assert_eq!(default_cpu_workers(8), 7);
        assert_eq!(default_cpu_workers(2), 1);
        assert_eq!(default_cpu_workers(1), 1);
        assert_eq!(default_cpu_workers(0), 1);
        assert_eq!(worker_count(7, false, 20), 7);
        assert_eq!(worker_count(7, false, 3), 3, "no more workers than trials");
        assert_eq!(worker_count(0, false, 3), 1);
        assert_eq!(worker_count(7, false, 0), 1);
        assert_eq!(worker_count(7, true, 20), 1, "WebGPU");
    }

    #[test]
    fn every_trial_is_handed_out_once_and_the_run_ends_after_the_last() {
        let mut s = Schedule::new(vec![0, 1, 2, 3, 4], 2);
        assert_eq!(s.next_for(0), Some(0));
        assert_eq!(s.next_for(0), None, "a busy worker gets nothing more");
        assert_eq!(s.next_for(1), Some(1));
        s.ended(1);
        assert_eq!(s.next_for(1), Some(2), "the faster worker takes the next");
        s.ended(1);
        assert_eq!(s.next_for(1), Some(3));
        s.ended(0);
        assert_eq!(s.next_for(0), Some(4));
        assert!(!s.is_over());
        s.ended(1);
        assert_eq!(s.next_for(1), None);
        assert!(!s.is_over(), "worker 0 still trains");
        s.ended(0);
        assert!(s.is_over());
        assert_eq!(s.left(), 0);
    }

    #[test]
    fn a_pause_holds_idle_workers_and_resume_hands_out_again() {
        let mut s = Schedule::new(vec![0, 1, 2], 2);
        assert_eq!(s.next_for(0), Some(0));
        s.pause();
        assert_eq!(s.next_for(1), None);
        s.ended(0);
        assert_eq!(s.next_for(0), None);
        assert!(!s.is_over(), "paused with trials left is not over");
        s.resume();
        assert_eq!(s.next_for(0), Some(1));
        assert_eq!(s.next_for(1), Some(2));
    }

    #[test]
    fn a_stop_returns_the_busy_workers_and_ends_when_they_are_idle() {
        let mut s = Schedule::new(vec![0, 1, 2, 3], 3);
        assert_eq!(s.next_for(0), Some(0));
        assert_eq!(s.next_for(2), Some(1));
        assert_eq!(s.stop(), vec![0, 2]);
        assert!(s.is_stopped());
        assert_eq!(s.next_for(1), None, "nothing is handed out after a stop");
        assert_eq!(s.trial_of(2), Some(1));
        s.ended(0);
        assert!(!s.is_over());
        s.ended(2);
        assert!(s.is_over());
        s.resume();
        assert_eq!(s.next_for(0), None, "resume does not undo a stop");
    }

    #[test]
    fn unknown_workers_are_ignored() {
        let mut s = Schedule::new(vec![0], 1);
        assert_eq!(s.next_for(5), None);
        s.ended(5);
        assert_eq!(s.trial_of(5), None);
        assert_eq!(s.workers(), 1);
    }
}
