//! Plaintexts: secret integers in [0, n).

use core::fmt;

use crypto_bigint::{Choice, CtEq};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::memcheck::declassify;
use crate::{Fingerprint, KeySize};

/// A plaintext m in [0, n) for some key of size `S`. Secret: zeroized on drop, redacted in `Debug`,
/// compared in constant time.
///
/// Made by [`PublicKey::plaintext`](crate::PublicKey::plaintext), which checks the range, or
/// [`Plaintext::from_u64`]; returned by decryption.
#[derive(Clone)]
pub struct Plaintext<S: KeySize> {
    value: S::N,
    /// The key it was checked against or decrypted with; none for a value below every n.
    key: Option<Fingerprint>,
}

impl<S: KeySize> Plaintext<S> {
    /// A plaintext of the key with fingerprint `key`, from a value the caller knows is below its n.
    pub(crate) fn new_unchecked(value: S::N, key: Option<Fingerprint>) -> Self {
        Self { value, key }
    }

    /// A small plaintext, valid for every key: every n of a supported size exceeds 2^64.
    pub fn from_u64(value: u64) -> Self {
        Self::new_unchecked(S::N::from(value), None)
    }

    /// Whether this plaintext may be used with the key with fingerprint `key`.
    pub(crate) fn check_key(&self, key: &Fingerprint) -> crate::Result<()> {
        match &self.key {
            Some(own) if own != key => Err(crate::Error::KeyMismatch),
            _ => Ok(()),
        }
    }

    /// The integer m.
    pub fn value(&self) -> &S::N {
        &self.value
    }

    #[cfg(any(feature = "ct-gate", hecate_ct_gate))]
    pub(crate) fn value_mut(&mut self) -> &mut S::N {
        &mut self.value
    }

    /// Equality of the values in constant time (whatever keys they were made for).
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
