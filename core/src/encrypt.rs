//! Encryption with g = n + 1: c = (1 + m·n) · r^n mod n², r uniform in Z*_n.
//!
//! Anyone with the public key computes r^n mod n² directly. The key holder draws r^n mod n² itself
//! through the CRT, with the same distribution and about a quarter of the work (see
//! [`PrivateKey::random_r_pow_n`]); for a given r (the known answers) it computes r^n mod p² and
//! mod q² and recombines, with the same result as the public key's.

use crypto_bigint::{Choice, CtEq, CtLt, RandomBits, RandomMod, WrappingAdd};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::keys::PrimeFactor;
use crate::memcheck::declassify;
use crate::modexp::{PowBy, ReduceWide, Residues, Wide};
use crate::size::Integer as _;
use crate::{Ciphertext, KeySize, Plaintext, PrivateKey, PublicKey, Result};

impl<S: KeySize> PublicKey<S> {
    /// Encrypts `m` with fresh randomness from `rng`; refuses a plaintext of another key.
    pub fn encrypt<R: CryptoRng + ?Sized>(
        &self,
        m: &Plaintext<S>,
        rng: &mut R,
    ) -> Result<Ciphertext<S>> {
        m.check_key(&self.fingerprint)?;
        let r = self.random_nonce(rng);
        Ok(self.encrypt_with_nonce(m, &r))
    }

    /// c · r^n for fresh r: a ciphertext of the same plaintext that cannot be linked to `c`.
    /// Anything computed from ciphertexts should pass through here before it leaves its maker:
    /// the homomorphic operations keep the randomness of their inputs (raised to the scalars).
    pub fn rerandomize<R: CryptoRng + ?Sized>(
        &self,
        c: &Ciphertext<S>,
        rng: &mut R,
    ) -> Result<Ciphertext<S>> {
        self.check(c)?;
        let r = self.random_nonce(rng);
        Ok(self.multiply(c.value(), &self.r_pow_n(&r)))
    }

    /// r uniform in Z*_n.
    pub(crate) fn random_nonce<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> Zeroizing<S::N> {
        loop {
            // Rejection sampling is variable time in n (public) and in how many draws were
            // rejected, which is independent of the r returned.
            let r = Zeroizing::new(S::N::random_mod_vartime(rng, self.n.as_nz_ref()));
            // Declassifies only whether this draw is rejected (r = 0 or r shares a factor with n,
            // probability < 2^-1000); the accepted r is never branched on.
            if declassify(self.is_unit(&r)) {
                return r;
            }
        }
    }

    /// Whether r is in Z*_n: below n and invertible mod n (a third of the time of an inversion
    /// mod n², measured at n = 2048 bits).
    pub(crate) fn is_unit(&self, r: &S::N) -> Choice {
        r.ct_lt(self.n()) & r.is_unit_mod(&self.n)
    }

    pub(crate) fn encrypt_with_nonce(&self, m: &Plaintext<S>, r: &S::N) -> Ciphertext<S> {
        // With c, either factor gives away m: both are wiped when dropped.
        let g_m = Zeroizing::new(self.g_pow(m));
        self.multiply(&g_m, &Zeroizing::new(self.r_pow_n(r)))
    }

    /// g^m = (1 + n)^m = 1 + m·n (mod n²); below n² since m < n.
    pub(crate) fn g_pow(&self, m: &Plaintext<S>) -> S::NSquared {
        S::NSquared::product(m.value(), self.n())
            .wrapping_add(&S::NSquared::widen(&S::N::from(1u8)))
    }

    pub(crate) fn r_pow_n(&self, r: &S::N) -> S::NSquared {
        // n is public: its bits may shape the exponentiation; r is not branched on.
        self.n_squared.pow_public(&S::NSquared::widen(r), self.n())
    }

    pub(crate) fn multiply(&self, a: &S::NSquared, b: &S::NSquared) -> Ciphertext<S> {
        Ciphertext {
            value: self.n_squared.mul(a, b),
            key: self.fingerprint,
        }
    }
}

impl<S: KeySize> PrivateKey<S> {
    /// Encrypts `m` with fresh randomness, through the CRT. The ciphertext has the distribution of
    /// [`PublicKey::encrypt`], within 2^-|p| (the argument is in the source).
    pub fn encrypt<R: CryptoRng + ?Sized>(
        &self,
        m: &Plaintext<S>,
        rng: &mut R,
    ) -> Result<Ciphertext<S>> {
        m.check_key(&self.public.fingerprint)?;
        let g_m = Zeroizing::new(self.public.g_pow(m));
        Ok(self
            .public
            .multiply(&g_m, &Zeroizing::new(self.random_r_pow_n(rng))))
    }

    /// [`PublicKey::rerandomize`] through the CRT.
    pub fn rerandomize<R: CryptoRng + ?Sized>(
        &self,
        c: &Ciphertext<S>,
        rng: &mut R,
    ) -> Result<Ciphertext<S>> {
        self.public.check(c)?;
        Ok(self
            .public
            .multiply(c.value(), &Zeroizing::new(self.random_r_pow_n(rng))))
    }

    /// r^n mod n² for r uniform in Z*_n, drawn without r: x_p^p mod p² and x_q^q mod q² for
    /// independent x_p, x_q uniform in Z*_p and Z*_q, recombined.
    ///
    /// The same distribution, up to drawing x_p (within 2^-|p| of uniform, see
    /// [`PrimeFactor::random_unit`]): r uniform in Z*_n means (r mod p, r mod q) uniform in
    /// Z*_p × Z*_q. y ↦ y^p mod p² depends only on y mod p (for y' = y + kp, the binomial terms
    /// past the first hold p²), so r^n mod p² = (r^n mod p)^p mod p². And r ↦ r^n mod p is a
    /// bijection of Z*_p, as gcd(n, p − 1) = 1: p does not divide p − 1, and neither does q,
    /// since p and q have the same bit length, so p − 1 < 2q, and p − 1 = q is impossible for
    /// two odd primes. So r^n mod p is uniform in Z*_p, independent of r^n mod q: it is x_p.
    /// One p-bit exponentiation mod p² and one mod q², where r^n through the CRT also needs one
    /// mod p and one mod q, and the public key's one n-bit exponentiation mod n².
    fn random_r_pow_n<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> S::NSquared {
        let x_p = self.p.random_unit(rng);
        let x_q = self.q.random_unit(rng);
        let (p, q) = (&self.p, &self.q);
        let (z_p, z_q) = p.mod_p_squared.pow_pair(
            &q.mod_p_squared,
            (&S::PSquared::widen(&x_p), &p.prime),
            (&S::PSquared::widen(&x_q), &q.prime),
        );
        self.recombine_squared(&Zeroizing::new(z_p), &Zeroizing::new(z_q))
    }

    /// For the known answers, which fix r (`hazmat`).
    #[cfg(feature = "hazmat")]
    pub(crate) fn encrypt_with_nonce(&self, m: &Plaintext<S>, r: &S::N) -> Ciphertext<S> {
        let g_m = Zeroizing::new(self.public.g_pow(m));
        self.public.multiply(&g_m, &Zeroizing::new(self.r_pow_n(r)))
    }

    /// r^n mod n² for a given r, from r^n mod p² and r^n mod q².
    #[cfg(feature = "hazmat")]
    fn r_pow_n(&self, r: &S::N) -> S::NSquared {
        let z_p = Zeroizing::new(self.p.r_pow_n(r));
        let z_q = Zeroizing::new(self.q.r_pow_n(r));
        self.recombine_squared(&z_p, &z_q)
    }

    /// The z mod n² with z ≡ `z_p` (mod p²) and z ≡ `z_q` (mod q²):
    /// z = z_q + q² · ((z_p − z_q) · (q²)⁻¹ mod p²).
    fn recombine_squared(&self, z_p: &S::PSquared, z_q: &S::PSquared) -> S::NSquared {
        let mod_p_squared = &self.p.mod_p_squared;
        let d = Zeroizing::new(mod_p_squared.mul(
            &mod_p_squared.sub(z_p, z_q),
            &self.q_squared_inverse_mod_p_squared,
        ));
        S::NSquared::widen(z_q)
            .wrapping_add(&S::NSquared::product(self.q.mod_p_squared.modulus(), &d))
    }
}

impl<S: KeySize> PrimeFactor<S> {
    /// r^n mod p². It lies in the subgroup of order p − 1 of Z*_{p²}, whose elements are the
    /// y^p, one for each y mod p; so it is (r^n mod p)^p, and r^n mod p = r^(n mod (p−1)) mod p.
    /// Two half-width exponentiations instead of one full-width one.
    #[cfg(feature = "hazmat")]
    fn r_pow_n(&self, r: &S::N) -> S::PSquared {
        let reduced = Zeroizing::new(self.mod_p.reduce_wide(r));
        let y = Zeroizing::new(self.mod_p.pow(&reduced, &self.n_mod_p_minus_one));
        self.mod_p_squared.pow(&S::PSquared::widen(&y), &self.prime)
    }

    /// x uniform in Z*_p, within statistical distance 2^-|p|.
    fn random_unit<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> Zeroizing<S::P> {
        loop {
            // Twice p's width, reduced: within 2^-|p| of uniform mod p, in constant time (drawing
            // below p by rejection would show how far p is below 2^|p| in how often it redraws).
            let wide = Zeroizing::new(S::N::random_bits(rng, 2 * S::PRIME_BITS));
            let x = Zeroizing::new(self.mod_p.reduce_wide(&wide));
            // Declassifies only whether this draw is 0 (probability about 2^-|p|), never used.
            if !declassify(x.ct_eq(&S::P::default())) {
                return x;
            }
        }
    }
}
