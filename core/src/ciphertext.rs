//! Ciphertexts: elements of Z*_{n²}.

use crate::KeySize;

/// A Paillier ciphertext c in Z*_{n²}. Public.
///
/// Made by encryption, by the homomorphic operations, or from outside through
/// [`PublicKey::ciphertext`](crate::PublicKey::ciphertext), which checks 0 < c < n² and gcd(c, n) = 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ciphertext<S: KeySize> {
    pub(crate) value: S::NSquared,
}

impl<S: KeySize> Ciphertext<S> {
    /// The integer c.
    pub fn value(&self) -> &S::NSquared {
        &self.value
    }
}
