//! Key generation: a private key message and its public key message.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Result, bail};
use hecate::{Fingerprint, KeySize, Kind, PrivateKey, key_bits};
use zeroize::Zeroizing;

use super::decrypt::{AnswerKey, HeldKey};
use super::{encode, os_rng};
use crate::interop::phe;
use crate::with_key_size;

/// A new key pair, encoded.
pub struct KeyPair {
    /// The private key message (secret).
    pub private: Zeroizing<Vec<u8>>,
    /// The private key, decoded and checked: answers are decrypted with it.
    pub key: Arc<dyn AnswerKey>,
    /// The public key message.
    pub public: Vec<u8>,
    /// The public key's fingerprint.
    pub fingerprint: Fingerprint,
    /// The size of n.
    pub bits: u32,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("fingerprint", &self.fingerprint)
            .field("bits", &self.bits)
            .finish_non_exhaustive()
    }
}

/// Generates a key with an n of `bits` bits from the operating system's randomness, giving up
/// once `cancelled` turns true.
pub fn generate(bits: u32, cancelled: &AtomicBool) -> Result<KeyPair> {
    with_key_size!(bits, |S| generate_sized::<S>(cancelled))
}

/// The key pair of the private key message `private` (validated in full: primality and sizes).
pub fn open(private: &[u8]) -> Result<KeyPair> {
    if Kind::of(private)? != Kind::PrivateKey {
        bail!("this is not a private key: the customer needs their private key to decrypt");
    }
    with_key_size!(key_bits(private)?, |S| pair(PrivateKey::<S>::from_bytes(
        private,
        &mut os_rng()
    )?))
}

fn generate_sized<S: KeySize>(cancelled: &AtomicBool) -> Result<KeyPair> {
    pair(PrivateKey::<S>::generate_cancellable(
        &mut os_rng(),
        || cancelled.load(Ordering::Relaxed),
    )?)
}

fn pair<S: KeySize>(key: PrivateKey<S>) -> Result<KeyPair> {
    let held = HeldKey::new(key)?;
    let key = held.key();
    Ok(KeyPair {
        private: encode(|out| key.to_bytes(out))?,
        public: encode(|out| key.public_key().to_bytes_with_proof(held.proof(), out))?.to_vec(),
        fingerprint: key.public_key().fingerprint(),
        bits: S::BITS,
        key: Arc::new(held),
    })
}

/// Generates a key and writes it as python-paillier's `custkeys.json` (secret).
pub fn generate_phe(bits: u32) -> Result<Zeroizing<String>> {
    with_key_size!(bits, |S| {
        let key = PrivateKey::<S>::generate(&mut os_rng())?;
        phe::write_keys(&key)
    })
}
