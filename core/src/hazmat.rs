//! Raw primitives: encryption with caller-chosen randomness.
//!
//! **Hazardous.** Reusing an r, or choosing it other than uniformly in Z*_n, breaks the
//! security of every ciphertext involved. These exist for known-answer tests against other
//! implementations (python-paillier's `raw_encrypt(m, r_value)`) and for the constant-time gate,
//! which needs the randomness as an input it can mark secret.

use crate::memcheck::declassify;
use crate::{Ciphertext, Error, KeySize, Plaintext, PrivateKey, PublicKey, Result};

/// Refuses an r outside Z*_n (0, n or more, or sharing a factor with n) and a plaintext of another
/// key; declassifies only the verdict.
fn check<S: KeySize>(key: &PublicKey<S>, m: &Plaintext<S>, r: &S::N) -> Result<()> {
    m.check_key(&key.fingerprint)?;
    if declassify(key.is_unit(r)) {
        Ok(())
    } else {
        Err(Error::InvalidNonce)
    }
}

/// (1 + m·n) · r^n mod n², with r^n computed from the public key.
pub fn encrypt_with_nonce<S: KeySize>(
    key: &PublicKey<S>,
    m: &Plaintext<S>,
    r: &S::N,
) -> Result<Ciphertext<S>> {
    check(key, m, r)?;
    Ok(key.encrypt_with_nonce(m, r))
}

/// (1 + m·n) · r^n mod n², with r^n computed through the CRT by the key holder.
pub fn encrypt_crt_with_nonce<S: KeySize>(
    key: &PrivateKey<S>,
    m: &Plaintext<S>,
    r: &S::N,
) -> Result<Ciphertext<S>> {
    check(key.public_key(), m, r)?;
    Ok(key.encrypt_with_nonce(m, r))
}
