//! Prime generation and primality testing, constant-time in the prime.
//!
//! crypto-primes' own search runs in variable time in its candidates (Baillie–PSW branches on the
//! bits of the candidate) and walks a sieve in steps of 2, so the candidates it rejects are related
//! to the prime it returns, and their rejection pattern leaks that prime's residues. Here every
//! candidate is drawn fresh (crypto-primes' `random_odd_integer`), so a rejected one says nothing
//! about the prime finally accepted; and every test the accepted candidate passes is
//! constant-time: trial division by the odd primes below 2^14 through multiplications by tables
//! built at compile time (no division, whose latency depends on its operands), a base-2 Fermat
//! test and Miller–Rabin rounds with a fixed schedule, on Montgomery forms. Only the verdict is
//! declassified.
//!
//! A prime given from outside (a key file) may have been crafted to pass a fixed set of bases
//! ("Prime and Prejudice", Albrecht et al., 2018), so it meets Miller–Rabin with random bases and a
//! Lucas test with a random parameter, both constant-time in it. crypto-primes' own `hazmat`
//! Miller–Rabin and Lucas tests run in variable time in the candidate, which is secret here.

use core::num::NonZeroU32;

use crypto_bigint::{
    BitOps, Choice, CtEq, CtLt, Limb, Odd, One, RandomBits, WideWord, Word, WrappingShr,
    WrappingSub,
};
use crypto_primes::hazmat::{SetBits, random_odd_integer};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::memcheck::declassify;
use crate::modexp::{PowBy, Residues};
use crate::size::Integer;
use crate::{Error, KeySize, Paillier4096, Result};

/// Miller–Rabin rounds with random bases for a generated prime: with a random candidate that has
/// passed trial division and a Fermat test, 5 rounds put the error far below 2^-100 at 1024 bits
/// and above (FIPS 186-5, Table B.1, asks for 4 to 5).
const GENERATED_ROUNDS: usize = 5;

/// The squarings of a Miller–Rabin round for a generated candidate: the round is exact for every
/// p with 2^65 ∤ p − 1, and a prime with 2^65 | p − 1 (a fraction 2^-64 of them) may fail, to be
/// thrown away like any rejected candidate, independent of the one kept. The `PRIME_BITS` − 1
/// squarings an exact round takes would cost about as much as its exponentiation, for nothing.
const GENERATED_SQUARINGS: u32 = 64;

/// Miller–Rabin rounds with random bases for a prime given from outside, which may be crafted:
/// whatever its construction, a composite passes a round with probability at most 1/4, so 24
/// rounds let one through with probability at most 2^-48 before the Lucas test (and no composite
/// is known that passes both Miller–Rabin and a Lucas test, the Baillie–PSW combination).
const IMPORTED_ROUNDS: usize = 24;

/// Random parameters tried for a Lucas discriminant that is a non-square: each is one with
/// probability about 1/2 for a prime, so a prime exhausts them with probability about 2^-128 (a
/// square, which has none, exhausts them always).
const LUCAS_PARAMETER_TRIES: usize = 128;

/// Trial division tries the odd primes below this bound. Each prime p spares the Fermat test
/// (at 1024 bits 0.3 ms on IFMA, 0.55 on the portable arithmetic) to a fraction 1/p of the
/// candidates, for a few nanoseconds on each: from the costs measured at 1024 bits, the primes
/// between 2^13 and 2^14 about pay for themselves on IFMA and more than pay on the portable
/// arithmetic.
const TRIAL_BOUND: usize = 1 << 14;

/// Limbs of the widest prime (2048 bits, for 4096-bit n): the reduction tables cover that many.
#[allow(
    clippy::integer_division_remainder_used,
    reason = "evaluated at compile time"
)]
const MAX_LIMBS: usize = <<Paillier4096 as KeySize>::P as Integer>::BYTES / Limb::BYTES;

/// The largest product of a batch of trial primes: with m below it, the sums and the reduction in
/// [`has_small_factor`] stay below 2^(2W) and the reduced value below 2^W (W bits in a word).
#[allow(
    clippy::integer_division_remainder_used,
    clippy::cast_possible_truncation,
    reason = "evaluated at compile time, of a small limb count"
)]
const MAX_PRODUCT: Word = Word::MAX / (MAX_LIMBS as Word + 1);

/// Whether each number below [`TRIAL_BOUND`] is composite (the odd ones; even ones are unmarked).
#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range fails the build"
)]
const fn odd_composites() -> [bool; TRIAL_BOUND] {
    let mut composite = [false; TRIAL_BOUND];
    let mut i = 3;
    while i * i < TRIAL_BOUND {
        if !composite[i] {
            let mut multiple = i * i;
            while multiple < TRIAL_BOUND {
                composite[multiple] = true;
                multiple += 2 * i;
            }
        }
        i += 2;
    }
    composite
}

/// How many odd primes lie below [`TRIAL_BOUND`].
#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range fails the build"
)]
const fn trial_prime_count() -> usize {
    let composite = odd_composites();
    let mut count = 0;
    let mut i = 3;
    while i < TRIAL_BOUND {
        if !composite[i] {
            count += 1;
        }
        i += 2;
    }
    count
}

const TRIAL_PRIME_COUNT: usize = trial_prime_count();

/// The odd primes below [`TRIAL_BOUND`], in increasing order.
const TRIAL_PRIMES: [Word; TRIAL_PRIME_COUNT] = trial_primes();

#[allow(
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "evaluated at compile time: an index out of range fails the build, and the primes are \
              below TRIAL_BOUND"
)]
const fn trial_primes() -> [Word; TRIAL_PRIME_COUNT] {
    let composite = odd_composites();
    let mut primes = [0; TRIAL_PRIME_COUNT];
    let mut count = 0;
    let mut i = 3;
    while i < TRIAL_BOUND {
        if !composite[i] {
            primes[count] = i as Word;
            count += 1;
        }
        i += 2;
    }
    primes
}

/// A trial prime d, for the divisibility test of a word t: d divides t if and only if
/// t · d⁻¹ mod 2^W < ⌊(2^W − 1)/d⌋ + 1 (Granlund and Montgomery, 1994, §9), one multiplication
/// and a constant-time comparison instead of a division (whose latency depends on its operands).
#[derive(Clone, Copy)]
struct Divisor {
    /// d⁻¹ mod 2^W.
    inverse: Word,
    /// ⌊(2^W − 1)/d⌋ + 1.
    limit: Word,
}

/// The [`Divisor`] of each trial prime, in the order of [`TRIAL_PRIMES`].
static DIVISORS: [Divisor; TRIAL_PRIME_COUNT] = divisors();

#[allow(
    clippy::indexing_slicing,
    clippy::integer_division_remainder_used,
    reason = "evaluated at compile time: an index out of range fails the build"
)]
const fn divisors() -> [Divisor; TRIAL_PRIME_COUNT] {
    let mut out = [Divisor {
        inverse: 0,
        limit: 0,
    }; TRIAL_PRIME_COUNT];
    let mut i = 0;
    while i < TRIAL_PRIME_COUNT {
        let prime = TRIAL_PRIMES[i];
        out[i] = Divisor {
            inverse: inverse_mod_word(prime),
            limit: Word::MAX / prime + 1,
        };
        i += 1;
    }
    out
}

/// odd⁻¹ mod 2^W by Newton's iteration: odd · odd ≡ 1 (mod 8), and each step doubles the bits
/// that are right (3, 6, …, 96 ≥ 64).
const fn inverse_mod_word(odd: Word) -> Word {
    let mut inverse = odd;
    let mut step = 0;
    while step < 5 {
        inverse = inverse.wrapping_mul((2u8 as Word).wrapping_sub(odd.wrapping_mul(inverse)));
        step += 1;
    }
    inverse
}

/// Consecutive trial primes whose product m is at most [`MAX_PRODUCT`]: one pass over the
/// candidate's limbs reduces it modulo m, and the primes' tests then take one word.
#[derive(Clone, Copy)]
struct Batch {
    /// m, the product of the batch's primes.
    product: Word,
    /// −m⁻¹ mod 2^W, for a Montgomery reduction step.
    neg_inverse: Word,
    /// How many primes, the next ones in [`DIVISORS`].
    primes: usize,
    /// 2^(W·i) mod m for each limb i.
    powers: [Word; MAX_LIMBS],
}

/// The trial primes in batches, greedily in increasing order.
const BATCH_COUNT: usize = batch_count();

static BATCHES: [Batch; BATCH_COUNT] = batches();

#[allow(
    clippy::indexing_slicing,
    clippy::integer_division_remainder_used,
    reason = "evaluated at compile time: an index out of range fails the build"
)]
const fn batch_count() -> usize {
    let mut batches = 0;
    let mut product: Word = 1;
    let mut i = 0;
    while i < TRIAL_PRIME_COUNT {
        let prime = TRIAL_PRIMES[i];
        if product > MAX_PRODUCT / prime {
            batches += 1;
            product = 1;
        }
        product *= prime;
        i += 1;
    }
    batches + 1
}

#[allow(
    clippy::indexing_slicing,
    clippy::integer_division_remainder_used,
    clippy::cast_possible_truncation,
    reason = "evaluated at compile time: an index out of range fails the build, and the powers are \
              reduced below m, a word"
)]
const fn batches() -> [Batch; BATCH_COUNT] {
    let empty = Batch {
        product: 1,
        neg_inverse: 0,
        primes: 0,
        powers: [0; MAX_LIMBS],
    };
    let mut out = [empty; BATCH_COUNT];
    let mut batch = 0;
    let mut i = 0;
    while i < TRIAL_PRIME_COUNT {
        let prime = TRIAL_PRIMES[i];
        if out[batch].product > MAX_PRODUCT / prime {
            batch += 1;
        }
        out[batch].product *= prime;
        out[batch].primes += 1;
        i += 1;
    }
    let mut batch = 0;
    while batch < BATCH_COUNT {
        let m = out[batch].product;
        out[batch].neg_inverse = inverse_mod_word(m).wrapping_neg();
        let mut power = 1 % m;
        let mut limb = 0;
        while limb < MAX_LIMBS {
            out[batch].powers[limb] = power;
            power = (((power as WideWord) << Word::BITS) % (m as WideWord)) as Word;
            limb += 1;
        }
        batch += 1;
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
            passed &= miller_rabin::<S>(
                &modulus,
                candidate.as_ref(),
                &random_base::<S, R>(rng),
                GENERATED_SQUARINGS,
            );
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
        passed &= miller_rabin::<S>(
            &modulus,
            candidate.as_ref(),
            &random_base::<S, R>(rng),
            S::PRIME_BITS,
        );
    }
    passed & lucas::<S, R>(&modulus, candidate, rng)
}

/// A random base in [2, 2^(|p|−1)), below p since p has its top bit set.
fn random_base<S: KeySize, R: CryptoRng + ?Sized>(rng: &mut R) -> S::P {
    let mut base = S::P::random_bits(rng, S::PRIME_BITS - 1);
    base.set_bit(1, Choice::TRUE);
    base
}

/// Whether an odd prime below [`TRIAL_BOUND`] divides `x`, which must be above the bound (every
/// candidate here has its top bit set). Constant-time in `x`: per batch of primes of product m,
/// `x mod m` up to a unit factor from the limbs by products and one Montgomery step, then each
/// prime's test by a multiplication; no division, no branch.
fn has_small_factor<T: Integer>(x: &T) -> Choice {
    const {
        assert!(
            T::BYTES <= MAX_LIMBS * Limb::BYTES,
            "the reduction tables cover MAX_LIMBS limbs"
        );
    };
    let limbs = x.as_limbs();
    let mut divisors = DIVISORS.as_slice();
    let mut divisible = Choice::FALSE;
    for batch in &BATCHES {
        // x ≡ Σ limb_i · (2^(W·i) mod m) (mod m), a sum below MAX_LIMBS · 2^W · m.
        let mut sum: WideWord = 0;
        for (limb, power) in limbs.iter().zip(&batch.powers) {
            sum = sum.wrapping_add(WideWord::from(limb.0).wrapping_mul(WideWord::from(*power)));
        }
        // (sum + q·m) / 2^W with q·m ≡ −sum (mod 2^W): exact, ≡ sum · 2^−W (mod m), and below
        // (MAX_LIMBS + 1) · m ≤ 2^W. 2^−W is a unit mod m: a prime of the batch divides the
        // result exactly when it divides x.
        #[allow(
            clippy::cast_possible_truncation,
            reason = "the low word, then a value below 2^W"
        )]
        let reduced = {
            let q = (sum as Word).wrapping_mul(batch.neg_inverse);
            let sum =
                sum.wrapping_add(WideWord::from(q).wrapping_mul(WideWord::from(batch.product)));
            (sum >> Word::BITS) as Word
        };
        let (primes, rest) = divisors
            .split_at_checked(batch.primes)
            .unwrap_or((divisors, &[]));
        divisors = rest;
        for divisor in primes {
            divisible |= Limb(reduced.wrapping_mul(divisor.inverse)).ct_lt(&Limb(divisor.limit));
        }
    }
    divisible
}

/// 2^(p−1) ≡ 1 (mod p): a cheap filter that every prime passes.
fn fermat<S: KeySize>(modulus: &S::ModP, p: &S::P) -> Choice {
    let one = S::P::one();
    modulus.pow_of_two(&p.wrapping_sub(&one)).ct_eq(&one)
}

/// One Miller–Rabin round: with p − 1 = d · 2^s, p passes for `base` if base^d ≡ 1 or
/// base^(d·2^i) ≡ −1 for some i < min(s, `squarings`). Constant-time: s and d come from
/// constant-time bit operations, and the squarings run `squarings` − 1 times whatever s is, on
/// Montgomery forms (fully reduced, so equal forms are equal residues). Exact with `squarings`
/// at `S::PRIME_BITS`, since s is below it; a smaller bound only ever rejects more.
fn miller_rabin<S: KeySize>(modulus: &S::ModP, p: &S::P, base: &S::P, squarings: u32) -> Choice {
    let minus_one = p.wrapping_sub(&S::P::one());
    let s = minus_one.trailing_zeros();
    let d = minus_one.wrapping_shr(s);
    let one = modulus.one_form();
    let minus_one = modulus.to_form(&minus_one);
    let mut x = modulus.to_form(&modulus.pow(base, &d));
    let mut passed = x.ct_eq(&one) | x.ct_eq(&minus_one);
    for i in 1..squarings {
        x = modulus.square_form(&x);
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
#[allow(
    clippy::integer_division_remainder_used,
    reason = "the tests' oracle divides"
)]
mod tests {
    extern crate std;

    use super::*;
    use crate::{Paillier2048, Paillier3072};
    use crypto_bigint::{NonZero, Random, U512, U1024, U1536, U2048, Uint};
    use num_bigint::BigUint;
    use rand::{RngExt, SeedableRng, rngs::StdRng};
    use std::vec::Vec;

    type P = <Paillier2048 as KeySize>::P;

    fn odd(decimal: &str) -> Odd<P> {
        let value = P::from_decimal(decimal.as_bytes()).into_option().unwrap();
        Odd::new(value).into_option().unwrap()
    }

    fn big<const L: usize>(x: &Uint<L>) -> BigUint {
        BigUint::from_bytes_le(&x.to_le_bytes())
    }

    fn is_prime_u64(n: u64) -> bool {
        n >= 2
            && (2..)
                .take_while(|d| d * d <= n)
                .all(|d| !n.is_multiple_of(d))
    }

    #[test]
    fn the_trial_primes_are_the_odd_primes_below_the_bound() {
        let expected: Vec<Word> = (3..TRIAL_BOUND as Word)
            .filter(|&n| is_prime_u64(n))
            .collect();
        assert_eq!(TRIAL_PRIMES.as_slice(), expected.as_slice());
        // π(2^14) = 1900, less the prime 2.
        assert_eq!(TRIAL_PRIME_COUNT, 1899);
    }

    #[test]
    fn the_batches_cover_the_trial_primes_with_their_tables() {
        let mut primes = TRIAL_PRIMES.iter();
        for batch in &BATCHES {
            let product: u128 = primes
                .by_ref()
                .take(batch.primes)
                .map(|&p| u128::from(p))
                .product();
            assert_eq!(product, u128::from(batch.product));
            assert!(batch.product <= MAX_PRODUCT && batch.primes > 0);
            assert_eq!(batch.product.wrapping_mul(batch.neg_inverse), Word::MAX);
            for (i, power) in batch.powers.iter().enumerate() {
                let bits = Word::BITS as usize * i;
                let expected = BigUint::from(2u8).modpow(&bits.into(), &batch.product.into());
                assert_eq!(BigUint::from(*power), expected);
            }
        }
        assert!(primes.next().is_none());
        // The bound argument: a full sum and its Montgomery step fit.
        assert!(u128::from(MAX_PRODUCT) * (MAX_LIMBS as u128 + 1) <= u128::from(Word::MAX));
    }

    #[test]
    fn the_word_test_of_each_trial_prime_is_divisibility() {
        let mut rng = StdRng::seed_from_u64(3);
        for (&prime, divisor) in TRIAL_PRIMES.iter().zip(&DIVISORS) {
            let mut words =
                Vec::from([0, 1, prime - 1, prime, prime + 1, Word::MAX, Word::MAX - 1]);
            words.extend((0..64).map(|_| rng.random::<Word>()));
            let multiple = prime * rng.random_range(1..=Word::MAX / prime);
            words.extend([
                multiple,
                multiple - 1,
                multiple + 1,
                Word::MAX / prime * prime,
            ]);
            for t in words {
                let test = t.wrapping_mul(divisor.inverse) < divisor.limit;
                assert_eq!(test, t % prime == 0, "{t} by {prime}");
            }
        }
    }

    /// Trial division by `%` on each prime, for comparison.
    fn divisible<const L: usize>(x: &Uint<L>) -> bool {
        TRIAL_PRIMES.iter().any(|&prime| {
            x.rem_limb(NonZero::new(Limb(prime)).unwrap()) == Limb::ZERO
                && big(x) % prime == BigUint::ZERO
        })
    }

    fn matches_remainders<const L: usize>(rng: &mut StdRng) {
        let check = |x: Uint<L>| assert_eq!(bool::from(has_small_factor(&x)), divisible(&x), "{x}");
        let mut without_small_factor = 0;
        for _ in 0..300 {
            let x = Uint::<L>::random_from_rng(rng);
            without_small_factor += usize::from(!divisible(&x));
            check(x);
            check(Uint::from_u64(rng.random()));
            check(Uint::MAX.wrapping_sub(&Uint::from_u64(rng.random_range(0..1000))));
        }
        // About 11 % of random numbers, and each of them tests every prime's false positives.
        assert!(without_small_factor > 10);
        // Each prime, its square, and products with a random number and with another prime.
        for (index, &prime) in TRIAL_PRIMES.iter().enumerate() {
            let prime = Uint::<L>::from_u64(prime);
            let other = Uint::<L>::from_u64(TRIAL_PRIMES[rng.random_range(0..TRIAL_PRIME_COUNT)]);
            let random = Uint::<L>::random_bits(rng, Uint::<L>::BITS - 16);
            for x in [
                prime.wrapping_mul(&prime),
                prime.wrapping_mul(&other),
                prime.wrapping_mul(&random),
            ] {
                assert!(bool::from(has_small_factor(&x)), "{x}");
            }
            if index % 64 == 0 {
                check(prime.wrapping_mul(&random).wrapping_add(&Uint::ONE));
            }
        }
        // Primes just above the bound and their products have no factor below it.
        let above: Vec<u64> = (TRIAL_BOUND as u64..)
            .filter(|&n| is_prime_u64(n))
            .take(8)
            .collect();
        for pair in above.windows(2) {
            let x = Uint::<L>::from_u64(pair[0]).wrapping_mul(&Uint::<L>::from_u64(pair[1]));
            assert!(!bool::from(has_small_factor(&x)), "{x}");
            assert!(!bool::from(has_small_factor(&Uint::<L>::from_u64(pair[0]))));
        }
        // Powers of two have no odd factor.
        for shift in [0, 1, 63, 64, Uint::<L>::BITS - 1] {
            assert!(!bool::from(has_small_factor(&Uint::<L>::ONE.shl(shift))));
        }
    }

    #[test]
    fn trial_division_matches_remainders_at_every_prime_width() {
        let mut rng = StdRng::seed_from_u64(4);
        matches_remainders::<{ U512::LIMBS }>(&mut rng);
        matches_remainders::<{ U1024::LIMBS }>(&mut rng);
        matches_remainders::<{ U1536::LIMBS }>(&mut rng);
        matches_remainders::<{ U2048::LIMBS }>(&mut rng);
    }

    /// Miller–Rabin looking for −1 in the first `squarings` − 1 squarings, and the base-2 Fermat
    /// test, by num-bigint, for comparison.
    fn reference(n: &BigUint, base: &BigUint, squarings: u64) -> (bool, bool) {
        let one = BigUint::from(1u8);
        let minus_one = n - &one;
        let s = minus_one.trailing_zeros().unwrap_or(0);
        let mut x = base.modpow(&(&minus_one >> s), n);
        let mut strong = x == one || x == minus_one;
        for _ in 1..s.min(squarings) {
            x = &x * &x % n;
            strong |= x == minus_one;
        }
        (strong, BigUint::from(2u8).modpow(&minus_one, n) == one)
    }

    /// Miller–Rabin, exact and as bounded for generated candidates, and Fermat against
    /// [`reference`]; the exact verdict.
    fn matches_reference<S: KeySize<P = Uint<L>>, const L: usize>(
        n: Odd<Uint<L>>,
        base: Uint<L>,
    ) -> bool {
        let modulus = S::mod_p(n);
        let fermat = fermat::<S>(&modulus, n.as_ref()).into();
        let mut exact = false;
        for squarings in [S::PRIME_BITS, GENERATED_SQUARINGS] {
            let expected = reference(&big(n.as_ref()), &big(&base), squarings.into());
            let strong = miller_rabin::<S>(&modulus, n.as_ref(), &base, squarings).into();
            assert_eq!((strong, fermat), expected, "{n} to base {base}");
            exact |= squarings == S::PRIME_BITS && strong;
        }
        exact
    }

    #[test]
    fn miller_rabin_and_fermat_match_a_plain_computation() {
        let mut rng = StdRng::seed_from_u64(5);
        let random_odd =
            |rng: &mut StdRng| Odd::new(U1024::random_from_rng(rng) | U1024::ONE).unwrap();
        for _ in 0..20 {
            let n = random_odd(&mut rng);
            matches_reference::<Paillier2048, { U1024::LIMBS }>(
                n,
                random_base::<Paillier2048, _>(&mut rng),
            );
        }
        // Primes, whose every base passes, and composites that pass for some bases: Fermat
        // pseudoprimes to base 2 (341, 561) and strong ones.
        let prime =
            crypto_primes::random_prime::<U1024, _>(&mut rng, crypto_primes::Flavor::Any, 1024);
        let strong = [
            PSI_12,
            PSI_13,
            "3825123056546413051",
            "2047",
            "1373653",
            "25326001",
        ];
        for n in [
            prime,
            U1024::from(341u16),
            U1024::from(561u16),
            U1024::from(1_000_003u32),
        ]
        .into_iter()
        .chain(strong.into_iter().map(|n| *odd(n).as_ref()))
        {
            let n = Odd::new(n).unwrap();
            for base in [2u8, 3, 5, 7] {
                matches_reference::<Paillier2048, { U1024::LIMBS }>(n, U1024::from(base));
            }
            matches_reference::<Paillier2048, { U1024::LIMBS }>(
                n,
                random_base::<Paillier2048, _>(&mut rng),
            );
        }
        let prime =
            crypto_primes::random_prime::<U1536, _>(&mut rng, crypto_primes::Flavor::Any, 1536);
        matches_reference::<Paillier3072, { U1536::LIMBS }>(
            Odd::new(prime).unwrap(),
            random_base::<Paillier3072, _>(&mut rng),
        );
    }

    /// A 1024-bit prime p = k · 2^s + 1 with k odd, and a base that is not a square mod p: its
    /// −1 comes at squaring s − 1 exactly, since base^((p−1)/2) ≡ −1.
    fn prime_with_twos(s: u32, rng: &mut StdRng) -> (Odd<U1024>, U1024) {
        let prime = core::iter::repeat_with(|| {
            let k = U1024::random_bits(rng, 1024 - s) | U1024::ONE.shl(1023 - s) | U1024::ONE;
            k.shl(s) | U1024::ONE
        })
        .find(|n| crypto_primes::is_prime(crypto_primes::Flavor::Any, n))
        .unwrap();
        let n = big(&prime);
        let minus_one = &n - 1u8;
        let half = &minus_one >> 1;
        let base = core::iter::repeat_with(|| random_base::<Paillier2048, _>(rng))
            .find(|base| big(base).modpow(&half, &n) == minus_one)
            .unwrap();
        (Odd::new(prime).unwrap(), base)
    }

    #[test]
    fn the_generated_round_is_exact_to_the_sixty_fourth_power_of_two() {
        let mut rng = StdRng::seed_from_u64(6);
        let bounded = |prime: &Odd<U1024>, base: &U1024| -> bool {
            let modulus = Paillier2048::mod_p(*prime);
            miller_rabin::<Paillier2048>(&modulus, prime, base, GENERATED_SQUARINGS).into()
        };
        // s = 64: the −1 at squaring 63, the last one the bound looks at.
        let (prime, base) = prime_with_twos(64, &mut rng);
        assert!(matches_reference::<Paillier2048, { U1024::LIMBS }>(
            prime, base
        ));
        assert!(bounded(&prime, &base));
        // s = 65: at squaring 64, one past the bound: only the exact round accepts. The base's
        // square has its −1 one squaring earlier, and passes both.
        let (prime, base) = prime_with_twos(65, &mut rng);
        assert!(matches_reference::<Paillier2048, { U1024::LIMBS }>(
            prime, base
        ));
        assert!(!bounded(&prime, &base));
        let square = Paillier2048::mod_p(prime).mul(&base, &base);
        assert!(matches_reference::<Paillier2048, { U1024::LIMBS }>(
            prime, square
        ));
        assert!(bounded(&prime, &square));
    }

    /// ψ₁₂ (Jiang and Deng, 2014): the least strong pseudoprime to the first 12 prime bases
    /// (399165290221 · 798330580441).
    const PSI_12: &str = "318665857834031151167461";

    /// ψ₁₃ (Jiang and Deng): the least strong pseudoprime to the first 13 prime bases
    /// (1287836182261 · 2575672364521).
    const PSI_13: &str = "3317044064679887385961981";

    #[test]
    fn fixed_small_bases_are_fooled_by_strong_pseudoprimes() {
        for composite in [PSI_12, PSI_13] {
            let candidate = odd(composite);
            let modulus = Paillier2048::mod_p(candidate);
            let fooled = [2u8, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37]
                .into_iter()
                .all(|base| {
                    miller_rabin::<Paillier2048>(
                        &modulus,
                        &candidate,
                        &P::from(base),
                        Paillier2048::PRIME_BITS,
                    )
                    .into()
                });
            assert!(fooled, "{composite}");
            assert!(!bool::from(has_small_factor(candidate.as_ref())));
        }
    }

    #[test]
    fn random_bases_and_lucas_refuse_strong_pseudoprimes() {
        let mut rng = StdRng::seed_from_u64(1);
        // ψ₁₂, ψ₁₃ and ψ₁₁ (3825123056546413051 = 149491 · 747451 · 34233211) have no factor below
        // the trial bound; strong pseudoprimes to bases 2 (1050535501 = 12251 · 85751) and 2, 3,
        // 5, 7 (2152302898747 = 6763 · 10627 · 29947) do, so the rounds and Lucas are also asked
        // on their own.
        for composite in [
            PSI_12,
            PSI_13,
            "3825123056546413051",
            "1050535501",
            "2152302898747",
        ] {
            let candidate = odd(composite);
            assert!(
                !bool::from(is_probable_prime::<Paillier2048, _>(&candidate, &mut rng)),
                "{composite} passed"
            );
            let modulus = Paillier2048::mod_p(candidate);
            let mut rounds = Choice::TRUE;
            for _ in 0..IMPORTED_ROUNDS {
                let base = random_base::<Paillier2048, _>(&mut rng);
                rounds &= miller_rabin::<Paillier2048>(
                    &modulus,
                    &candidate,
                    &base,
                    Paillier2048::PRIME_BITS,
                );
            }
            assert!(!bool::from(rounds), "{composite} passed the rounds");
            assert!(!bool::from(lucas::<Paillier2048, _>(
                &modulus, &candidate, &mut rng
            )));
        }
    }

    #[test]
    fn random_bases_and_lucas_accept_primes() {
        let mut rng = StdRng::seed_from_u64(2);
        let mersenne_127 = "170141183460469231731687303715884105727";
        let top = U1024::MAX.wrapping_sub(&U1024::from(104u8)); // 2^1024 − 105 is prime
        let top = Odd::new(top).into_option().unwrap();
        for candidate in [odd(mersenne_127), odd("1000003"), top] {
            assert!(bool::from(is_probable_prime::<Paillier2048, _>(
                &candidate, &mut rng
            )));
        }
    }

    #[test]
    fn generated_primes_have_their_size_and_pass() {
        let mut rng = StdRng::seed_from_u64(6);
        for _ in 0..3 {
            let p = random_prime::<Paillier2048, _>(&mut rng, &mut || false).unwrap();
            assert_eq!(p.bit_width_vartime(), 1024);
            assert!(p.bit(1022).to_bool());
            let p = Odd::new(p).unwrap();
            assert!(bool::from(is_probable_prime::<Paillier2048, _>(
                &p, &mut rng
            )));
            let big_p = big(p.as_ref());
            assert!(BigUint::from(3u8).modpow(&(&big_p - 1u8), &big_p) == BigUint::from(1u8));
        }
    }
}
