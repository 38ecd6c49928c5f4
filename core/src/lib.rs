//! # Hecate core
//!
//! Constant-time Paillier encryption for private prediction: a customer encrypts, a company
//! computes on ciphertexts, only the customer decrypts. `no_std`, no heap, on `crypto-bigint`.
//!
//! ```
//! use hecate::{Paillier2048, Plaintext, PrivateKey};
//! # fn main() -> Result<(), hecate::Error> {
//! # let mut rng = rand::rng();
//! let key = PrivateKey::<Paillier2048>::generate(&mut rng)?;
//! let public = key.public_key();
//! let a = public.encrypt(&Plaintext::from_u64(20), &mut rng)?;
//! let b = public.encrypt(&Plaintext::from_u64(22), &mut rng)?;
//! let sum = public.add(&a, &b)?;
//! assert_eq!(key.decrypt(&sum)?, Plaintext::from_u64(42));
//! # Ok(())
//! # }
//! ```
//!
//! Secrets (the primes and everything derived from them, plaintexts, encryption randomness,
//! scalars) never decide a branch, an index or an early exit: arithmetic on them goes through
//! `crypto-bigint`'s constant-time API, through one internal module for all modular arithmetic.

#![no_std]
// Division is not constant-time: the core uses none on secrets, and this keeps it that way.
#![warn(clippy::integer_division_remainder_used)]
#![warn(clippy::std_instead_of_core, clippy::alloc_instead_of_core)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod ciphertext;
mod decrypt;
mod encoding;
mod encrypt;
mod error;
mod keygen;
mod keys;
#[doc(hidden)]
pub mod memcheck;
mod model;
mod modexp;
mod ops;
mod parallel;
mod plaintext;
mod prime;
mod proof;
mod sealed;
mod size;
mod wire;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "hazmat")]
pub mod hazmat;

pub use ciphertext::Ciphertext;
pub use encoding::{BASE, EXPONENT_LIMIT, EncodedNumber, ExactValue};
pub use error::{Error, Result};
pub use keys::{PrivateKey, PublicKey};
pub use model::{
    DEFAULT_FEATURE_EXPONENT, EncryptedFeatures, EncryptedNumber, FEATURE_MANTISSA_BITS,
    FeatureSpec, MAX_FEATURES, MAX_NAME_LEN, Model, ModelCard, ModelId, Name, Names, Quantization,
    Specs, WEIGHT_PRECISION_BITS, parse_name,
};
pub use modexp::Arithmetic;
pub use plaintext::Plaintext;
pub use proof::{KEY_PROOF_ROUNDS, KeyProof, SMALL_PRIME_BOUND, check_small_factors};
pub use sealed::{
    KdfParams, MAX_SEALED_INNER_LEN, NONCE_LEN, SALT_LEN, Sealed, SealedHeader, Subject, TAG_LEN,
};
#[cfg(feature = "insecure-test-keys")]
pub use size::InsecureTest1024;
pub use size::{Integer, KeySize, Paillier2048, Paillier3072, Paillier4096, decimal_digits};
pub use wire::{
    Answer, Fingerprint, Kind, MAX_MESSAGE_LEN, Query, answer_addressee, key_bits,
    public_key_with_proof, query_fingerprint,
};

pub use crypto_bigint;
pub use rand_core;
