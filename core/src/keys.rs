//! Public and private keys, and their validation.

use core::fmt;

use crypto_bigint::{BitOps, Choice, CtEq, CtLt, CtSelect, Gcd, Odd, One, WrappingSub};
use rand_core::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::memcheck::declassify;
use crate::modexp::{Residues, Wide};
use crate::prime::is_probable_prime;
use crate::{Ciphertext, Error, Fingerprint, KeySize, Plaintext, Result};

/// A Paillier public key: the modulus n (g = n + 1) and the Montgomery parameters of n².
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey<S: KeySize> {
    pub(crate) n: Odd<S::N>,
    pub(crate) n_squared: S::ModNSquared,
    pub(crate) fingerprint: Fingerprint,
}

impl<S: KeySize> PublicKey<S> {
    /// The public key with modulus `n`, which must be odd and have exactly [`KeySize::BITS`] bits.
    ///
    /// n is public: the checks here run in variable time.
    pub fn from_n(n: S::N) -> Result<Self> {
        let n = Odd::new(n).into_option().ok_or(Error::EvenModulus)?;
        let actual = n.bit_width_vartime();
        if actual != S::BITS {
            return Err(Error::ModulusSize {
                expected: S::BITS,
                actual,
            });
        }
        let n_squared = Odd::new(S::NSquared::product(n.as_ref(), n.as_ref()))
            .into_option()
            .ok_or(Error::EvenModulus)?;
        let mut key = Self {
            n,
            n_squared: S::mod_n_squared(n_squared),
            fingerprint: Fingerprint([0; 32]),
        };
        key.fingerprint = key.compute_fingerprint()?;
        Ok(key)
    }

    /// The modulus n.
    pub fn n(&self) -> &S::N {
        self.n.as_ref()
    }

    /// SHA-256 of the public key's message: how answers and ciphertexts name their key.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// Refuses a ciphertext of another key.
    pub(crate) fn check(&self, c: &Ciphertext<S>) -> Result<()> {
        if c.key == self.fingerprint {
            Ok(())
        } else {
            Err(Error::KeyMismatch)
        }
    }

    /// n², the modulus of ciphertexts.
    pub fn n_squared(&self) -> &S::NSquared {
        self.n_squared.modulus()
    }

    /// A plaintext for this key: `value` must be below n.
    ///
    /// Only whether `value` is in range decides the result; the value itself is not branched on.
    pub fn plaintext(&self, value: S::N) -> Result<Plaintext<S>> {
        // Declassifies one bit, the validity of the input, as any input check must.
        if declassify(value.ct_lt(self.n.as_ref())) {
            Ok(Plaintext::new_unchecked(value, Some(self.fingerprint)))
        } else {
            Err(Error::PlaintextOutOfRange)
        }
    }

    /// A ciphertext received from outside, accepted only if it is in Z*_{n²}: 0 < c < n² and
    /// gcd(c, n) = 1.
    pub fn ciphertext(&self, value: S::NSquared) -> Result<Ciphertext<S>> {
        // A ciphertext is public, so the comparison and the gcd may run in variable time.
        // gcd(c, n²) = 1 exactly when gcd(c, n) = 1, and it also rules out c = 0.
        let below = value < *self.n_squared();
        if below && value.gcd_vartime(self.n_squared()).is_one().to_bool() {
            Ok(Ciphertext {
                value,
                key: self.fingerprint,
            })
        } else {
            Err(Error::InvalidCiphertext)
        }
    }
}

impl<S: KeySize> fmt::Debug for PublicKey<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("bits", &S::BITS)
            .field("n", self.n())
            .finish()
    }
}

/// One prime factor p of n with everything decryption and key-holder encryption need mod p and p².
#[derive(Clone)]
pub(crate) struct PrimeFactor<S: KeySize> {
    pub(crate) prime: S::P,
    pub(crate) mod_p: S::ModP,
    pub(crate) mod_p_squared: S::ModPSquared,
    /// p − 1, the decryption exponent.
    pub(crate) p_minus_one: S::P,
    /// n mod (p − 1): r^n ≡ r^(n mod (p−1)) (mod p).
    pub(crate) n_mod_p_minus_one: S::P,
    /// p⁻¹ mod 2^|p|, for the exact division (x − 1)/p in L_p.
    pub(crate) p_inverse_mod_2k: S::P,
    /// L_p(g^(p−1) mod p²)⁻¹ mod p, which for g = n + 1 is −(n/p)⁻¹ mod p.
    pub(crate) h: S::P,
}

impl<S: KeySize> PrimeFactor<S> {
    /// Precomputes for prime `p` with cofactor `other` (n = p · other).
    fn new(p: &Odd<S::P>, other: &S::P) -> Result<Self> {
        let prime = *p.as_ref();
        let mod_p = S::mod_p(*p);
        // p is odd, so p² is odd: this check never fails and reveals nothing.
        let p_squared = Odd::new(S::PSquared::product(&prime, &prime))
            .into_option()
            .ok_or(Error::EvenModulus)?;
        let p_minus_one = prime.wrapping_sub(&S::P::one());
        // n mod (p−1) = other mod (p−1), and other < 2^|p| ≤ 2(p−1): at most one subtraction.
        let reduced = other.wrapping_sub(&p_minus_one);
        let n_mod_p_minus_one = other.ct_select(&reduced, !other.ct_lt(&p_minus_one));
        let other_inverse = mod_p
            .invert(other)
            .into_option()
            // Declassifies validity only: distinct primes are always invertible mod each other.
            .ok_or(Error::EqualPrimes)?;
        Ok(Self {
            prime,
            mod_p,
            mod_p_squared: S::mod_p_squared(p_squared),
            p_minus_one,
            n_mod_p_minus_one,
            p_inverse_mod_2k: inverse_mod_2k(&prime),
            h: mod_p.sub(&S::P::default(), &other_inverse),
        })
    }
}

impl<S: KeySize> Drop for PrimeFactor<S> {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl<S: KeySize> Zeroize for PrimeFactor<S> {
    fn zeroize(&mut self) {
        self.prime.zeroize();
        self.mod_p.zeroize();
        self.mod_p_squared.zeroize();
        self.p_minus_one.zeroize();
        self.n_mod_p_minus_one.zeroize();
        self.p_inverse_mod_2k.zeroize();
        self.h.zeroize();
    }
}

/// p⁻¹ mod 2^w for odd p, w the width of the type, by Newton's iteration: each step doubles the
/// number of correct low bits (p·p ≡ 1 mod 8 gives 3 to start). A fixed number of steps, so
/// constant-time; written here because crypto-bigint's `invert_mod2k` has no generic trait.
pub(crate) fn inverse_mod_2k<T: crate::size::Integer>(p: &T) -> T {
    let two = T::one().wrapping_add(&T::one());
    let mut inverse = *p;
    let mut correct_bits = 3;
    while correct_bits < p.bits_precision() {
        inverse = inverse.wrapping_mul(&two.wrapping_sub(&p.wrapping_mul(&inverse)));
        correct_bits *= 2;
    }
    inverse
}

/// A Paillier private key: the primes p and q with their CRT values. Secret throughout.
///
/// Zeroized on drop; `Debug` shows only the public key; `==` compares in constant time.
#[derive(Clone)]
pub struct PrivateKey<S: KeySize> {
    pub(crate) public: PublicKey<S>,
    pub(crate) p: PrimeFactor<S>,
    pub(crate) q: PrimeFactor<S>,
    /// q⁻¹ mod p, to recombine plaintexts mod n.
    pub(crate) q_inverse_mod_p: S::P,
    /// (q²)⁻¹ mod p², to recombine values mod n².
    pub(crate) q_squared_inverse_mod_p_squared: S::PSquared,
}

impl<S: KeySize> PrivateKey<S> {
    /// The private key with primes `p` and `q`, checked: both odd, prime, distinct, of exactly half
    /// the bits of n, with gcd(n, φ(n)) = 1.
    ///
    /// Every check runs in constant time in p and q and reveals only whether it passed; primality
    /// is trial division, Miller–Rabin with random bases and a Lucas test with a random parameter,
    /// all drawn from `rng` (fixed bases could be fooled by a crafted composite).
    pub fn from_primes<R: CryptoRng + ?Sized>(p: S::P, q: S::P, rng: &mut R) -> Result<Self> {
        Self::from_primes_with(p, q, Some(rng))
    }

    /// The private key for `public` with primes `p` and `q`: as [`Self::from_primes`], and p·q
    /// must be the modulus of `public`.
    pub fn from_components<R: CryptoRng + ?Sized>(
        public: &PublicKey<S>,
        p: S::P,
        q: S::P,
        rng: &mut R,
    ) -> Result<Self> {
        let key = Self::from_primes(p, q, rng)?;
        // n is public, so the result of the comparison is too.
        if key.public.n().ct_eq(public.n()).to_bool() {
            Ok(key)
        } else {
            Err(Error::ModulusMismatch)
        }
    }

    /// As [`Self::from_primes`], testing primality with `primality_test`'s randomness, or not at
    /// all without it (primes fresh from the generator).
    pub(crate) fn from_primes_with<R: CryptoRng + ?Sized>(
        mut p: S::P,
        mut q: S::P,
        primality_test: Option<&mut R>,
    ) -> Result<Self> {
        let half = S::PRIME_BITS;
        // p and q are secret; each branch below declassifies only whether a check passed. The
        // copies here are wiped on every return, the caller's own by the caller.
        let odd_p = Odd::new(p).into_option().map(Zeroizing::new);
        let odd_q = Odd::new(q).into_option().map(Zeroizing::new);
        p.zeroize();
        q.zeroize();
        let p = odd_p.ok_or(Error::EvenModulus)?;
        let q = odd_q.ok_or(Error::EvenModulus)?;
        let sizes_ok =
            Choice::from_u32_eq(p.bit_width(), half) & Choice::from_u32_eq(q.bit_width(), half);
        if !declassify(sizes_ok) {
            return Err(Error::PrimeSize);
        }
        if declassify(p.ct_eq(&q)) {
            return Err(Error::EqualPrimes);
        }
        let public = PublicKey::from_n(S::N::product(&p, &q))?;
        if let Some(rng) = primality_test {
            let both = is_probable_prime::<S, R>(&p, rng) & is_probable_prime::<S, R>(&q, rng);
            // Declassifies only the verdict.
            if !declassify(both) {
                return Err(Error::NotPrime);
            }
        }
        let one = S::P::one();
        let phi = Zeroizing::new(S::N::product(&p.wrapping_sub(&one), &q.wrapping_sub(&one)));
        if !declassify(<S::N as Gcd>::gcd(public.n(), &*phi).is_one()) {
            return Err(Error::ModulusNotCoprimeToTotient);
        }
        let p_factor = PrimeFactor::<S>::new(&p, q.as_ref())?;
        let q_factor = PrimeFactor::<S>::new(&q, p.as_ref())?;
        let q_inverse_mod_p = p_factor
            .mod_p
            .invert(q.as_ref())
            .into_option()
            .ok_or(Error::EqualPrimes)?;
        let q_squared_inverse_mod_p_squared = p_factor
            .mod_p_squared
            .invert(q_factor.mod_p_squared.modulus())
            .into_option()
            .ok_or(Error::EqualPrimes)?;
        Ok(Self {
            public,
            p: p_factor,
            q: q_factor,
            q_inverse_mod_p,
            q_squared_inverse_mod_p_squared,
        })
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey<S> {
        &self.public
    }

    /// The primes (p, q). Secret: for serializing the key, nothing else.
    pub fn primes(&self) -> (&S::P, &S::P) {
        (&self.p.prime, &self.q.prime)
    }

    /// Equality of the primes, in constant time.
    pub fn ct_eq(&self, other: &Self) -> Choice {
        self.p.prime.ct_eq(&other.p.prime) & self.q.prime.ct_eq(&other.q.prime)
    }
}

impl<S: KeySize> PartialEq for PrivateKey<S> {
    fn eq(&self, other: &Self) -> bool {
        declassify(self.ct_eq(other))
    }
}

impl<S: KeySize> Eq for PrivateKey<S> {}

impl<S: KeySize> fmt::Debug for PrivateKey<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl<S: KeySize> Zeroize for PrivateKey<S> {
    fn zeroize(&mut self) {
        self.p.zeroize();
        self.q.zeroize();
        self.q_inverse_mod_p.zeroize();
        self.q_squared_inverse_mod_p_squared.zeroize();
    }
}

impl<S: KeySize> Drop for PrivateKey<S> {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl<S: KeySize> ZeroizeOnDrop for PrivateKey<S> {}
