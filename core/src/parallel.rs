//! The two halves of a CRT computation (mod p and mod q), on two cores with the `parallel`
//! feature (rayon), one after the other without it (`no_std` builds) or where no thread can be
//! started. Either way the work done is the same: only which core does it changes, never on a
//! secret.

#[cfg(feature = "parallel")]
extern crate std;

/// Runs `a` and `b`, in parallel when the `parallel` feature is on, and returns both results.
pub(crate) fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    #[cfg(feature = "parallel")]
    if pool_started() {
        return rayon::join(a, b);
    }
    (a(), b())
}

/// Whether [`join`] would run its halves on two threads from here: the `parallel` feature is
/// on, rayon's pool runs, and this thread is not one of its workers, whose siblings may be busy
/// with the rest of a batch. Public facts only.
pub(crate) fn two_threads_free() -> bool {
    #[cfg(feature = "parallel")]
    return pool_started() && rayon::current_thread_index().is_none();
    #[cfg(not(feature = "parallel"))]
    false
}

/// Whether rayon's global pool runs: started here if no one has. `rayon::join` would panic where
/// its pool cannot start (no threads allowed, e.g. under a process limit); then both halves run
/// here.
#[cfg(feature = "parallel")]
fn pool_started() -> bool {
    use core::error::Error as _;
    static STARTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *STARTED.get_or_init(|| match rayon::ThreadPoolBuilder::new().build_global() {
        Ok(()) => true,
        // Only the failure to start threads has a source (an I/O error); the other error says
        // the pool was already started.
        Err(error) => error.source().is_none(),
    })
}
