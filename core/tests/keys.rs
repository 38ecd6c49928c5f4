//! Key generation and validation, secrecy of `Debug`, equality and zeroization.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::integer_division_remainder_used,
    reason = "tests panic to fail and compute their oracle with plain division"
)]

mod common;

use common::{big, dec, uint};
use hecate::crypto_bigint::I64;
use hecate::{
    Error, InsecureTest1024, KeySize, Paillier2048, Paillier3072, Paillier4096, Plaintext,
    PrivateKey, PublicKey,
};
use num_bigint::BigUint;
use zeroize::Zeroize;

type Small = InsecureTest1024;

/// Two 512-bit primes with their two top bits set (python-paillier's 1024-bit test key).
fn primes() -> (BigUint, BigUint) {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("vectors/python_paillier.json")).expect("JSON");
    let key = &vectors["keys"][0];
    assert_eq!(key["bits"], 1024);
    (
        dec(key["p"].as_str().expect("p")),
        dec(key["q"].as_str().expect("q")),
    )
}

fn key_from(p: &BigUint, q: &BigUint) -> Result<PrivateKey<Small>, Error> {
    PrivateKey::from_primes(uint(p), uint(q), &mut common::rng(1))
}

#[test]
fn generated_keys_have_exact_sizes_at_every_size() {
    fn check<S: KeySize>(seed: u64) {
        let key = PrivateKey::<S>::generate(&mut common::rng(seed)).expect("keygen");
        let (p, q) = key.primes();
        let (p, q, n) = (big(p), big(q), big(key.public_key().n()));
        assert_eq!(n.bits(), u64::from(S::BITS));
        assert_eq!(
            (p.bits(), q.bits()),
            (u64::from(S::PRIME_BITS), u64::from(S::PRIME_BITS))
        );
        assert_ne!(p, q);
        assert_eq!(&p * &q, n);
        let mut rng = common::rng(seed ^ 1);
        let m = Plaintext::from_u64(seed);
        let c = key.public_key().encrypt(&m, &mut rng).expect("encrypt");
        assert_eq!(key.decrypt(&c).expect("decrypt"), m, "{} bits", S::BITS);
    }
    for seed in 0..8 {
        check::<Small>(seed);
    }
    check::<Paillier2048>(1);
    check::<Paillier3072>(2);
    check::<Paillier4096>(3);
}

#[test]
fn key_generation_stops_when_cancelled() {
    let cancelled = PrivateKey::<Paillier4096>::generate_cancellable(&mut common::rng(1), || true);
    assert_eq!(cancelled.err(), Some(Error::Cancelled));

    // Cancelled part way, after the search has looked at some candidates.
    let mut asked = 0;
    let cancelled = PrivateKey::<Paillier4096>::generate_cancellable(&mut common::rng(2), || {
        asked += 1;
        asked > 20
    });
    assert_eq!(cancelled.err(), Some(Error::Cancelled));
    assert_eq!(asked, 21, "stops at the first yes");

    // Never cancelled: a valid key, asked at least once per prime.
    let mut asked = 0;
    let key = PrivateKey::<Small>::generate_cancellable(&mut common::rng(3), || {
        asked += 1;
        false
    })
    .expect("keygen");
    assert!(asked >= 2, "{asked}");
    let m = Plaintext::from_u64(7);
    let c = key
        .public_key()
        .encrypt(&m, &mut common::rng(4))
        .expect("encrypt");
    assert_eq!(key.decrypt(&c).expect("decrypt"), m);
}

#[test]
fn valid_primes_make_a_key_in_either_order() {
    let (p, q) = primes();
    let key = key_from(&p, &q).expect("valid");
    let swapped = key_from(&q, &p).expect("valid");
    assert_eq!(key.public_key(), swapped.public_key());
    assert_ne!(key, swapped, "p and q are kept in the order given");
    let c = key
        .public_key()
        .encrypt(&Plaintext::from_u64(99), &mut common::rng(5))
        .expect("encrypt");
    assert_eq!(
        swapped.decrypt(&c).expect("decrypt"),
        Plaintext::from_u64(99)
    );
}

#[test]
fn invalid_primes_are_refused_with_the_reason() {
    let (p, q) = primes();
    assert_eq!(key_from(&(&p + 1u32), &q).err(), Some(Error::EvenModulus));
    assert_eq!(key_from(&p, &p).err(), Some(Error::EqualPrimes));
    // An odd composite of exactly 512 bits: (2^256 − 1)(2^256 − 3).
    let composite =
        ((BigUint::from(1u32) << 256u32) - 1u32) * ((BigUint::from(1u32) << 256u32) - 3u32);
    assert_eq!(composite.bits(), 512);
    assert_eq!(key_from(&composite, &q).err(), Some(Error::NotPrime));
    // Right parity, wrong size.
    assert_eq!(
        key_from(&BigUint::from(1_000_003u32), &q).err(),
        Some(Error::PrimeSize)
    );
    assert_eq!(
        key_from(&p, &(&q >> 1u32 | BigUint::from(1u32))).err(),
        Some(Error::PrimeSize)
    );
}

#[test]
fn components_must_match_the_public_key() {
    let (p, q) = primes();
    let key = key_from(&p, &q).expect("valid");
    let public = key.public_key().clone();
    assert!(PrivateKey::from_components(&public, uint(&p), uint(&q), &mut common::rng(2)).is_ok());
    let other = PrivateKey::<Small>::generate(&mut common::rng(9)).expect("keygen");
    assert_eq!(
        PrivateKey::from_components(other.public_key(), uint(&p), uint(&q), &mut common::rng(3))
            .err(),
        Some(Error::ModulusMismatch)
    );
}

#[test]
fn public_keys_are_checked() {
    let (p, q) = primes();
    let n = &p * &q;
    assert!(PublicKey::<Small>::from_n(uint(&n)).is_ok());
    assert_eq!(
        PublicKey::<Small>::from_n(uint(&(&n + 1u32))).err(),
        Some(Error::EvenModulus)
    );
    assert_eq!(
        PublicKey::<Small>::from_n(uint(&(&n >> 1u32 | BigUint::from(1u32)))).err(),
        Some(Error::ModulusSize {
            expected: 1024,
            actual: 1023
        })
    );
}

#[test]
fn debug_shows_no_secret() {
    let (p, q) = primes();
    let key = key_from(&p, &q).expect("valid");
    let shown = format!("{key:?}").to_lowercase();
    assert!(shown.contains("publickey"), "{shown}");
    for secret in [&p, &q] {
        for form in [secret.to_str_radix(16), secret.to_str_radix(10)] {
            // Any 32-digit run of the secret would be a leak.
            assert!(!shown.contains(&form[..32]), "Debug leaks a prime: {shown}");
        }
    }
    let m = Plaintext::<Small>::from_u64(0xdead_beef);
    assert_eq!(format!("{m:?}"), "Plaintext(<redacted>)");
}

#[test]
fn equality_and_zeroization() {
    let (p, q) = primes();
    let mut key = key_from(&p, &q).expect("valid");
    assert_eq!(key, key_from(&p, &q).expect("valid"));
    assert_ne!(
        key,
        PrivateKey::<Small>::generate(&mut common::rng(3)).expect("keygen")
    );
    key.zeroize();
    let (zp, zq) = key.primes();
    assert_eq!((big(zp), big(zq)), (BigUint::ZERO, BigUint::ZERO));
}

#[test]
fn error_messages_say_what_is_wrong() {
    let message = Error::ModulusSize {
        expected: 2048,
        actual: 2047,
    }
    .to_string();
    assert_eq!(
        message,
        "modulus has 2047 bits, the key size needs exactly 2048"
    );
    assert_eq!(
        Error::InvalidCiphertext.to_string(),
        "ciphertext is not in Z*_{n²}"
    );
}

#[test]
fn values_of_another_key_are_refused() {
    let mut rng = common::rng(31);
    let ours = PrivateKey::<Small>::generate(&mut rng).expect("keygen");
    let theirs = PrivateKey::<Small>::generate(&mut rng).expect("keygen");
    let (public, other) = (ours.public_key(), theirs.public_key());
    let c = public
        .encrypt(&Plaintext::from_u64(7), &mut rng)
        .expect("encrypts");
    let foreign = other
        .encrypt(&Plaintext::from_u64(7), &mut rng)
        .expect("encrypts");
    assert_eq!(ours.decrypt(&foreign), Err(Error::KeyMismatch));
    assert_eq!(public.add(&c, &foreign), Err(Error::KeyMismatch));
    assert_eq!(public.sub(&c, &foreign), Err(Error::KeyMismatch));
    assert_eq!(public.neg(&foreign), Err(Error::KeyMismatch));
    assert_eq!(
        public.rerandomize(&foreign, &mut rng),
        Err(Error::KeyMismatch)
    );
    assert_eq!(
        ours.rerandomize(&foreign, &mut rng),
        Err(Error::KeyMismatch)
    );
    assert_eq!(
        public.mul_scalar(&foreign, &I64::ONE),
        Err(Error::KeyMismatch)
    );
    // A plaintext checked against, or decrypted with, another key is refused too; a small one
    // made with from_u64 fits every key.
    let their_plaintext = other
        .plaintext((*other.n()).wrapping_sub(&1u8.into()))
        .expect("below n");
    assert_eq!(
        public.encrypt(&their_plaintext, &mut rng),
        Err(Error::KeyMismatch)
    );
    assert_eq!(
        public.add_plaintext(&c, &their_plaintext),
        Err(Error::KeyMismatch)
    );
    let decrypted = theirs.decrypt(&foreign).expect("decrypts");
    assert_eq!(ours.encrypt(&decrypted, &mut rng), Err(Error::KeyMismatch));
    assert!(public.add_plaintext(&c, &Plaintext::from_u64(1)).is_ok());
}

#[test]
fn raw_encryption_refuses_randomness_outside_the_unit_group() {
    use hecate::hazmat::{encrypt_crt_with_nonce, encrypt_with_nonce};
    let (p, q) = primes();
    let key = key_from(&p, &q).expect("valid");
    let public = key.public_key();
    let m = Plaintext::from_u64(5);
    for r in [BigUint::ZERO, p.clone(), &q * 3u32, &p * &q, &p * &q + 1u32] {
        let r = uint(&r);
        assert_eq!(encrypt_with_nonce(public, &m, &r), Err(Error::InvalidNonce));
        assert_eq!(
            encrypt_crt_with_nonce(&key, &m, &r),
            Err(Error::InvalidNonce)
        );
    }
    assert!(encrypt_with_nonce(public, &m, &uint(&BigUint::from(2u32))).is_ok());
}
