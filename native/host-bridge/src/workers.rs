//! The threads that run plugin commands and workflow steps.
//!
//! Starting a thread for every call made a small invoke half as slow again (measured: 0.20–0.28 ms
//! against 0.13–0.17 ms from main's process): a spawn costs ~14 µs of CPU, against ~2 µs to hand a
//! job to a waiting thread, and the new thread must then be scheduled. So finished threads wait a
//! while for the next job.
//! A job never waits behind another: it goes to a thread only when one is idle and set aside for
//! it, otherwise a new thread starts, as before. A handler that blocks for minutes holds its own
//! thread and nobody else's.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// How long a finished thread waits for another job before it ends.
const IDLE_FOR: Duration = Duration::from_secs(10);

struct Shared {
    /// Idle threads not yet promised a job: the threads waiting minus the jobs queued for them.
    free: usize,
    jobs: VecDeque<Job>,
}

struct Pool {
    shared: Mutex<Shared>,
    job_ready: Condvar,
    idle_for: Duration,
}

impl Pool {
    const fn new(idle_for: Duration) -> Self {
        Self { shared: Mutex::new(Shared { free: 0, jobs: VecDeque::new() }), job_ready: Condvar::new(), idle_for }
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        // Jobs run outside the lock, so nothing can poison it mid-change; take it anyway.
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `job` on an idle thread, or on a new one when none is free. Fails only when the system
    /// cannot start a thread, and then the job did not run.
    fn run(&'static self, job: Job) -> std::io::Result<()> {
        let mut shared = self.lock();
        if shared.free > 0 {
            shared.free -= 1;
            shared.jobs.push_back(job);
            drop(shared);
            self.job_ready.notify_one();
            return Ok(());
        }
        drop(shared);
        std::thread::Builder::new().name("hf-worker".into()).spawn(move || self.work(job)).map(drop)
    }

    /// Runs `first`, then whatever jobs come while this thread is idle, until none comes for a while.
    fn work(&self, first: Job) {
        let mut job = first;
        loop {
            // Jobs catch their plugin's panics themselves; this keeps the thread for the next one
            // should anything else unwind.
            let _ = catch_unwind(AssertUnwindSafe(job));
            let mut shared = self.lock();
            shared.free += 1;
            loop {
                if let Some(next) = shared.jobs.pop_front() {
                    // Its sender already took this thread off `free`.
                    job = next;
                    break;
                }
                let (guard, waited) = self.job_ready.wait_timeout(shared, self.idle_for).unwrap_or_else(|p| p.into_inner());
                shared = guard;
                if waited.timed_out() && shared.jobs.is_empty() {
                    shared.free -= 1;
                    return;
                }
            }
        }
    }
}

static POOL: Pool = Pool::new(IDLE_FOR);

/// Runs `job` on a worker thread (`hf-worker`). On failure the job did not run.
pub fn run(job: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
    POOL.run(Box::new(job))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::channel;
    use std::sync::{Arc, Barrier};

    fn pool(idle_for: Duration) -> &'static Pool {
        Box::leak(Box::new(Pool::new(idle_for)))
    }

    #[test]
    fn a_finished_thread_takes_the_next_job() {
        let pool = pool(Duration::from_secs(5));
        let (tx, rx) = channel();
        let first = tx.clone();
        pool.run(Box::new(move || first.send(std::thread::current().id()).unwrap())).unwrap();
        let a = rx.recv().unwrap();
        // Wait until that thread is idle again, then the next job must land on it.
        while pool.lock().free == 0 {
            std::thread::yield_now();
        }
        pool.run(Box::new(move || tx.send(std::thread::current().id()).unwrap())).unwrap();
        assert_eq!(rx.recv().unwrap(), a);
    }

    #[test]
    fn a_job_never_waits_behind_a_blocked_one() {
        let pool = pool(Duration::from_secs(5));
        let release = Arc::new(Barrier::new(2));
        let held = Arc::clone(&release);
        pool.run(Box::new(move || {
            held.wait();
        }))
        .unwrap();
        // The first job is blocked until the second one has run, so one thread for both could not
        // run the second.
        let (tx, rx) = channel();
        let releaser = Arc::clone(&release);
        pool.run(Box::new(move || {
            tx.send(()).unwrap();
            releaser.wait();
        }))
        .unwrap();
        rx.recv_timeout(Duration::from_secs(10)).expect("the second job waited behind the first");
    }

    #[test]
    fn a_panicking_job_leaves_its_thread_for_the_next() {
        let pool = pool(Duration::from_secs(5));
        pool.run(Box::new(|| panic!("a job that panics"))).unwrap();
        while pool.lock().free == 0 {
            std::thread::yield_now();
        }
        let (tx, rx) = channel();
        pool.run(Box::new(move || tx.send(7).unwrap())).unwrap();
        assert_eq!(rx.recv().unwrap(), 7);
    }

    #[test]
    fn idle_threads_end_after_a_while() {
        let pool = pool(Duration::from_millis(20));
        let (tx, rx) = channel();
        pool.run(Box::new(move || tx.send(()).unwrap())).unwrap();
        rx.recv().unwrap();
        while pool.lock().free == 0 {
            std::thread::yield_now();
        }
        // The idle thread gives up its place once nothing came; `free` goes back to zero.
        while pool.lock().free != 0 {
            std::thread::sleep(Duration::from_millis(5));
        }
        let (tx, rx) = channel();
        pool.run(Box::new(move || tx.send(()).unwrap())).unwrap();
        rx.recv().unwrap();
    }
}
