//! Paillier operations against a num-bigint oracle, and the homomorphic laws, at the insecure
//! test size and at 2048 bits.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::integer_division_remainder_used,
    reason = "tests panic to fail and compute their oracle with plain division"
)]

mod common;

use common::{below, big, coprime, inverse, oracle_decrypt, oracle_encrypt, parts, uint};
use hecate::crypto_bigint::{I64, I128, Int};
use hecate::hazmat::{encrypt_crt_with_nonce, encrypt_with_nonce};
use hecate::{Ciphertext, Error, KeySize, Plaintext, PrivateKey, PublicKey};
use num_bigint::{BigInt, BigUint, Sign};
use num_traits::{One, Zero};
use proptest::prelude::*;

fn plaintext<S: KeySize>(key: &PublicKey<S>, m: &BigUint) -> Plaintext<S> {
    key.plaintext(uint(m)).expect("m < n")
}

fn encrypt<S: KeySize>(key: &PrivateKey<S>, m: &BigUint, seed: u64) -> Ciphertext<S> {
    key.public_key()
        .encrypt(&plaintext(key.public_key(), m), &mut common::rng(seed))
        .expect("encrypt")
}

fn decrypt<S: KeySize>(key: &PrivateKey<S>, c: &Ciphertext<S>) -> BigUint {
    big(key.decrypt(c).expect("decrypt").value())
}

/// k mod n for a signed k.
fn signed_mod(k: &BigInt, n: &BigUint) -> BigUint {
    let n = BigInt::from_biguint(Sign::Plus, n.clone());
    ((k % &n + &n) % &n).to_biguint().expect("non-negative")
}

/// Random bytes enough for a value of `bits` bits plus slack.
fn bytes(bits: u32) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), (bits / 8 + 8) as usize)
}

macro_rules! properties {
    ($module:ident, $size:ty, $cases:expr, $seed:expr) => {
        mod $module {
            use super::*;
            use std::sync::LazyLock;

            type S = $size;

            static KEY: LazyLock<PrivateKey<S>> = LazyLock::new(|| {
                PrivateKey::generate(&mut common::rng($seed)).expect("key generation")
            });

            fn n() -> BigUint {
                big(KEY.public_key().n())
            }

            proptest! {
                #![proptest_config(common::config($cases))]

                #[test]
                fn encryption_matches_oracle(m in bytes(S::BITS), r in bytes(S::BITS)) {
                    let (n, _, _) = parts(&*KEY);
                    let m = below(&m, &n);
                    let r = below(&r, &(&n - 1u32)) + 1u32;
                    prop_assume!(coprime(&r, &n));
                    let public = KEY.public_key();
                    let expected = oracle_encrypt(&n, &m, &r);
                    let by_public = encrypt_with_nonce(public, &plaintext(public, &m), &uint(&r)).expect("encrypt with nonce");
                    let by_crt = encrypt_crt_with_nonce(&*KEY, &plaintext(public, &m), &uint(&r)).expect("encrypt crt with nonce");
                    prop_assert_eq!(big(by_public.value()), expected.clone());
                    prop_assert_eq!(big(by_crt.value()), expected);
                    prop_assert_eq!(decrypt(&*KEY, &by_crt), m);
                }

                #[test]
                fn decryption_matches_oracle(c in bytes(2 * S::BITS)) {
                    let (n, p, q) = parts(&*KEY);
                    let c = below(&c, &(&n * &n));
                    prop_assume!(coprime(&c, &n));
                    let c = KEY.public_key().ciphertext(uint(&c)).expect("valid ciphertext");
                    prop_assert_eq!(decrypt(&*KEY, &c), oracle_decrypt(&p, &q, &big(c.value())));
                }

                #[test]
                fn random_encryptions_decrypt(m in bytes(S::BITS), seed in any::<u64>()) {
                    let m = below(&m, &n());
                    let public = KEY.public_key();
                    let by_public = encrypt(&*KEY, &m, seed);
                    // The key holder draws r^n without r (x^p mod p², x^q mod q²): another
                    // ciphertext of the same plaintext. Decrypting it right shows c/g^m is an
                    // n-th residue (c^(p−1) ≡ g^(m(p−1)) mod p² and likewise mod q²).
                    let by_crt = KEY.encrypt(&plaintext(public, &m), &mut common::rng(seed)).expect("encrypt");
                    prop_assert_ne!(by_public, by_crt);
                    prop_assert_ne!(by_public, encrypt(&*KEY, &m, seed ^ 1));
                    prop_assert_ne!(by_crt, KEY.encrypt(&plaintext(public, &m), &mut common::rng(seed ^ 1)).expect("encrypt"));
                    prop_assert_eq!(decrypt(&*KEY, &by_public), m.clone());
                    prop_assert_eq!(decrypt(&*KEY, &by_crt), m);
                }

                #[test]
                fn addition(a in bytes(S::BITS), b in bytes(S::BITS), seed in any::<u64>()) {
                    let n = n();
                    let (a, b) = (below(&a, &n), below(&b, &n));
                    let public = KEY.public_key();
                    let (ca, cb) = (encrypt(&*KEY, &a, seed), encrypt(&*KEY, &b, seed ^ 1));
                    let sum = public.add(&ca, &cb).expect("add");
                    prop_assert_eq!(big(sum.value()), big(ca.value()) * big(cb.value()) % (&n * &n));
                    prop_assert_eq!(decrypt(&*KEY, &sum), (&a + &b) % &n);
                    let plain_sum = public.add_plaintext(&ca, &plaintext(public, &b)).expect("add plaintext");
                    prop_assert_eq!(decrypt(&*KEY, &plain_sum), (&a + &b) % &n);
                }

                #[test]
                fn negation_and_subtraction(a in bytes(S::BITS), b in bytes(S::BITS), seed in any::<u64>()) {
                    let n = n();
                    let (a, b) = (below(&a, &n), below(&b, &n));
                    let public = KEY.public_key();
                    let (ca, cb) = (encrypt(&*KEY, &a, seed), encrypt(&*KEY, &b, seed ^ 1));
                    let negated = public.neg(&ca).expect("valid ciphertext");
                    prop_assert_eq!(big(negated.value()), inverse(&big(ca.value()), &(&n * &n)));
                    prop_assert_eq!(decrypt(&*KEY, &negated), (&n - &a) % &n);
                    let difference = public.sub(&ca, &cb).expect("valid ciphertext");
                    prop_assert_eq!(decrypt(&*KEY, &difference), (&a + &n - &b) % &n);
                }

                #[test]
                fn scalar_multiplication(a in bytes(S::BITS), k in any::<i64>(), seed in any::<u64>()) {
                    let n = n();
                    let n2 = &n * &n;
                    let a = below(&a, &n);
                    let c = encrypt(&*KEY, &a, seed);
                    let product = KEY.public_key().mul_scalar(&c, &I64::from_i64(k)).expect("valid");
                    let base = if k < 0 { inverse(&big(c.value()), &n2) } else { big(c.value()) };
                    prop_assert_eq!(big(product.value()), base.modpow(&BigUint::from(k.unsigned_abs()), &n2));
                    prop_assert_eq!(decrypt(&*KEY, &product), signed_mod(&(BigInt::from(k) * BigInt::from(a)), &n));
                }

                #[test]
                fn wide_scalar_multiplication(a in bytes(S::BITS), k in any::<i128>(), seed in any::<u64>()) {
                    let n = n();
                    let a = below(&a, &n);
                    let c = encrypt(&*KEY, &a, seed);
                    let product = KEY.public_key().mul_scalar(&c, &I128::from_i128(k)).expect("valid");
                    prop_assert_eq!(decrypt(&*KEY, &product), signed_mod(&(BigInt::from(k) * BigInt::from(a)), &n));
                }

                #[test]
                fn rerandomization(m in bytes(S::BITS), seed in any::<u64>()) {
                    let m = below(&m, &n());
                    let c = encrypt(&*KEY, &m, seed);
                    let by_public = KEY.public_key().rerandomize(&c, &mut common::rng(seed ^ 2)).expect("rerandomize");
                    let by_crt = KEY.rerandomize(&c, &mut common::rng(seed ^ 3)).expect("rerandomize");
                    prop_assert_ne!(by_public, c);
                    prop_assert_ne!(by_crt, c);
                    prop_assert_ne!(by_crt, by_public);
                    prop_assert_eq!(decrypt(&*KEY, &by_public), m.clone());
                    prop_assert_eq!(decrypt(&*KEY, &by_crt), m);
                }

                #[test]
                fn ciphertext_validation(c in bytes(2 * S::BITS), k in bytes(S::BITS)) {
                    let (n, p, q) = parts(&*KEY);
                    let n2 = &n * &n;
                    let public = KEY.public_key();
                    let c = below(&c, &n2);
                    prop_assert_eq!(public.ciphertext(uint(&c)).is_ok(), !c.is_zero() && coprime(&c, &n));
                    // Multiples of p or of q are not in Z*_{n²}.
                    let k = below(&k, &(&n - 1u32)) + 1u32;
                    for factor in [&p, &q] {
                        let multiple = (factor * &k) % &n2;
                        prop_assert_eq!(public.ciphertext(uint(&multiple)), Err(Error::InvalidCiphertext));
                    }
                }

                #[test]
                fn plaintext_range(m in bytes(S::BITS)) {
                    let n = n();
                    let m = below(&m, &(BigUint::one() << S::BITS));
                    let accepted = KEY.public_key().plaintext(uint(&m));
                    prop_assert_eq!(accepted.is_ok(), m < n);
                }
            }

            #[test]
            fn ciphertexts_at_the_edges_are_refused() {
                let n = n();
                let n2 = &n * &n;
                let public = KEY.public_key();
                let max = (BigUint::one() << (2 * S::BITS)) - 1u32;
                for c in [BigUint::zero(), n.clone(), &n2 - &n, n2.clone(), &n2 + 1u32, max] {
                    assert_eq!(public.ciphertext(uint(&c)), Err(Error::InvalidCiphertext), "{c}");
                }
                assert!(public.ciphertext(uint(&BigUint::one())).is_ok());
                assert!(public.ciphertext(uint(&(&n2 - 1u32))).is_ok());
            }

            #[test]
            fn key_has_the_exact_sizes() {
                let (n, p, q) = parts(&*KEY);
                assert_eq!(n.bits(), u64::from(S::BITS));
                assert_eq!(p.bits(), u64::from(S::PRIME_BITS));
                assert_eq!(q.bits(), u64::from(S::PRIME_BITS));
                assert_ne!(p, q);
                assert_eq!(&p * &q, n);
            }

            #[test]
            fn scalar_zero_and_one() {
                let m = BigUint::from(123_456_789u64);
                let c = encrypt(&*KEY, &m, 7);
                let public = KEY.public_key();
                let zero = public.mul_scalar(&c, &Int::<1>::ZERO).expect("valid");
                assert_eq!(decrypt(&*KEY, &zero), BigUint::zero());
                let one = public.mul_scalar(&c, &Int::<1>::ONE).expect("valid");
                assert_eq!(one, c);
                let minus_one = public.mul_scalar(&c, &Int::<1>::MINUS_ONE).expect("valid");
                assert_eq!(minus_one, public.neg(&c).expect("valid"));
            }
        }
    };
}

properties!(insecure_1024, hecate::InsecureTest1024, 64, 1024);
properties!(paillier_2048, hecate::Paillier2048, 12, 2048);
