//! Plaintexts: secret integers in [0, n).

use core::fmt;

use crypto_bigint::{Choice, CtEq};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::KeySize;
use crate::memcheck::declassify;

/// A plaintext m in [0, n) for some key of size `S`. Secret: zeroized on drop, redacted in `Debug`,
/// compared in constant time.
///
/// Made by [`PublicKey::plaintext`](crate::PublicKey::plaintext), which checks the range, or
/// [`Plaintext::from_u64`]; returned by decryption.
#[derive(Clone)]
pub struct Plaintext<S: KeySize> {
    value: S::N,
}

impl<S: KeySize> Plaintext<S> {
    /// A plaintext from a value the caller knows is below n.
    pub(crate) fn new_unchecked(value: S::N) -> Self {
        Self { value }
    }

    /// A small plaintext; every n of a supported size exceeds 2^64.
    pub fn from_u64(value: u64) -> Self {
        Self::new_unchecked(S::N::from(value))
    }

    /// The integer m.
    pub fn value(&self) -> &S::N {
        &self.value
    }

    /// Equality in constant time.
    pub fn ct_eq(&self, other: &Self) -> Choice {
        self.value.ct_eq(&other.value)
    }
}

impl<S: KeySize> PartialEq for Plaintext<S> {
    fn eq(&self, other: &Self) -> bool {
        declassify(self.ct_eq(other))
    }
}

impl<S: KeySize> Eq for Plaintext<S> {}

impl<S: KeySize> fmt::Debug for Plaintext<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Plaintext(<redacted>)")
    }
}

impl<S: KeySize> Zeroize for Plaintext<S> {
    fn zeroize(&mut self) {
        self.value.zeroize();
    }
}

impl<S: KeySize> Drop for Plaintext<S> {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl<S: KeySize> ZeroizeOnDrop for Plaintext<S> {}
