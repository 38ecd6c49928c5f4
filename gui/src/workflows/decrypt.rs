//! The customer's last step: the answer decrypted and decoded.

use anyhow::{Result, anyhow};
use hecate::{
    Answer, Fingerprint, KeyProof, KeySize, Kind, ModelCard, ModelId, PrivateKey, answer_addressee,
    key_bits,
};
use zeroize::Zeroizing;

use super::{encrypt, expect_kind};
use crate::interop::phe;
use crate::with_key_size;
use crate::workflows::os_rng;

/// A decrypted prediction. The value is the customer's to see, so `Debug` does not show it.
#[derive(Clone, Copy, PartialEq)]
pub struct Decrypted {
    /// The predicted value.
    pub value: f64,
    /// The model that answered.
    pub model: ModelId,
    /// The key it was for.
    pub fingerprint: Fingerprint,
}

impl std::fmt::Debug for Decrypted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decrypted")
            .field("model", &self.model)
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

/// Decrypts the answer in `answer_file` with the private key in `key_file`; refuses an answer
/// for another key.
pub fn decrypt(key_file: &[u8], answer_file: &[u8]) -> Result<Decrypted> {
    expect_kind(key_file, &[Kind::PrivateKey])?;
    with_key_size!(key_bits(key_file)?, |S| decrypt_answer_file(
        &PrivateKey::<S>::from_bytes(key_file, &mut os_rng())?,
        answer_file
    ))
}

/// A private key of any size, decoded and checked once, with its key proof made once, that
/// decrypts answers and encrypts queries (the app's): checking a key (two primality tests) costs
/// far more than a decryption, about 0.9 s at 4096 bits, and the proof several exponentiations.
pub trait AnswerKey: Send + Sync {
    /// Decrypts the answer message `answer_file`; refuses an answer for another key.
    fn decrypt_answer_file(&self, answer_file: &[u8]) -> Result<Decrypted>;
    /// The query message for `values` and `card` ([`encrypt::encrypt`]), through the CRT.
    fn encrypt_query(&self, values: &[f64], card: &ModelCard) -> Result<Zeroizing<Vec<u8>>>;
}

/// A private key with its proof of being well formed. `Debug` shows the public key only.
#[derive(Clone, Debug)]
pub struct HeldKey<S: KeySize> {
    key: PrivateKey<S>,
    proof: KeyProof<S>,
}

impl<S: KeySize> HeldKey<S> {
    /// `key` and its proof, made now.
    pub fn new(key: PrivateKey<S>) -> Result<Self> {
        let proof = key.prove_key()?;
        Ok(Self { key, proof })
    }

    /// The private key.
    pub fn key(&self) -> &PrivateKey<S> {
        &self.key
    }

    /// Its proof.
    pub fn proof(&self) -> &KeyProof<S> {
        &self.proof
    }
}

impl<S: KeySize> AnswerKey for HeldKey<S> {
    fn decrypt_answer_file(&self, answer_file: &[u8]) -> Result<Decrypted> {
        decrypt_answer_file(&self.key, answer_file)
    }

    fn encrypt_query(&self, values: &[f64], card: &ModelCard) -> Result<Zeroizing<Vec<u8>>> {
        encrypt::encrypt_with_private_key(self, values, card)
    }
}

/// Decrypts the answer message `answer_file` with `key`; refuses an answer for another key.
fn decrypt_answer_file<S: KeySize>(key: &PrivateKey<S>, answer_file: &[u8]) -> Result<Decrypted> {
    expect_kind(answer_file, &[Kind::Answer])?;
    let answer = Answer::from_bytes(answer_file, key.public_key()).map_err(|error| {
        match (error, answer_addressee(answer_file)) {
            (hecate::Error::KeyMismatch, Ok((addressee, _))) => anyhow!(
                "answer is for another key ({addressee:.16}), not for this one ({:.16})",
                key.public_key().fingerprint()
            ),
            _ => error.into(),
        }
    })?;
    let value = key.decrypt_answer(&answer)?.decode(key.public_key())?;
    Ok(Decrypted {
        value,
        model: answer.model,
        fingerprint: answer.fingerprint,
    })
}

/// Decrypts a python-paillier `answer.json` with the key in a `custkeys.json`; refuses an answer
/// for another key.
pub fn decrypt_phe(keys: &str, answer: &str) -> Result<f64> {
    with_key_size!(phe::key_bits(keys)?, |S| {
        let key = phe::read_keys::<S>(keys)?;
        let value = phe::read_answer(answer, key.public_key())?;
        Ok(key.decrypt_number(&value)?.decode(key.public_key())?)
    })
}
