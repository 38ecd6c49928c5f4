//! Prime generation and primality testing, constant-time in the prime.
//!
//! crypto-primes' own search runs in variable time in its candidates (Baillie–PSW branches on the
//! bits of the candidate) and walks a sieve in steps of 2, so the candidates it rejects are related
//! to the prime it returns, and their rejection pattern leaks that prime's residues. Here every
//! candidate is drawn fresh (crypto-primes' `random_odd_integer`), so a rejected one says nothing
//! about the prime finally accepted; and every test the accepted candidate passes is
//! constant-time: trial division by crypto-bigint's constant-time remainder, a Fermat test and
//! Miller–Rabin rounds with a fixed schedule. Only the verdict is declassified.
//!
//! A prime given from outside (a key file) may have been crafted to pass a fixed set of bases
//! ("Prime and Prejudice", Albrecht et al., 2018), so it meets Miller–Rabin with random bases and a
//! Lucas test with a random parameter, both constant-time in it. crypto-primes' own `hazmat`
//! Miller–Rabin and Lucas tests run in variable time in the candidate, which is secret here.

use core::num::NonZeroU32;

use crypto_bigint::{
    BitOps, Choice, CtEq, Limb, NonZero, Odd, One, RandomBits, Reciprocal, WrappingAdd,
    WrappingShr, WrappingSub,
};
use crypto_primes::hazmat::{SetBits, random_odd_integer};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::memcheck::declassify;
use crate::modexp::{PowBy, Residues};
use crate::size::Integer;
use crate::{Error, KeySize, Result};

/// Miller–Rabin rounds with random bases for a generated prime: with a random candidate that has
/// passed trial division and a Fermat test, 5 rounds put the error far below 2^-100 at 1024 bits
/// and above (FIPS 186-5, Table B.1, asks for 4 to 5).
const GENERATED_ROUNDS: usize = 5;

/// Miller–Rabin rounds with random bases for a prime given from outside, which may be crafted:
/// whatever its construction, a composite passes a round with probability at most 1/4, so 24
/// rounds let one through with probability at most 2^-48 before the Lucas test (and no composite
/// is known that passes both Miller–Rabin and a Lucas test, the Baillie–PSW combination).
const IMPORTED_ROUNDS: usize = 24;

/// Random parameters tried for a Lucas discriminant that is a non-square: each is one with
/// probability about 1/2 for a prime, so a prime exhausts them with probability about 2^-128 (a
/// square, which has none, exhausts them always).
const LUCAS_PARAMETER_TRIES: usize = 128;

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
            passed &= miller_rabin::<S>(&modulus, candidate.as_ref(), &random_base::<S, R>(rng));
        }
        // Declassifies only the verdict.
        if declassify(passed) {
            return Ok(*candidate.as_ref());
        }
    }
}

/// Whether `candidate`, an odd number of `S::PRIME_BITS` bits with its top bit set, is a probable
/// prime: trial division, [`IMPORTED_ROUNDS`] Miller–Rabin rounds with random bases and a Lucas
/// test. Constant-time in `candidate`, which may be secret.
pub(crate) fn is_probable_prime<S: KeySize, R: CryptoRng + ?Sized>(
    candidate: &Odd<S::P>,
    rng: &mut R,
) -> Choice {
    let modulus = Zeroizing::new(S::mod_p(*candidate));
    let mut passed = !has_small_factor(candidate.as_ref());
    for _ in 0..IMPORTED_ROUNDS {
        passed &= miller_rabin::<S>(&modulus, candidate.as_ref(), &random_base::<S, R>(rng));
    }
    passed & lucas::<S, R>(&modulus, candidate, rng)
}

/// A random base in [2, 2^(|p|−1)), below p since p has its top bit set.
fn random_base<S: KeySize, R: CryptoRng + ?Sized>(rng: &mut R) -> S::P {
    let mut base = S::P::random_bits(rng, S::PRIME_BITS - 1);
    base.set_bit(1, Choice::TRUE);
    base
}

/// Whether a small prime divides `x` (and x is not that prime), by constant-time remainders.
fn has_small_factor<T: Integer>(x: &T) -> Choice {
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

/// A Lucas probable-prime test with Q = 1 and a random P whose discriminant D = P² − 4 is a
/// non-square mod n by Euler's criterion, D^((n−1)/2) ≡ −1 (for a prime, the Jacobi symbol −1; for
/// a composite, one more test to pass): a prime n then has V_n ≡ P and V_{n+1} ≡ 2 (mod n), which
/// together give U_{n+1} ≡ 0 (D·U_{n+1} = P·V_{n+1} − 2·V_n) as well as V_{n+1} ≡ 2Q. Euler's
/// criterion rather than crypto-bigint's `jacobi_symbol`, which branches on the symbol it returns.
fn lucas<S: KeySize, R: CryptoRng + ?Sized>(
    modulus: &S::ModP,
    candidate: &Odd<S::P>,
    rng: &mut R,
) -> Choice {
    let four = S::P::from(4u8);
    let minus_one = candidate.as_ref().wrapping_sub(&S::P::one());
    let half = minus_one.wrapping_shr(1);
    for _ in 0..LUCAS_PARAMETER_TRIES {
        // Reduced, to compare with V_n below (it is already below a prime of full width).
        let p = Zeroizing::new(modulus.reduce(&random_base::<S, R>(rng)));
        let discriminant = Zeroizing::new(modulus.sub(&modulus.mul(&p, &p), &four));
        // Declassifies whether this fresh D, never revealed, is a non-square: for a prime that is
        // a fair coin whatever the prime, so the number of tries says nothing about it.
        if declassify(modulus.pow(&discriminant, &half).ct_eq(&minus_one)) {
            let (v_n, v_n_plus_one) = modulus.lucas_v(&p, candidate.as_ref());
            return v_n.ct_eq(&*p) & v_n_plus_one.ct_eq(&S::P::from(2u8));
        }
    }
    Choice::FALSE
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

    use crate::Paillier2048;
    use crypto_bigint::U1024;
    use rand::SeedableRng;

    type P = <Paillier2048 as KeySize>::P;

    fn odd(decimal: &str) -> Odd<P> {
        let value = P::from_decimal(decimal.as_bytes()).into_option().unwrap();
        Odd::new(value).into_option().unwrap()
    }

    /// ψ₁₂ (Jaeschke; Zhang): the least strong pseudoprime to the first 12 prime bases, with no
    /// factor below 1024 (1287836182261 · 2575672364521).
    const PSI_12: &str = "3317044064679887385961981";

    #[test]
    fn fixed_small_bases_are_fooled_by_a_strong_pseudoprime() {
        let candidate = odd(PSI_12);
        let modulus = Paillier2048::mod_p(candidate);
        let fooled = [2u8, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37]
            .into_iter()
            .all(|base| miller_rabin::<Paillier2048>(&modulus, &candidate, &P::from(base)).into());
        assert!(fooled);
        assert!(!bool::from(has_small_factor(candidate.as_ref())));
    }

    #[test]
    fn random_bases_and_lucas_refuse_strong_pseudoprimes() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        // ψ₁₂, and strong pseudoprimes to bases 2 (1050535501) and 2, 3, 5, 7 (2152302898747),
        // all without a factor below 1024, so that the random rounds and Lucas decide.
        for composite in [PSI_12, "1050535501", "2152302898747"] {
            let candidate = odd(composite);
            assert!(
                !bool::from(is_probable_prime::<Paillier2048, _>(&candidate, &mut rng)),
                "{composite} passed"
            );
            let modulus = Paillier2048::mod_p(candidate);
            assert!(!bool::from(lucas::<Paillier2048, _>(
                &modulus, &candidate, &mut rng
            )));
        }
    }

    #[test]
    fn random_bases_and_lucas_accept_primes() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(2);
        let mersenne_127 = "170141183460469231731687303715884105727";
        let top = U1024::MAX.wrapping_sub(&U1024::from(104u8)); // 2^1024 − 105 is prime
        let top = Odd::new(top).into_option().unwrap();
        for candidate in [odd(mersenne_127), odd("1000003"), top] {
            assert!(bool::from(is_probable_prime::<Paillier2048, _>(
                &candidate, &mut rng
            )));
        }
    }
}
