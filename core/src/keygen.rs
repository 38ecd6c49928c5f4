//! Key generation.

use rand_core::CryptoRng;

use crate::prime::random_prime;
use crate::{Error, KeySize, PrivateKey, Result};

impl<S: KeySize> PrivateKey<S> {
    /// Generates a key: two distinct primes of exactly half the bits of n, with their two top bits
    /// set so that n has exactly [`KeySize::BITS`] bits.
    ///
    /// Every candidate is drawn fresh, so those rejected are independent of the primes returned,
    /// and the tests the primes pass are constant-time (see the `prime` module).
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Result<Self> {
        Self::generate_cancellable(rng, || false)
    }

    /// [`generate`](Self::generate), asking `cancelled` before each prime candidate and giving up
    /// with [`Error::Cancelled`] once it says yes: the search at 4096 bits can take a minute, and
    /// whoever asked for the key may no longer want it.
    pub fn generate_cancellable<R: CryptoRng + ?Sized>(
        rng: &mut R,
        mut cancelled: impl FnMut() -> bool,
    ) -> Result<Self> {
        loop {
            let p = random_prime::<S, R>(rng, &mut cancelled)?;
            let q = random_prime::<S, R>(rng, &mut cancelled)?;
            // Fresh from the generator, which tested them: no second test.
            match Self::from_primes_with::<R>(p, q, None) {
                Ok(key) => return Ok(key),
                // p = q (probability about 2^-(|n|/2)): draw again.
                Err(Error::EqualPrimes) => {}
                Err(error) => return Err(error),
            }
        }
    }
}
