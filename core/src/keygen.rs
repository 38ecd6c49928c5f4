//! Key generation.

use crypto_primes::hazmat::{SetBits, SmallFactorsSieveFactory};
use crypto_primes::{Flavor, is_prime, sieve_and_find};
use rand_core::CryptoRng;

use crate::keys::Primality;
use crate::{Error, KeySize, PrivateKey, Result};

impl<S: KeySize> PrivateKey<S> {
    /// Generates a key: two distinct primes of exactly half the bits of n, with their two top bits
    /// set so that n has exactly [`KeySize::BITS`] bits.
    ///
    /// Prime search (sieve and Baillie–PSW, from crypto-primes) runs in variable time; candidates
    /// it rejects are independent of the primes it returns.
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

fn random_prime<S: KeySize, R: CryptoRng + ?Sized>(rng: &mut R) -> Result<S::P> {
    let factory =
        SmallFactorsSieveFactory::<S::P>::new(Flavor::Any, S::PRIME_BITS, SetBits::TwoMsb)
            .map_err(|_| Error::KeyGeneration)?;
    sieve_and_find(rng, factory, |_, candidate| {
        is_prime(Flavor::Any, candidate)
    })
    .ok()
    .flatten()
    .ok_or(Error::KeyGeneration)
}
