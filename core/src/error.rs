//! Errors.

use core::fmt;

use crate::wire::Kind;

/// Everything that can go wrong in Hecate's core. Each variant says what was wrong with the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A modulus or prime that must be odd is even.
    EvenModulus,
    /// n does not have exactly the bits of the key size.
    ModulusSize {
        /// Bits the key size requires.
        expected: u32,
        /// Bits the value has.
        actual: u32,
    },
    /// p or q does not have exactly half the bits of n.
    PrimeSize,
    /// p or q is not prime.
    NotPrime,
    /// p and q are equal.
    EqualPrimes,
    /// p·q is not the modulus n of the public key.
    ModulusMismatch,
    /// gcd(n, φ(n)) ≠ 1, so n is not a valid Paillier modulus.
    ModulusNotCoprimeToTotient,
    /// The prime generator refused the requested prime size.
    KeyGeneration,
    /// Key generation was cancelled by its caller.
    Cancelled,
    /// An encryption randomness r is not in Z*_n.
    InvalidNonce,
    /// A plaintext is not in [0, n).
    PlaintextOutOfRange,
    /// A ciphertext is not in Z*_{n²}: it is 0, not below n², or shares a factor with n.
    InvalidCiphertext,
    /// A number does not fit the plaintext space: its mantissa exceeds max_int = ⌊n/3⌋ − 1, or a
    /// decrypted plaintext lies in the gap (max_int, n − max_int) that no valid encoding reaches.
    Overflow,
    /// A value to encode is NaN or infinite.
    NotFinite,
    /// An exponent is outside the accepted range, or above the exponent it should be lowered from.
    ExponentOutOfRange,
    /// A decoded value is too large for an `f64`.
    OutOfF64Range,
    /// A feature or target name is empty, longer than 32 bytes or has a control character.
    InvalidName,
    /// Two features have the same name.
    DuplicateFeature,
    /// A model or query has no features.
    NoFeatures,
    /// A model or query has more than 128 features.
    TooManyFeatures,
    /// The number of features is not the one the model expects.
    FeatureCountMismatch {
        /// Features the model has.
        expected: u32,
        /// Features given.
        actual: u32,
    },
    /// A key size is not one Hecate supports, or not one the model card accepts.
    InvalidKeySize,
    /// A feature's mantissa is 2^64 or more at the exponent chosen for it.
    FeatureTooLarge,
    /// A message ends before its header, body or checksum does.
    Truncated,
    /// A message is longer than any Hecate writes.
    TooLong,
    /// The data does not start with Hecate's magic: it is not a Hecate file.
    NotHecate,
    /// A message is of another kind than the one expected.
    WrongKind {
        /// The kind expected.
        expected: Kind,
        /// The kind found.
        found: Kind,
    },
    /// A sealed file's key-derivation costs are out of bounds (see
    /// [`KdfParams`](crate::KdfParams)): refused before any work.
    KdfParamsOutOfBounds,
    /// A message has a format version this build does not read.
    UnsupportedVersion(u8),
    /// A message's checksum does not match: the file is damaged.
    Corrupted,
    /// A message's body does not decode: a field is missing, too long, or of the wrong length.
    Malformed,
    /// The output buffer is too small for the message.
    BufferTooSmall,
    /// An answer is for another key.
    KeyMismatch,
    /// A query's key fingerprint does not match its key.
    FingerprintMismatch,
    /// A query is for another model.
    ModelMismatch,
    /// A query's feature names are not the model's, in order.
    FeatureNamesMismatch,
    /// A feature's declared range is empty or its bounds are 2^63 or more in magnitude.
    InvalidFeatureRange,
    /// A model's encoding (exponents, ranges, weight and intercept lengths) gives no answer mask
    /// that fits a key, or a model's weights exceed the lengths it declares.
    InvalidEncoding,
    /// A value is outside its feature's declared range (or too large for its exponent).
    ValueOutOfRange {
        /// The feature, counted from 0.
        feature: u32,
    },
    /// A query's feature is not at the exponent the model card sets for it.
    ExponentMismatch {
        /// The feature, counted from 0.
        feature: u32,
    },
    /// A query's key comes without a proof that it is well formed.
    MissingKeyProof,
    /// n has a prime factor below [`SMALL_PRIME_BOUND`](crate::SMALL_PRIME_BOUND): a key proof
    /// cannot show gcd(n, φ(n)) = 1 for it.
    ModulusHasSmallFactor,
    /// A key proof does not have exactly [`KEY_PROOF_ROUNDS`](crate::KEY_PROOF_ROUNDS) roots.
    KeyProofLength,
    /// No key proof challenge in [1, n) coprime to n came out of the hash within its attempts
    /// (probability below 2^-128 for any n of the key size).
    KeyProofChallenge,
    /// A key proof's root is out of [1, n) or is not an n-th root of its challenge: the key is not
    /// proven well formed.
    InvalidKeyProof,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EvenModulus => f.write_str("modulus is even"),
            Self::ModulusSize { expected, actual } => {
                write!(
                    f,
                    "modulus has {actual} bits, the key size needs exactly {expected}"
                )
            }
            Self::PrimeSize => {
                f.write_str("prime factor does not have half the bits of the modulus")
            }
            Self::NotPrime => f.write_str("prime factor is not prime"),
            Self::EqualPrimes => f.write_str("the two prime factors are equal"),
            Self::ModulusMismatch => f.write_str("p·q is not the modulus of the public key"),
            Self::ModulusNotCoprimeToTotient => f.write_str("gcd(n, φ(n)) is not 1"),
            Self::KeyGeneration => f.write_str("prime generation failed for this key size"),
            Self::Cancelled => f.write_str("key generation was cancelled"),
            Self::InvalidNonce => f.write_str("encryption randomness is not in Z*_n"),
            Self::PlaintextOutOfRange => f.write_str("plaintext is not below the modulus n"),
            Self::InvalidCiphertext => f.write_str("ciphertext is not in Z*_{n²}"),
            Self::Overflow => f.write_str("number overflows the plaintext space of the key"),
            Self::NotFinite => f.write_str("value is not a finite number"),
            Self::ExponentOutOfRange => f.write_str("exponent is out of range"),
            Self::OutOfF64Range => f.write_str("value is too large for a 64-bit float"),
            Self::InvalidName => {
                f.write_str("name is empty, longer than 32 bytes or has a control character")
            }
            Self::DuplicateFeature => f.write_str("two features have the same name"),
            Self::NoFeatures => f.write_str("no features"),
            Self::TooManyFeatures => f.write_str("more than 128 features"),
            Self::FeatureCountMismatch { expected, actual } => {
                write!(f, "{actual} features given, the model has {expected}")
            }
            Self::InvalidKeySize => f.write_str("key size is not supported or not accepted"),
            Self::FeatureTooLarge => f.write_str("feature value is too large for its exponent"),
            Self::Truncated => f.write_str("message is truncated"),
            Self::TooLong => f.write_str("message is longer than any Hecate writes"),
            Self::NotHecate => f.write_str("not a Hecate file"),
            Self::WrongKind { expected, found } => {
                let (a, b) = (article(*expected), article(*found));
                write!(f, "expected {a} {expected}, found {b} {found}")
            }
            Self::KdfParamsOutOfBounds => write!(
                f,
                "key-derivation costs out of bounds (at most {} MiB, {} passes, {} lanes, {} MiB \
                 times passes)",
                crate::KdfParams::MAX_MEMORY_MIB,
                crate::KdfParams::MAX_PASSES,
                crate::KdfParams::MAX_LANES,
                crate::KdfParams::MAX_WORK_MIB
            ),
            Self::UnsupportedVersion(version) => {
                write!(f, "format version {version} is not supported")
            }
            Self::Corrupted => f.write_str("checksum mismatch: the file is damaged"),
            Self::Malformed => f.write_str("message is malformed"),
            Self::BufferTooSmall => f.write_str("output buffer is too small"),
            Self::KeyMismatch => f.write_str("answer is for another key"),
            Self::FingerprintMismatch => {
                f.write_str("query's key fingerprint does not match its key")
            }
            Self::ModelMismatch => f.write_str("query is for another model"),
            Self::FeatureNamesMismatch => f.write_str("query's feature names are not the model's"),
            Self::InvalidFeatureRange => f.write_str("feature range is empty or too wide"),
            Self::InvalidEncoding => f.write_str(
                "model encoding gives no answer mask that fits a key (ranges too wide or \
                 exponents too fine), or the weights exceed it",
            ),
            Self::ValueOutOfRange { feature } => write!(
                f,
                "value {} is outside its feature's declared range",
                u64::from(*feature) + 1
            ),
            Self::ExponentMismatch { feature } => write!(
                f,
                "feature {} is not at the exponent the model card sets",
                u64::from(*feature) + 1
            ),
            Self::MissingKeyProof => f.write_str(
                "the key comes without a proof that it is well formed (gcd(n, φ(n)) = 1)",
            ),
            Self::ModulusHasSmallFactor => write!(
                f,
                "modulus has a prime factor below {}",
                crate::SMALL_PRIME_BOUND
            ),
            Self::KeyProofLength => write!(
                f,
                "key proof does not have exactly {} roots",
                crate::KEY_PROOF_ROUNDS
            ),
            Self::KeyProofChallenge => {
                f.write_str("no key proof challenge could be derived for this modulus")
            }
            Self::InvalidKeyProof => {
                f.write_str("the key's proof of being well formed (gcd(n, φ(n)) = 1) is invalid")
            }
        }
    }
}

/// "a" or "an" before the name of a kind of message.
fn article(kind: Kind) -> &'static str {
    if kind == Kind::Answer { "an" } else { "a" }
}

impl core::error::Error for Error {}

/// Hecate's result type.
pub type Result<T> = core::result::Result<T, Error>;
