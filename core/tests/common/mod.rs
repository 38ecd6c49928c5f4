//! Shared helpers for the core's integration tests: num-bigint oracle and converters.

#![allow(dead_code, reason = "each test crate uses a different part")]

use hecate::crypto_bigint::Limb;
use hecate::{Integer, KeySize, PrivateKey};
use num_bigint::BigUint;
use num_integer::Integer as _;
use num_traits::{One, Zero};
use proptest::test_runner::{Config as ProptestConfig, FileFailurePersistence};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// Proptest settings: `cases` cases, failures saved beside the test file.
pub fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

/// A deterministic cryptographic RNG, so that failures reproduce.
pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// A fixed-width integer as a `BigUint`.
pub fn big<T: Integer>(x: &T) -> BigUint {
    let bytes: Vec<u8> = x
        .as_limbs()
        .iter()
        .flat_map(|limb| limb.0.to_le_bytes())
        .collect();
    BigUint::from_bytes_le(&bytes)
}

/// A `BigUint` as a fixed-width integer; panics if it does not fit.
pub fn uint<T: Integer>(x: &BigUint) -> T {
    let mut out = T::default();
    let digits = x.to_u64_digits();
    assert!(digits.len() <= out.nlimbs(), "{x} does not fit");
    for (limb, digit) in out.as_mut_limbs().iter_mut().zip(digits) {
        *limb = Limb(digit);
    }
    out
}

/// Parses a decimal string.
pub fn dec(s: &str) -> BigUint {
    s.parse().expect("decimal integer")
}

/// (n, p, q) of a key, as `BigUint`s.
pub fn parts<S: KeySize>(key: &PrivateKey<S>) -> (BigUint, BigUint, BigUint) {
    let (p, q) = key.primes();
    (big(key.public_key().n()), big(p), big(q))
}

/// Textbook Paillier encryption with g = n + 1.
pub fn oracle_encrypt(n: &BigUint, m: &BigUint, r: &BigUint) -> BigUint {
    let n2 = n * n;
    ((BigUint::one() + m * n) * r.modpow(n, &n2)) % n2
}

/// Textbook Paillier decryption: m = L(c^λ mod n²) · μ mod n, λ = lcm(p − 1, q − 1).
pub fn oracle_decrypt(p: &BigUint, q: &BigUint, c: &BigUint) -> BigUint {
    let n = p * q;
    let n2 = &n * &n;
    let lambda = (p - 1u32).lcm(&(q - 1u32));
    let l = |x: BigUint| (x - 1u32) / &n;
    let mu = l((&n + 1u32).modpow(&lambda, &n2))
        .modinv(&n)
        .expect("μ exists for a valid key");
    (l(c.modpow(&lambda, &n2)) * mu) % n
}

/// a⁻¹ mod m.
pub fn inverse(a: &BigUint, m: &BigUint) -> BigUint {
    a.modinv(m).expect("invertible")
}

/// Whether gcd(a, b) = 1.
pub fn coprime(a: &BigUint, b: &BigUint) -> bool {
    a.gcd(b).is_one()
}

/// Reduces random bytes below `bound` (a strategy helper; the bias does not matter in tests).
pub fn below(bytes: &[u8], bound: &BigUint) -> BigUint {
    if bound.is_zero() {
        return BigUint::zero();
    }
    BigUint::from_bytes_le(bytes) % bound
}
