//! Work on a worker thread, collected by the UI without ever blocking it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::thread;

use anyhow::{Result, anyhow};

/// One piece of work with one result. Dropping it abandons the work: work that can stop early
/// is told to, the rest finishes on its own, and the result (wiped by its own `Drop`, for keys)
/// goes nowhere.
#[derive(Debug)]
pub struct Job<T> {
    receiver: Receiver<Result<T>>,
    abandoned: Arc<AtomicBool>,
}

impl<T: Send + 'static> Job<T> {
    /// Starts `work` on a new thread.
    pub fn spawn(work: impl FnOnce() -> Result<T> + Send + 'static) -> Self {
        Self::spawn_stoppable(|_| work())
    }

    /// Starts `work` on a new thread, with a flag that turns true once the job is dropped: long
    /// work checks it to stop early rather than burn a core for nobody.
    pub fn spawn_stoppable(work: impl FnOnce(&AtomicBool) -> Result<T> + Send + 'static) -> Self {
        let (sender, receiver) = channel();
        let abandoned = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&abandoned);
        thread::spawn(move || {
            // The UI may have dropped the job (cancelled): nobody to tell.
            let _ = sender.send(work(&flag));
        });
        Self {
            receiver,
            abandoned,
        }
    }

    /// The result, once there is one.
    pub fn poll(&self) -> Option<Result<T>> {
        match self.receiver.try_recv() {
            Ok(result) => Some(result),
            Err(TryRecvError::Empty) => None,
            // The worker died without an answer (it panicked): say so instead of waiting forever.
            Err(TryRecvError::Disconnected) => Some(Err(anyhow!("the work stopped unexpectedly"))),
        }
    }
}

impl<T> Drop for Job<T> {
    fn drop(&mut self) {
        self.abandoned.store(true, Ordering::Relaxed);
    }
}

/// Work that reports as it goes: any number of messages, then the end.
#[derive(Debug)]
pub struct Stream<M> {
    receiver: Receiver<M>,
}

impl<M: Send + 'static> Stream<M> {
    /// Starts `work` on a new thread; it sends its messages on the sender it is given.
    pub fn spawn(work: impl FnOnce(&Sender<M>) + Send + 'static) -> Self {
        let (sender, receiver) = channel();
        thread::spawn(move || work(&sender));
        Self { receiver }
    }

    /// The messages that have arrived, and whether the work has ended.
    pub fn poll(&self) -> (Vec<M>, bool) {
        let mut messages = Vec::new();
        loop {
            match self.receiver.try_recv() {
                Ok(message) => messages.push(message),
                Err(TryRecvError::Empty) => return (messages, false),
                Err(TryRecvError::Disconnected) => return (messages, true),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn dropping_a_job_tells_its_work_to_stop() {
        let (stopped, told) = channel();
        let job = Job::spawn_stoppable(move |abandoned| {
            while !abandoned.load(Ordering::Relaxed) {
                thread::sleep(Duration::from_millis(1));
            }
            let _ = stopped.send(());
            Ok(())
        });
        assert!(
            job.poll().is_none(),
            "the work waits until the job is dropped"
        );
        drop(job);
        // Not a speed check: a generous bound so that a failure ends instead of hanging.
        told.recv_timeout(Duration::from_secs(60))
            .expect("the work saw the job dropped");
    }
}
