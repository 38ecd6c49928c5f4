//! Errors.

use core::fmt;

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
    /// A plaintext is not in [0, n).
    PlaintextOutOfRange,
    /// A ciphertext is not in Z*_{n²}: it is 0, not below n², or shares a factor with n.
    InvalidCiphertext,
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
            Self::PlaintextOutOfRange => f.write_str("plaintext is not below the modulus n"),
            Self::InvalidCiphertext => f.write_str("ciphertext is not in Z*_{n²}"),
        }
    }
}

impl core::error::Error for Error {}

/// Hecate's result type.
pub type Result<T> = core::result::Result<T, Error>;
