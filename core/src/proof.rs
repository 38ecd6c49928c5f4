//! A non-interactive proof that a Paillier modulus n satisfies gcd(n, φ(n)) = 1.
//!
//! The company re-randomizes its answer by a fresh r^n, which hides what it computed only when
//! x ↦ x^n is a bijection of Z*_n, that is when gcd(n, φ(n)) = 1. The key holder shows this by
//! giving n-th roots σ_i of challenges ρ_i that it does not choose: σ_i = ρ_i^(n⁻¹ mod φ(n)),
//! computed through the CRT. The verifier checks that no prime below α = [`SMALL_PRIME_BOUND`]
//! divides n, and that σ_i^n ≡ ρ_i (mod n) for [`KEY_PROOF_ROUNDS`] challenges it derives itself.
//!
//! Soundness: if a prime r divides both n and φ(n), then r ≥ α (trial division), Z*_n has an
//! element of order r (r divides its order φ(n)), and x^n kills it (r | n): the kernel of x ↦ x^n
//! has at least r elements, so at most a fraction 1/r ≤ 1/α of the units are n-th powers. Each
//! ρ_i is a uniform unit (a hash, rejection-sampled), so each round passes with probability at
//! most 1/α = 2^-16 and all eight with at most 2^-128. A square-free n with more than two prime
//! factors and gcd(n, φ(n)) = 1 passes, which is harmless: the re-randomization still hides.
//!
//! Challenges (Fiat–Shamir): ρ_i is the first candidate in [1, n) coprime to n, for attempt = 0,
//! 1, …, of the big-endian integer of |n| bits made of the blocks
//! SHA-256(tag ‖ version ‖ |n| ‖ n ‖ i ‖ attempt ‖ block) for block = 0, 1, …, with the tag
//! `hecate key proof`, a version byte, and |n|, i, attempt and block as 4-byte big-endian
//! integers, n as |n|/8 bytes. They depend on n only, so a proof is deterministic.

use crypto_bigint::{
    Gcd, Integer as _, Limb, NonZero, One, Reciprocal, RemLimb, Word, WrappingAdd, WrappingMul,
};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::keys::{PrimeFactor, inverse_mod_2k};
use crate::modexp::{PowBy, ReduceWide, Residues, Wide};
use crate::{Error, KeySize, PrivateKey, PublicKey, Result};

/// Challenges per proof: with [`SMALL_PRIME_BOUND`] = 2^16, a bad modulus passes with probability
/// at most 2^-128.
pub const KEY_PROOF_ROUNDS: usize = 8;

/// α: the verifier divides n by every prime below this bound, so that any prime dividing both n
/// and φ(n) is at least α and a round catches a bad key with probability at least 1 − 1/α.
pub const SMALL_PRIME_BOUND: u32 = 1 << u16::BITS;

/// Hash domain of the challenges.
const CHALLENGE_TAG: &[u8] = b"hecate key proof";
/// Version of the challenge derivation, hashed into every challenge.
const PROOF_VERSION: u8 = 1;
/// Candidates per challenge: n ≥ 2^(|n|−1), so each is below n with probability at least 1/2,
/// and all 128 fail with probability at most 2^-128.
const CHALLENGE_ATTEMPTS: u32 = 128;

/// The primes below 2^16 (there are 6542).
const SMALL_PRIME_COUNT: usize = 6542;

/// Every prime below [`SMALL_PRIME_BOUND`], sieved at compile time: the table is exactly what
/// this code says, with no generated file to review or keep in step.
const SMALL_PRIMES: [u16; SMALL_PRIME_COUNT] = primes_below_2_16();

#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range fails the build"
)]
const fn primes_below_2_16() -> [u16; SMALL_PRIME_COUNT] {
    let mut composite = [false; 1 << 16];
    let mut i = 2;
    while i * i < composite.len() {
        if !composite[i] {
            let mut multiple = i * i;
            while multiple < composite.len() {
                composite[multiple] = true;
                multiple += i;
            }
        }
        i += 1;
    }
    let mut out = [0u16; SMALL_PRIME_COUNT];
    let mut count = 0;
    let mut candidate: u16 = 2;
    while candidate < u16::MAX {
        if !composite[candidate as usize] {
            out[count] = candidate;
            count += 1;
        }
        candidate += 1;
    }
    // 65535 = 3·5·17·257 is not prime: the loop above may stop before it.
    assert!(
        count == SMALL_PRIME_COUNT,
        "there are 6542 primes below 2^16"
    );
    out
}

/// Primes per product in [`check_small_factors`]: each is below 2^16, so this many multiply to
/// less than 2^(limb bits).
#[allow(clippy::integer_division_remainder_used, reason = "of two constants")]
const PRIMES_PER_LIMB: usize = Limb::BYTES / size_of::<u16>();

/// Refuses a modulus with a prime factor below [`SMALL_PRIME_BOUND`].
///
/// One pass over n per product of a limb's worth of small primes (about 1,600 at 64-bit
/// limbs), then each remainder divided by the primes of its product. n is public: the divisions
/// and the early exit leak nothing.
pub fn check_small_factors<S: KeySize>(key: &PublicKey<S>) -> Result<()> {
    for group in SMALL_PRIMES.chunks(PRIMES_PER_LIMB) {
        let product = group.iter().fold(Word::from(1u8), |product, &prime| {
            product * Word::from(prime)
        });
        // A product of primes is never zero.
        let divisor = NonZero::new(Limb(product))
            .into_option()
            .ok_or(Error::ModulusHasSmallFactor)?;
        let remainder = key.n().rem_limb_with_reciprocal(&Reciprocal::new(divisor));
        if group
            .iter()
            .any(|&prime| remainder.0.is_multiple_of(Word::from(prime)))
        {
            return Err(Error::ModulusHasSmallFactor);
        }
    }
    Ok(())
}

/// The challenges ρ_0, …, ρ_(ROUNDS−1) for `key`: uniform units of Z*_n derived from n alone.
fn challenges<S: KeySize>(key: &PublicKey<S>) -> Result<[S::N; KEY_PROOF_ROUNDS]> {
    let n = key.n();
    let mut prefix = Sha256::new()
        .chain_update(CHALLENGE_TAG)
        .chain_update([PROOF_VERSION])
        .chain_update(S::BITS.to_be_bytes());
    for limb in n.as_limbs().iter().rev() {
        prefix.update(limb.0.to_be_bytes());
    }
    let mut out = [S::N::default(); KEY_PROOF_ROUNDS];
    for (round, challenge) in (0u32..).zip(out.iter_mut()) {
        let round_prefix = prefix.clone().chain_update(round.to_be_bytes());
        *challenge = (0..CHALLENGE_ATTEMPTS)
            .map(|attempt| candidate::<S>(&round_prefix, attempt))
            // n and the candidates are public (they are the hash of n): comparing them and the
            // gcd may run in variable time.
            .find(|rho| rho < n && rho.gcd_vartime(n).is_one().to_bool())
            .ok_or(Error::KeyProofChallenge)?;
    }
    Ok(out)
}

/// One candidate: the blocks SHA-256(prefix ‖ attempt ‖ block) as a big-endian integer of |n| bits.
fn candidate<S: KeySize>(round_prefix: &Sha256, attempt: u32) -> S::N {
    let attempt_prefix = round_prefix.clone().chain_update(attempt.to_be_bytes());
    let mut out = S::N::default();
    // Most significant limb first, as the blocks are big-endian.
    let mut limbs = out.as_mut_limbs().iter_mut().rev();
    for block in 0u32.. {
        let digest = attempt_prefix
            .clone()
            .chain_update(block.to_be_bytes())
            .finalize();
        for bytes in digest.chunks_exact(Limb::BYTES) {
            let Some(limb) = limbs.next() else {
                return out;
            };
            limb.0 = bytes
                .iter()
                .fold(0, |word: Word, &byte| (word << 8) | Word::from(byte));
        }
    }
    out
}

/// A proof that gcd(n, φ(n)) = 1: an n-th root mod n of each challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyProof<S: KeySize> {
    roots: [S::N; KEY_PROOF_ROUNDS],
}

impl<S: KeySize> KeyProof<S> {
    /// The roots σ_i, in round order.
    pub fn roots(&self) -> &[S::N] {
        &self.roots
    }

    /// The proof with these roots (for decoding): exactly [`KEY_PROOF_ROUNDS`] of them.
    /// Whether they are right is for [`Self::verify`].
    pub fn from_roots(roots: &[S::N]) -> Result<Self> {
        Ok(Self {
            roots: roots.try_into().map_err(|_| Error::KeyProofLength)?,
        })
    }

    /// Checks that the proof shows gcd(n, φ(n)) = 1 for `key`: no prime below
    /// [`SMALL_PRIME_BOUND`] divides n, and each root is in [1, n) with σ_i^n ≡ ρ_i (mod n) for
    /// the challenges ρ_i recomputed from n.
    ///
    /// Everything here is public (n and the proof): it runs in variable time.
    pub fn verify(&self, key: &PublicKey<S>) -> Result<()> {
        check_small_factors(key)?;
        let n = key.n();
        let mod_n = S::mod_n(key.n);
        for (root, challenge) in self.roots.iter().zip(challenges(key)?) {
            let in_range = *root != S::N::default() && root < n;
            if !in_range || mod_n.pow_public(root, n) != challenge {
                return Err(Error::InvalidKeyProof);
            }
        }
        Ok(())
    }
}

impl<S: KeySize> PrivateKey<S> {
    /// The proof that this key's n satisfies gcd(n, φ(n)) = 1, for whoever receives the public key.
    /// Deterministic: the challenges depend on n only.
    ///
    /// Constant-time in p, q and everything derived from them. Fails only when no challenge can
    /// be derived from n ([`Error::KeyProofChallenge`], probability below 2^-128).
    pub fn prove_key(&self) -> Result<KeyProof<S>> {
        let challenges = challenges(&self.public)?;
        let mod_n = S::mod_n(self.public.n);
        let n_inverse_mod_2k = inverse_mod_2k(&self.public.n().low_half());
        let d_p = Zeroizing::new(self.p.n_inverse_mod_p_minus_one(&mod_n, &n_inverse_mod_2k));
        let d_q = Zeroizing::new(self.q.n_inverse_mod_p_minus_one(&mod_n, &n_inverse_mod_2k));
        let mut roots = [S::N::default(); KEY_PROOF_ROUNDS];
        for (root, challenge) in roots.iter_mut().zip(&challenges) {
            let root_p = Zeroizing::new(self.p.root(challenge, &d_p));
            let root_q = Zeroizing::new(self.q.root(challenge, &d_q));
            *root = self.recombine(&root_p, &root_q);
        }
        Ok(KeyProof { roots })
    }
}

impl<S: KeySize> PrimeFactor<S> {
    /// d = n⁻¹ mod (p − 1), without dividing by the secret, even p − 1: with m = p − 1 and
    /// t = −m⁻¹ mod n (an inversion modulo the public, odd n), 1 + m·t is a multiple of n and
    /// d = (1 + m·t)/n satisfies d·n ≡ 1 (mod m), with d < m < 2^|p|. So d is
    /// (1 + m·t)·n⁻¹ mod 2^|p|, an exact division by multiplication (as in decryption).
    ///
    /// m is invertible mod n because gcd(n, φ(n)) = 1, which every [`PrivateKey`] has.
    fn n_inverse_mod_p_minus_one(&self, mod_n: &S::ModN, n_inverse_mod_2k: &S::P) -> S::P {
        let m = S::N::widen(&self.p_minus_one);
        // Never none for a valid key; zero would only give a proof that fails to verify.
        let m_inverse = Zeroizing::new(mod_n.invert(&m).unwrap_or(S::N::default()));
        let t = Zeroizing::new(mod_n.sub(&S::N::default(), &m_inverse));
        self.p_minus_one
            .wrapping_mul(&t.low_half())
            .wrapping_add(&S::P::one())
            .wrapping_mul(n_inverse_mod_2k)
    }

    /// ρ^d mod p: the n-th root of ρ mod p for d = n⁻¹ mod (p − 1).
    fn root(&self, challenge: &S::N, d: &S::P) -> S::P {
        let reduced = Zeroizing::new(self.mod_p.reduce_wide(challenge));
        self.mod_p.pow(&reduced, d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_small_primes_are_the_primes_below_the_bound() {
        assert_eq!(SMALL_PRIMES.first(), Some(&2));
        assert_eq!(SMALL_PRIMES.last(), Some(&65521));
        assert!(SMALL_PRIMES.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(
            SMALL_PRIMES
                .iter()
                .all(|&p| u32::from(p) < SMALL_PRIME_BOUND)
        );
    }
}
