//! Key generation: a private key message and its public key message.

use anyhow::Result;
use hecate::{Fingerprint, KeySize, PrivateKey};
use zeroize::Zeroizing;

use super::{encode, os_rng};
use crate::interop::phe;
use crate::with_key_size;

/// A new key pair, encoded.
pub struct KeyPair {
    /// The private key message (secret).
    pub private: Zeroizing<Vec<u8>>,
    /// The public key message.
    pub public: Vec<u8>,
    /// The public key's fingerprint.
    pub fingerprint: Fingerprint,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

/// Generates a key with an n of `bits` bits from the operating system's randomness.
pub fn generate(bits: u32) -> Result<KeyPair> {
    with_key_size!(bits, |S| generate_sized::<S>())
}

fn generate_sized<S: KeySize>() -> Result<KeyPair> {
    let key = PrivateKey::<S>::generate(&mut os_rng())?;
    Ok(KeyPair {
        private: encode(|out| key.to_bytes(out))?,
        public: encode(|out| key.public_key().to_bytes(out))?.to_vec(),
        fingerprint: key.public_key().fingerprint(),
    })
}

/// Generates a key and writes it as python-paillier's `custkeys.json` (secret).
pub fn generate_phe(bits: u32) -> Result<Zeroizing<String>> {
    with_key_size!(bits, |S| {
        let key = PrivateKey::<S>::generate(&mut os_rng())?;
        phe::write_keys(&key).map(Zeroizing::new)
    })
}
