//! Work on a worker thread, collected by the UI without ever blocking it.

use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::thread;

use anyhow::{Result, anyhow};

/// One piece of work with one result. Dropping it abandons the work: the thread finishes on its
/// own and its result (wiped by its own `Drop`, for keys) goes nowhere.
#[derive(Debug)]
pub struct Job<T> {
    receiver: Receiver<Result<T>>,
}

impl<T: Send + 'static> Job<T> {
    /// Starts `work` on a new thread.
    pub fn spawn(work: impl FnOnce() -> Result<T> + Send + 'static) -> Self {
        let (sender, receiver) = channel();
        thread::spawn(move || {
            // The UI may have dropped the job (cancelled): nobody to tell.
            let _ = sender.send(work());
        });
        Self { receiver }
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
