//! Ciphertexts: elements of Z*_{n²}, bound to the key they are under.

use crate::{Fingerprint, KeySize};

/// A Paillier ciphertext c in Z*_{n²} of one key. Public.
///
/// Made by encryption, by the homomorphic operations, or from outside through
/// [`PublicKey::ciphertext`](crate::PublicKey::ciphertext), which checks 0 < c < n² and gcd(c, n) = 1.
/// It remembers its key's fingerprint: every operation refuses a ciphertext of another key with
/// [`Error::KeyMismatch`](crate::Error::KeyMismatch) instead of computing garbage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ciphertext<S: KeySize> {
    pub(crate) value: S::NSquared,
    pub(crate) key: Fingerprint,
}

impl<S: KeySize> Ciphertext<S> {
    /// The integer c.
    pub fn value(&self) -> &S::NSquared {
        &self.value
    }

    /// The fingerprint of the key it is under.
    pub fn key(&self) -> &Fingerprint {
        &self.key
    }
}
