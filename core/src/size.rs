//! Key sizes: the fixed-width integers that hold n, n², p and p² for each size of n.

use core::fmt::Debug;

use crypto_bigint::{
    Choice, CtEq, CtOption, Gcd, Limb, NonZero, RandomBits, RandomMod, Reciprocal,
    UnsignedWithMontyForm, Word,
};
use crypto_bigint::{Odd, U1024, U2048, U3072, U4096, U6144, U8192, Uint};
use zeroize::Zeroize;

use crate::error::{Error, Result};
use crate::memcheck::declassify_value;
use crate::modexp::{
    InvertPublicBySquareRoot, Modulus, PowBy, ReduceWide, Residues, Wide, vectors_for,
};

/// The bounds every integer type of a key size meets, and its fixed-length big-endian bytes.
pub trait Integer:
    UnsignedWithMontyForm
    + Gcd<Output = Self>
    + RandomBits
    + RandomMod
    + Copy
    + Zeroize
    + Debug
    + Send
    + Sync
{
    /// Bytes in the big-endian encoding.
    const BYTES: usize;

    /// Whether `self` is invertible modulo an odd `modulus` (for `self` below it, in Z*_m), by
    /// crypto-bigint's constant-time inversion: its gcd is not constant-time.
    fn is_unit_mod(&self, modulus: &Odd<Self>) -> Choice;
    /// Decimal digits of the widest value, [`decimal_digits`] of the type's bits: the buffer
    /// [`Self::write_decimal`] needs.
    const DECIMAL_DIGITS: usize;

    /// Writes the big-endian encoding into `out`, which must be [`Self::BYTES`] long (a shorter
    /// one gets the low bytes only).
    fn write_be(&self, out: &mut [u8]) {
        for (chunk, limb) in out.rchunks_exact_mut(Limb::BYTES).zip(self.as_limbs()) {
            chunk.copy_from_slice(&limb.0.to_be_bytes());
        }
    }

    /// Reads a big-endian encoding of exactly [`Self::BYTES`] bytes.
    fn read_be(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != Self::BYTES {
            return None;
        }
        let mut out = Self::default();
        for (chunk, limb) in bytes.rchunks_exact(Limb::BYTES).zip(out.as_mut_limbs()) {
            limb.0 = Word::from_be_bytes(chunk.try_into().ok()?);
        }
        Some(out)
    }

    /// Reads a decimal number, most significant digit first: `None` (in the `CtOption`) if a byte
    /// is not a digit, if there are none, or if the value does not fit.
    ///
    /// Constant-time in the digits' values: only `digits.len()`, which the caller must treat as
    /// public, decides the work (secret primes are read with it). Linear in the length.
    fn from_decimal(digits: &[u8]) -> CtOption<Self> {
        let mut value = Self::default();
        // The length is public: the emptiness check may branch.
        let mut valid = if digits.is_empty() {
            Choice::FALSE
        } else {
            Choice::TRUE
        };
        // The first chunk takes the remainder, so the others hold exactly DIGITS_PER_LIMB each.
        #[allow(
            clippy::integer_division_remainder_used,
            reason = "of the public length by a constant"
        )]
        let first = digits.len() % DIGITS_PER_LIMB;
        let (head, tail) = digits.split_at(first);
        for chunk in core::iter::once(head).chain(tail.chunks_exact(DIGITS_PER_LIMB)) {
            let mut chunk_value: Word = 0;
            let mut scale: Word = 1;
            for &byte in chunk {
                let digit = byte.wrapping_sub(b'0');
                valid &= Choice::from_u32_lt(u32::from(digit), 10);
                chunk_value = chunk_value.wrapping_mul(10).wrapping_add(Word::from(digit));
                scale = scale.wrapping_mul(10);
            }
            // value = value · 10^len(chunk) + chunk, limb by limb; a carry out means overflow.
            let mut carry = Limb(chunk_value);
            for limb in value.as_mut_limbs() {
                (*limb, carry) = limb.carrying_mul_add(Limb(scale), carry, Limb::ZERO);
            }
            valid &= carry.ct_eq(&Limb::ZERO);
        }
        CtOption::new(value, valid)
    }

    /// Writes the decimal digits, most significant first, into `out[..Self::DECIMAL_DIGITS]` and
    /// returns the number's digits within it (`0` is the one digit `0`); a shorter `out` is
    /// [`Error::BufferTooSmall`].
    ///
    /// Constant-time: the work depends on the type's width only (a division by 10^19 per chunk
    /// of 19 digits, then one by 10 per digit, all by crypto-bigint's constant-time division by a
    /// limb). Only the digit count is declassified, in the returned slice's length: for p and q,
    /// whose bit length is fixed, it shows in the file anyway and is all but public.
    fn write_decimal<'a>(&self, out: &'a mut [u8]) -> Result<&'a [u8]> {
        let out = out
            .get_mut(..Self::DECIMAL_DIGITS)
            .ok_or(Error::BufferTooSmall)?;
        let mut rest = *self;
        // From the right, so that only the most significant chunk is short.
        for chunk in out.rchunks_mut(DIGITS_PER_LIMB) {
            let (quotient, mut remainder) = rest.div_rem_limb_with_reciprocal(&CHUNK);
            rest = quotient;
            for digit in chunk.iter_mut().rev() {
                let (quotient, low) = remainder.div_rem_with_reciprocal(&TEN);
                *digit = b'0' + low.0.to_le_bytes()[0];
                remainder = quotient;
            }
        }
        rest.zeroize();
        // Leading zeros, counted without a branch; the last digit always stays.
        let (_, leading) = out.split_last().ok_or(Error::BufferTooSmall)?;
        let mut zeros = Choice::TRUE;
        let mut skip: u32 = 0;
        for &digit in leading {
            zeros &= Choice::from_u8_eq(digit, b'0');
            skip += u32::from(zeros.to_u8());
        }
        let skip = usize::try_from(declassify_value(skip)).map_err(|_| Error::BufferTooSmall)?;
        out.get(skip..).ok_or(Error::BufferTooSmall)
    }
}

/// 10^DIGITS_PER_LIMB, the largest power of ten in a limb.
const CHUNK_DIVISOR: Word = {
    let mut power: Word = 1;
    let mut i = 0;
    while i < DIGITS_PER_LIMB {
        power *= 10;
        i += 1;
    }
    power
};
/// Division by [`CHUNK_DIVISOR`], a chunk of digits a step.
const CHUNK: Reciprocal = Reciprocal::new(NonZero::<Limb>::new_unwrap(Limb(CHUNK_DIVISOR)));
/// Division by 10, a digit of a chunk a step.
const TEN: Reciprocal = Reciprocal::new(NonZero::<Limb>::new_unwrap(Limb(10)));

/// Decimal digits that fit in a limb: 10^19 < 2^64, 10^9 < 2^32.
const DIGITS_PER_LIMB: usize = if Limb::BITS == 64 { 19 } else { 9 };

/// The most decimal digits a number of `bits` bits can have: ⌊bits · log₁₀ 2⌋ + 1, with log₁₀ 2
/// rounded up to 0.30103 (so never too few: 2467 for 8192 bits, 1234 for 4096, 617 for 2048).
#[allow(
    clippy::integer_division_remainder_used,
    reason = "of a public bit count"
)]
pub const fn decimal_digits(bits: usize) -> usize {
    bits * 30103 / 100_000 + 1
}

impl<const LIMBS: usize> Integer for Uint<LIMBS> {
    const BYTES: usize = Uint::<LIMBS>::BYTES;
    const DECIMAL_DIGITS: usize = decimal_digits(Uint::<LIMBS>::BITS as usize);

    fn is_unit_mod(&self, modulus: &Odd<Self>) -> Choice {
        self.invert_odd_mod(modulus).is_some()
    }
}

/// A Paillier key size: how many bits n has, and the fixed-width integer types of n, n², p and p².
///
/// Implemented by [`Paillier2048`], [`Paillier3072`] and [`Paillier4096`] (and, with the
/// `insecure-test-keys` feature, `InsecureTest1024`). Sealed: the arithmetic relies on
/// |n| = 2·|p| and |n²| = 2·|n| exactly.
pub trait KeySize: sealed::Sealed + Copy + Debug + Default + Eq + Send + Sync + 'static {
    /// Bits of n.
    const BITS: u32;
    /// Bits of p and of q: exactly half of [`Self::BITS`].
    const PRIME_BITS: u32;

    /// A prime factor p or q.
    type P: Integer;
    /// The modulus n = p·q.
    type N: Integer + Wide<Self::P>;
    /// n², where ciphertexts live.
    type NSquared: Integer + Wide<Self::N> + Wide<Self::PSquared>;
    /// p² or q² (as wide as n).
    type PSquared: Integer + Wide<Self::P>;

    /// Arithmetic modulo p or q.
    #[doc(hidden)]
    type ModP: Residues<Elem = Self::P> + PowBy<Self::P> + ReduceWide<Self::N>;
    /// Arithmetic modulo p² or q².
    #[doc(hidden)]
    type ModPSquared: Residues<Elem = Self::PSquared> + PowBy<Self::P> + ReduceWide<Self::NSquared>;
    /// Arithmetic modulo n.
    #[doc(hidden)]
    type ModN: Residues<Elem = Self::N> + PowBy<Self::N>;
    /// Arithmetic modulo n².
    #[doc(hidden)]
    type ModNSquared: Residues<Elem = Self::NSquared>
        + PowBy<Self::N>
        + InvertPublicBySquareRoot<Self::N>
        + Eq;

    /// Montgomery parameters for the public modulus n.
    #[doc(hidden)]
    fn mod_n(n: Odd<Self::N>) -> Self::ModN;
    /// Montgomery parameters for the public modulus n².
    #[doc(hidden)]
    fn mod_n_squared(n_squared: Odd<Self::NSquared>) -> Self::ModNSquared;
    /// Montgomery parameters for a secret prime, built in constant time.
    #[doc(hidden)]
    fn mod_p(p: Odd<Self::P>) -> Self::ModP;
    /// Montgomery parameters for the square of a secret prime, built in constant time.
    #[doc(hidden)]
    fn mod_p_squared(p_squared: Odd<Self::PSquared>) -> Self::ModPSquared;
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! key_size {
    ($(#[$attr:meta])* $name:ident, $bits:expr, $p:ty, $n:ty, $n_squared:ty) => {
        $(#[$attr])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        pub struct $name;

        impl sealed::Sealed for $name {}

        impl KeySize for $name {
            const BITS: u32 = $bits;
            const PRIME_BITS: u32 = <$p>::BITS;
            type P = $p;
            type N = $n;
            type NSquared = $n_squared;
            type PSquared = $n;
            type ModP = Modulus<{ <$p>::LIMBS }, { vectors_for(<$p>::LIMBS) }>;
            type ModPSquared = Modulus<{ <$n>::LIMBS }, { vectors_for(<$n>::LIMBS) }>;
            type ModN = Modulus<{ <$n>::LIMBS }, { vectors_for(<$n>::LIMBS) }>;
            type ModNSquared = Modulus<{ <$n_squared>::LIMBS }, { vectors_for(<$n_squared>::LIMBS) }>;

            fn mod_n(n: Odd<$n>) -> Self::ModN {
                Modulus::new_public(n)
            }

            fn mod_n_squared(n_squared: Odd<$n_squared>) -> Self::ModNSquared {
                Modulus::new_public(n_squared)
            }

            fn mod_p(p: Odd<$p>) -> Self::ModP {
                Modulus::new_secret(p)
            }

            fn mod_p_squared(p_squared: Odd<$n>) -> Self::ModPSquared {
                Modulus::new_secret(p_squared)
            }
        }
    };
}

key_size!(
    /// 2048-bit n (1024-bit primes): the smallest size Hecate accepts for real data.
    Paillier2048, 2048, U1024, U2048, U4096
);
key_size!(
    /// 3072-bit n (1536-bit primes): python-paillier's default and Hecate's.
    Paillier3072, 3072, crypto_bigint::U1536, U3072, U6144
);
key_size!(
    /// 4096-bit n (2048-bit primes).
    Paillier4096, 4096, U2048, U4096, U8192
);
#[cfg(feature = "insecure-test-keys")]
key_size!(
    /// 1024-bit n (512-bit primes). **Insecure**: factorable with public tools; for fast tests only,
    /// and only present with the `insecure-test-keys` feature.
    InsecureTest1024, 1024, crypto_bigint::U512, U1024, U2048
);

/// Whether Hecate has a key size with this many bits of n (the test size only with its feature).
pub(crate) fn is_supported(bits: u32) -> bool {
    bits == Paillier2048::BITS
        || bits == Paillier3072::BITS
        || bits == Paillier4096::BITS
        || (cfg!(feature = "insecure-test-keys") && bits == 1024)
}
