//! Homomorphic operations: anyone with the public key computes on ciphertexts.
//!
//! Results keep the randomness of their inputs (raised to the scalars used), and a ciphertext of
//! 0 times 0 is exactly 1: re-randomize anything computed before it leaves its maker
//! ([`PublicKey::rerandomize`]), as [`Model::predict`](crate::Model::predict) does. Every
//! operation refuses a ciphertext or plaintext of another key.

use crypto_bigint::{CtSelect, Int};

use crate::modexp::{InvertPublicBySquareRoot, Residues};
use crate::{Ciphertext, Error, KeySize, Plaintext, PublicKey, Result};

impl<S: KeySize> PublicKey<S> {
    /// Enc(a + b): the product of the ciphertexts.
    pub fn add(&self, a: &Ciphertext<S>, b: &Ciphertext<S>) -> Result<Ciphertext<S>> {
        self.check(a)?;
        self.check(b)?;
        Ok(self.multiply(a.value(), b.value()))
    }

    /// Enc(a + m) for a plaintext m: c · g^m.
    pub fn add_plaintext(&self, c: &Ciphertext<S>, m: &Plaintext<S>) -> Result<Ciphertext<S>> {
        self.check(c)?;
        m.check_key(&self.fingerprint)?;
        Ok(self.multiply(c.value(), &self.g_pow(m)))
    }

    /// Enc(−a): the inverse of the ciphertext.
    pub fn neg(&self, c: &Ciphertext<S>) -> Result<Ciphertext<S>> {
        Ok(Ciphertext {
            value: self.invert(c)?,
            key: self.fingerprint,
        })
    }

    /// Enc(a − b).
    pub fn sub(&self, a: &Ciphertext<S>, b: &Ciphertext<S>) -> Result<Ciphertext<S>> {
        self.check(a)?;
        Ok(self.multiply(a.value(), &self.invert(b)?))
    }

    /// Enc(k · a) for a signed scalar k: c^|k|, or (c⁻¹)^|k| when k < 0, so that the exponent is
    /// never a full-width n − |k|.
    ///
    /// Constant-time in k (the scalar is often secret, e.g. a model weight): the inverse of the
    /// (public) ciphertext is always computed and chosen without a branch, and the
    /// exponentiation runs over all bits of `Int<K>`.
    pub fn mul_scalar<const K: usize>(
        &self,
        c: &Ciphertext<S>,
        k: &Int<K>,
    ) -> Result<Ciphertext<S>> {
        let (magnitude, negative) = k.abs_sign();
        let base = c.value().ct_select(&self.invert(c)?, negative);
        Ok(Ciphertext {
            value: self.n_squared.pow_uint(&base, &magnitude),
            key: self.fingerprint,
        })
    }

    /// c⁻¹ mod n², for a ciphertext of this key.
    pub(crate) fn invert(&self, c: &Ciphertext<S>) -> Result<S::NSquared> {
        self.check(c)?;
        self.invert_public(c.value())
            .ok_or(Error::InvalidCiphertext)
    }

    /// x⁻¹ mod n² for a **public** x (a ciphertext, a product of them): variable time.
    pub(crate) fn invert_public(&self, x: &S::NSquared) -> Option<S::NSquared> {
        self.n_squared.invert_public_by_square_root(x, &self.n)
    }
}
