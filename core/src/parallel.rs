//! The two halves of a CRT computation (mod p and mod q), on two cores with the `parallel`
//! feature (rayon), one after the other without it (`no_std` builds). Either way the work done
//! is the same: only which core does it changes, never on a secret.

/// Runs `a` and `b`, in parallel when the `parallel` feature is on, and returns both results.
pub(crate) fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    #[cfg(feature = "parallel")]
    {
        rayon::join(a, b)
    }
    #[cfg(not(feature = "parallel"))]
    {
        (a(), b())
    }
}
