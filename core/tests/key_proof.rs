//! The proof that gcd(n, φ(n)) = 1: honest keys prove, crafted bad moduli cannot, and the
//! challenges are exactly the ones the module documents (recomputed here with num-bigint).

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::integer_division_remainder_used,
    reason = "tests panic to fail and compute their oracle with plain division"
)]

mod common;

use common::{big, rng, uint};
use crypto_primes::{Flavor, is_prime, random_prime};
use hecate::crypto_bigint::{RandomBits, U1024, U2048};
use hecate::{
    Error, InsecureTest1024, KEY_PROOF_ROUNDS, KeyProof, KeySize, Paillier2048, PrivateKey,
    PublicKey, SMALL_PRIME_BOUND, check_small_factors,
};
use num_bigint::BigUint;
use num_integer::Integer as _;
use num_traits::One;
use rand::rngs::StdRng;
use sha2::{Digest, Sha256};

type Small = InsecureTest1024;

/// The challenges as the module documents them, independently of the core.
fn challenges(n: &BigUint, bits: u32) -> Vec<BigUint> {
    let bytes = usize::try_from(bits / 8).expect("small");
    let mut n_bytes = vec![0u8; bytes - n.to_bytes_be().len()];
    n_bytes.extend(n.to_bytes_be());
    (0u32..)
        .take(KEY_PROOF_ROUNDS)
        .map(|round| {
            (0u32..128)
                .map(|attempt| {
                    let mut stream = Vec::new();
                    for block in 0u32..(bits / 256) {
                        stream.extend(
                            Sha256::new()
                                .chain_update(b"hecate key proof")
                                .chain_update([1u8])
                                .chain_update(bits.to_be_bytes())
                                .chain_update(&n_bytes)
                                .chain_update(round.to_be_bytes())
                                .chain_update(attempt.to_be_bytes())
                                .chain_update(block.to_be_bytes())
                                .finalize(),
                        );
                    }
                    BigUint::from_bytes_be(&stream)
                })
                .find(|rho| rho < n && rho.gcd(n).is_one())
                .expect("a challenge within 128 attempts")
        })
        .collect()
}

fn public<S: KeySize>(n: &BigUint) -> PublicKey<S> {
    PublicKey::from_n(uint(n)).expect("an odd n of the key size")
}

fn proof_of<S: KeySize>(roots: &[BigUint]) -> KeyProof<S> {
    let roots: Vec<S::N> = roots.iter().map(uint).collect();
    KeyProof::from_roots(&roots).expect("KEY_PROOF_ROUNDS roots")
}

/// The roots ρ_i^d mod n of `n`'s challenges.
fn roots_with_exponent(n: &BigUint, bits: u32, d: &BigUint) -> Vec<BigUint> {
    challenges(n, bits)
        .iter()
        .map(|rho| rho.modpow(d, n))
        .collect()
}

fn prime_below_2_1024(x: &BigUint) -> bool {
    is_prime(Flavor::Any, &uint::<U1024>(x))
}

fn random_prime_of(rng: &mut StdRng, bits: u32) -> BigUint {
    big(&random_prime::<U1024, _>(rng, Flavor::Any, bits))
}

fn honest<S: KeySize>(seed: u64) {
    let key = PrivateKey::<S>::generate(&mut rng(seed)).expect("key");
    let proof = key.prove_key().expect("proof");
    assert_eq!(proof.verify(key.public_key()), Ok(()));
    assert_eq!(key.prove_key().expect("proof"), proof, "deterministic");

    // The roots are ρ_i^(n⁻¹ mod φ(n)) for the documented challenges.
    let (n, p, q) = common::parts(&key);
    let d = common::inverse(&n, &((p - 1u32) * (q - 1u32)));
    let expected: Vec<S::N> = roots_with_exponent(&n, S::BITS, &d)
        .iter()
        .map(uint)
        .collect();
    assert_eq!(proof.roots(), &expected[..]);

    let other = PrivateKey::<S>::generate(&mut rng(seed + 1)).expect("key");
    assert_eq!(
        proof.verify(other.public_key()),
        Err(Error::InvalidKeyProof)
    );
    assert_eq!(
        other.prove_key().expect("proof").verify(key.public_key()),
        Err(Error::InvalidKeyProof)
    );
}

#[test]
fn honest_keys_prove_and_verify_at_1024_bits() {
    honest::<Small>(1);
}

#[test]
fn honest_keys_prove_and_verify_at_2048_bits() {
    honest::<Paillier2048>(2);
}

#[test]
fn any_changed_root_is_refused() {
    let key = PrivateKey::<Small>::generate(&mut rng(3)).expect("key");
    let public = key.public_key();
    let n = big(public.n());
    let roots: Vec<BigUint> = key
        .prove_key()
        .expect("proof")
        .roots()
        .iter()
        .map(big)
        .collect();
    let all_ones = (BigUint::one() << 1024u32) - 1u32;
    // σ + n is another n-th root of ρ: only the range check refuses it (when it fits the width).
    let plus_n: Vec<usize> = (0..KEY_PROOF_ROUNDS)
        .filter(|&i| &roots[i] + &n <= all_ones)
        .collect();
    assert!(!plus_n.is_empty(), "some σ + n fits in 1024 bits");
    for i in 0..KEY_PROOF_ROUNDS {
        let mut changes = vec![
            &roots[i] + 1u32,
            BigUint::ZERO,
            n.clone(),
            &n - 1u32,
            all_ones.clone(),
        ];
        if plus_n.contains(&i) {
            changes.push(&roots[i] + &n);
        }
        for changed in changes {
            let mut forged = roots.clone();
            forged[i] = changed.clone();
            assert_eq!(
                proof_of::<Small>(&forged).verify(public),
                Err(Error::InvalidKeyProof),
                "root {i} replaced by {changed}"
            );
        }
    }
}

#[test]
fn garbage_proofs_are_refused() {
    let key = PrivateKey::<Small>::generate(&mut rng(4)).expect("key");
    for root in [0u32, 1, 2] {
        let garbage = vec![BigUint::from(root); KEY_PROOF_ROUNDS];
        assert_eq!(
            proof_of::<Small>(&garbage).verify(key.public_key()),
            Err(Error::InvalidKeyProof)
        );
    }
}

#[test]
fn from_roots_takes_exactly_the_rounds() {
    let key = PrivateKey::<Small>::generate(&mut rng(5)).expect("key");
    let proof = key.prove_key().expect("proof");
    let roots = proof.roots();
    assert_eq!(roots.len(), KEY_PROOF_ROUNDS);
    assert_eq!(KeyProof::<Small>::from_roots(roots), Ok(proof.clone()));
    let mut longer = roots.to_vec();
    longer.push(roots[0]);
    for wrong in [&[][..], &roots[..1], &roots[1..], &longer[..]] {
        assert_eq!(
            KeyProof::<Small>::from_roots(wrong),
            Err(Error::KeyProofLength)
        );
    }
}

/// n = L·q with L the product of the odd primes up to 739 and q = 2kL + 1 prime: every weight
/// is extractable (Pohlig–Hellman in the subgroups of order p | L). L has 1018 bits, so n has
/// 2048. Trial division refuses it.
#[test]
fn a_smooth_modulus_is_refused_by_trial_division() {
    let odd_primes: Vec<u32> = (3..=739u32)
        .filter(|&p| (2..p).take_while(|d| d * d <= p).all(|d| p % d != 0))
        .collect();
    let l: BigUint = odd_primes.iter().map(|&p| BigUint::from(p)).product();
    let (n, _) = (1u32..)
        .map(|k| {
            let q = BigUint::from(2 * k) * &l + 1u32;
            (&l * &q, q)
        })
        .find(|(n, q)| n.bits() == 2048 && is_prime(Flavor::Any, &uint::<U2048>(q)))
        .expect("a prime q");
    let key = public::<Paillier2048>(&n);
    assert_eq!(check_small_factors(&key), Err(Error::ModulusHasSmallFactor));
    let garbage = proof_of::<Paillier2048>(&vec![BigUint::one(); KEY_PROOF_ROUNDS]);
    assert_eq!(garbage.verify(&key), Err(Error::ModulusHasSmallFactor));
}

/// Trial division reaches the bound: the largest prime below it is found, the smallest above it
/// passes.
#[test]
fn trial_division_stops_exactly_at_the_bound() {
    assert_eq!(SMALL_PRIME_BOUND, 65536);
    let mut rng = rng(6);
    for (small, refused) in [(3u32, true), (65521, true), (65537, false)] {
        let n = loop {
            // The first prime q above a random x/small, so that small·q ≈ x has 1024 bits.
            let x = big(&U1024::random_bits(&mut rng, 1024)) | (BigUint::one() << 1023u32);
            let mut q = (x / small) | BigUint::one();
            while !prime_below_2_1024(&q) {
                q += 2u32;
            }
            let n = q * small;
            if n.bits() == 1024 {
                break n;
            }
        };
        let result = check_small_factors(&public::<Small>(&n));
        assert_eq!(result.is_err(), refused, "n = {small}·q");
    }
}

/// For a bad n with a prime p > α dividing gcd(n, φ(n)), and the exponent-fraction
/// φ(n)/p coprime to n: a unit ρ is an n-th power exactly when ρ^(φ(n)/p) ≡ 1, and then
/// σ = ρ^d with d = n⁻¹ mod (φ(n)/p) is its root — the best a forger can do. Checks that the
/// verifier's challenges are not all n-th powers, that the forgery works exactly on those that
/// are (and on a constructed n-th power), and that the forged proof is refused.
fn best_forgery_is_refused(n: &BigUint, phi_over_p: &BigUint) {
    let key = public::<Small>(n);
    assert_eq!(check_small_factors(&key), Ok(()), "every factor is above α");
    let d = common::inverse(n, phi_over_p);
    let is_nth_power = |rho: &BigUint| rho.modpow(phi_over_p, n).is_one();

    let x = BigUint::from(0x1234_5678u32);
    let power = x.modpow(n, n);
    assert!(is_nth_power(&power));
    assert_eq!(power.modpow(&d, n).modpow(n, n), power, "the forgery works");

    let rhos = challenges(n, Small::BITS);
    assert!(
        !rhos.iter().all(is_nth_power),
        "some challenge is no n-th power"
    );
    let forged = roots_with_exponent(n, Small::BITS, &d);
    for (rho, sigma) in rhos.iter().zip(&forged) {
        assert_eq!(&sigma.modpow(n, n) == rho, is_nth_power(rho));
    }
    assert_eq!(
        proof_of::<Small>(&forged).verify(&key),
        Err(Error::InvalidKeyProof)
    );
}

/// n = p·q with p | q − 1 and p = 65537, the smallest prime above α (the verifier's worst case:
/// one unit in p is an n-th power).
#[test]
fn p_dividing_q_minus_one_is_caught_by_the_roots() {
    let mut rng = rng(7);
    let p = BigUint::from(65537u32);
    let (n, q) = loop {
        let k = big(&U1024::random_bits(&mut rng, 1024 - 2 * 17));
        let q = BigUint::from(2u32) * &k * &p + 1u32;
        let n = &p * &q;
        if n.bits() == 1024 && !k.is_multiple_of(&p) && prime_below_2_1024(&q) {
            break (n, q);
        }
    };
    best_forgery_is_refused(&n, &((&p - 1u32) * (&q - 1u32) / &p));
}

/// n = p²·q with p > α: p | φ(n) through p².
#[test]
fn a_square_factor_is_caught_by_the_roots() {
    let mut rng = rng(8);
    let (n, p, q) = loop {
        let p = random_prime_of(&mut rng, 100);
        let q = random_prime_of(&mut rng, 1024 - 200);
        let n = &p * &p * &q;
        if n.bits() == 1024 && !(&q - 1u32).is_multiple_of(&p) {
            break (n, p, q);
        }
    };
    best_forgery_is_refused(&n, &((&p - 1u32) * (&q - 1u32)));
}

/// A square-free n with three prime factors above α and gcd(n, φ(n)) = 1: harmless, and provable
/// (here with num-bigint, as no `PrivateKey` holds three primes).
#[test]
fn three_primes_coprime_to_the_totient_prove() {
    let mut rng = rng(9);
    let (n, phi) = loop {
        let primes = [342, 341, 341].map(|bits| random_prime_of(&mut rng, bits));
        let n: BigUint = primes.iter().product();
        let phi: BigUint = primes.iter().map(|p| p - 1u32).product();
        if n.bits() == 1024 && n.gcd(&phi).is_one() {
            break (n, phi);
        }
    };
    let d = common::inverse(&n, &phi);
    let key = public::<Small>(&n);
    let proof = proof_of::<Small>(&roots_with_exponent(&n, Small::BITS, &d));
    assert_eq!(proof.verify(&key), Ok(()));
}
