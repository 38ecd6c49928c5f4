//! Prime generation and primality testing, constant-time in the prime.
//!
//! crypto-primes' own search runs in variable time in its candidates (Baillie–PSW branches on the
//! bits of the candidate) and walks a sieve in steps of 2, so the candidates it rejects are related
//! to the prime it returns, and their rejection pattern leaks that prime's residues. Here every
//! candidate is drawn fresh (crypto-primes' `random_odd_integer`), so a rejected one says nothing
//! about the prime finally accepted; and every test the accepted candidate passes is
//! constant-time: trial division by crypto-bigint's constant-time remainder, a Fermat test and
//! Miller–Rabin rounds with a fixed schedule. Only the verdict is declassified.

use core::num::NonZeroU32;

use crypto_bigint::{
    BitOps, Choice, CtEq, Limb, NonZero, Odd, One, RandomBits, Reciprocal, WrappingAdd,
    WrappingShr, WrappingSub,
};
use crypto_primes::hazmat::{SetBits, random_odd_integer};
use rand_core::CryptoRng;

use crate::memcheck::declassify;
use crate::modexp::{PowBy, Residues};
use crate::{Error, KeySize, Result};

/// Miller–Rabin rounds with random bases for a generated prime: with a random candidate that has
/// passed trial division and a Fermat test, 5 rounds put the error far below 2^-100 at 1024 bits
/// and above (FIPS 186-5, Table B.1, asks for 4 to 5).
const GENERATED_ROUNDS: usize = 5;

/// Fixed bases for checking a prime given from outside (a key file): the first 24 primes.
const FIXED_BASES: [u8; 24] = [
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89,
];

/// Odd primes below 1024, for trial division.
const SMALL_PRIMES: [u16; 171] = small_primes();

#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range fails the build"
)]
const fn small_primes() -> [u16; 171] {
    let mut out = [0u16; 171];
    let mut count = 0;
    let mut candidate = 3u16;
    while candidate < 1024 {
        let mut divisor = 3u16;
        let mut prime = true;
        while divisor * divisor <= candidate {
            if candidate.is_multiple_of(divisor) {
                prime = false;
            }
            divisor += 2;
        }
        if prime {
            out[count] = candidate;
            count += 1;
        }
        candidate += 2;
    }
    out
}

/// A random prime of exactly `S::PRIME_BITS` bits with its two top bits set, unless `cancelled`
/// says yes before a candidate is drawn.
pub(crate) fn random_prime<S: KeySize, R: CryptoRng + ?Sized>(
    rng: &mut R,
    cancelled: &mut impl FnMut() -> bool,
) -> Result<S::P> {
    let bits = NonZeroU32::new(S::PRIME_BITS).ok_or(Error::KeyGeneration)?;
    loop {
        if cancelled() {
            return Err(Error::Cancelled);
        }
        // Each candidate is independent of every other: whether and why one is rejected says
        // nothing about the prime finally returned.
        let candidate = random_odd_integer::<S::P, R>(rng, bits, SetBits::TwoMsb)
            .map_err(|_| Error::KeyGeneration)?;
        if declassify(has_small_factor(candidate.as_ref())) {
            continue;
        }
        let modulus = S::mod_p(candidate);
        if !declassify(fermat::<S>(&modulus, candidate.as_ref())) {
            continue;
        }
        let mut passed = Choice::TRUE;
        for _ in 0..GENERATED_ROUNDS {
            // A base in [2, 2^(|p|−1)), below p since p has its top bit set.
            let mut base = S::P::random_bits(rng, S::PRIME_BITS - 1);
            base.set_bit(1, Choice::TRUE);
            passed &= miller_rabin::<S>(&modulus, candidate.as_ref(), &base);
        }
        // Declassifies only the verdict.
        if declassify(passed) {
            return Ok(*candidate.as_ref());
        }
    }
}

/// Whether `candidate`, an odd number of `S::PRIME_BITS` bits, is a probable prime: trial
/// division, then Miller–Rabin with [`FIXED_BASES`]. Constant-time in `candidate`.
pub(crate) fn is_probable_prime<S: KeySize>(candidate: &Odd<S::P>) -> Choice {
    let modulus = S::mod_p(*candidate);
    let mut passed = !has_small_factor(candidate.as_ref());
    for base in FIXED_BASES {
        passed &= miller_rabin::<S>(&modulus, candidate.as_ref(), &S::P::from(base));
    }
    passed
}

/// Whether a small prime divides `x` (and x is not that prime), by constant-time remainders.
fn has_small_factor<T: crate::size::Integer>(x: &T) -> Choice {
    let mut divisible = Choice::FALSE;
    for prime in SMALL_PRIMES {
        let divisor = NonZero::<Limb>::new(Limb::from(prime)).unwrap_or(NonZero::<Limb>::ONE);
        let remainder = x.rem_limb_with_reciprocal(&Reciprocal::new(divisor));
        divisible |= remainder.ct_eq(&Limb::ZERO);
    }
    divisible
}

/// 2^(p−1) ≡ 1 (mod p): a cheap filter that every prime passes.
fn fermat<S: KeySize>(modulus: &S::ModP, p: &S::P) -> Choice {
    let one = S::P::one();
    let two = one.wrapping_add(&one);
    modulus.pow(&two, &p.wrapping_sub(&one)).ct_eq(&one)
}

/// One Miller–Rabin round: with p − 1 = d · 2^s, p passes for `base` if base^d ≡ 1 or
/// base^(d·2^i) ≡ −1 for some i < s. Constant-time: s and d come from constant-time bit
/// operations, and the squarings run for every bit of p whatever s is.
fn miller_rabin<S: KeySize>(modulus: &S::ModP, p: &S::P, base: &S::P) -> Choice {
    let one = S::P::one();
    let minus_one = p.wrapping_sub(&one);
    let s = minus_one.trailing_zeros();
    let d = minus_one.wrapping_shr(s);
    let mut x = modulus.pow(base, &d);
    let mut passed = x.ct_eq(&one) | x.ct_eq(&minus_one);
    for i in 1..S::PRIME_BITS {
        x = modulus.mul(&x, &x);
        passed |= Choice::from_u32_lt(i, s) & x.ct_eq(&minus_one);
    }
    passed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_small_primes_are_the_odd_primes_below_1024() {
        assert_eq!(SMALL_PRIMES.first(), Some(&3));
        assert_eq!(SMALL_PRIMES.last(), Some(&1021));
        assert!(SMALL_PRIMES.windows(2).all(|pair| pair[0] < pair[1]));
    }
}
