//! Key generation.

use rand_core::CryptoRng;

use crate::keys::Primality;
use crate::prime::random_prime;
use crate::{Error, KeySize, PrivateKey, Result};

impl<S: KeySize> PrivateKey<S> {
    /// Generates a key: two distinct primes of exactly half the bits of n, with their two top bits
    /// set so that n has exactly [`KeySize::BITS`] bits.
    ///
    /// Every candidate is drawn fresh, so those rejected are independent of the primes returned,
    /// and the tests the primes pass are constant-time (see the `prime` module).
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Result<Self> {
        loop {
            let p = random_prime::<S, R>(rng)?;
            let q = random_prime::<S, R>(rng)?;
            match Self::from_primes_with(p, q, Primality::Known) {
                Ok(key) => return Ok(key),
                // p = q (probability about 2^-(|n|/2)): draw again.
                Err(Error::EqualPrimes) => {}
                Err(error) => return Err(error),
            }
        }
    }
}
