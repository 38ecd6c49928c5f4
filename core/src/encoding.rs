//! Fixed-point encoding of real numbers as plaintexts, compatible with python-paillier.
//!
//! A value is `m · 16^e` with an integer mantissa m in [−max_int, max_int], max_int = ⌊n/3⌋ − 1, and
//! a public exponent e. A negative m is stored as n + m, exactly as python-paillier's `EncodedNumber`,
//! so its files interoperate. Plaintexts in the gap (max_int, n − max_int) decode to an
//! [`Error::Overflow`], never to a wrong number.
//!
//! Mantissas are secret: encoding, exponent changes and decoding to `f64` are constant-time in them,
//! with the bit twiddling written here on limbs (crypto-bigint's shifts by a secret amount carry
//! assertion guards that branch on the shift).

use core::num::NonZeroU8;

use crypto_bigint::{
    Choice, CtEq, CtLt, CtSelect, DivRemLimb, Integer as _, Limb, NonZero, Word, WrappingSub,
};
use zeroize::Zeroize;

use crate::memcheck::{declassify, declassify_value};
use crate::{Error, KeySize, Plaintext, PublicKey, Result};

/// The base of the exponent, as in python-paillier.
pub const BASE: u32 = 16;
/// Exponents of encoded numbers lie in `-EXPONENT_LIMIT..=EXPONENT_LIMIT` (16^±2048 = 2^±8192, far
/// beyond any key's plaintext space and any `f64`).
pub const EXPONENT_LIMIT: i32 = 2048;

/// Bits in an `f64` significand (with the implicit bit), as python-paillier's `FLOAT_MANTISSA_BITS`.
const F64_MANTISSA_BITS: i32 = 53;

/// A plaintext that encodes `m · 16^exponent`. The mantissa is secret, the exponent public.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodedNumber<S: KeySize> {
    plaintext: Plaintext<S>,
    exponent: i32,
}

/// The exact value of an encoded number: `(−1)^negative · magnitude · 16^exponent`.
///
/// Secret: zeroized on drop. `negative` is a plain `bool`, so building this reveals the sign to
/// whoever branches on it; use [`EncodedNumber::decode`] for a constant-time `f64`.
#[derive(Clone, Zeroize)]
#[zeroize(drop)]
pub struct ExactValue<S: KeySize> {
    /// |m|, at most max_int.
    pub magnitude: S::N,
    /// Whether m < 0.
    pub negative: bool,
    /// The exponent e (base 16).
    pub exponent: i32,
}

impl<S: KeySize> core::fmt::Debug for ExactValue<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ExactValue(<redacted>)")
    }
}

impl<S: KeySize> EncodedNumber<S> {
    /// A plaintext and its exponent, as received (e.g. from python-paillier's JSON).
    pub fn from_parts(plaintext: Plaintext<S>, exponent: i32) -> Result<Self> {
        check_exponent(exponent)?;
        Ok(Self {
            plaintext,
            exponent,
        })
    }

    /// The plaintext `n + m` or `m`.
    pub fn plaintext(&self) -> &Plaintext<S> {
        &self.plaintext
    }

    #[cfg(any(feature = "ct-gate", hecate_ct_gate))]
    pub(crate) fn plaintext_mut(&mut self) -> &mut Plaintext<S> {
        &mut self.plaintext
    }

    /// The exponent e: the number is `m · 16^e`.
    pub fn exponent(&self) -> i32 {
        self.exponent
    }

    /// An integer at exponent 0.
    pub fn from_i64(key: &PublicKey<S>, value: i64) -> Self {
        let magnitude = S::N::from(value.unsigned_abs());
        let negative = Choice::from_u64_lsb(value.cast_unsigned() >> 63);
        Self {
            plaintext: signed_plaintext(key, &magnitude, negative),
            exponent: 0,
        }
    }

    /// An `f64`, exactly, at the exponent python-paillier chooses for it: the largest e with
    /// 16^e at most the value of the last of its 53 significand bits. The exponent reveals the
    /// binary magnitude of the value, as in python-paillier; [`Self::from_f64_at`] hides it.
    pub fn from_f64(key: &PublicKey<S>, value: f64) -> Result<Self> {
        let parts = F64Parts::new(value)?;
        // frexp's exponent minus 53, i.e. the weight of the last significand bit.
        let lsb = parts.frexp_exponent() - F64_MANTISSA_BITS;
        // floor(lsb / 4); `>>` on a signed integer rounds toward −∞. Public by design: it travels
        // in the clear beside the ciphertext.
        let exponent = declassify_value(lsb >> 2);
        Self::from_f64_at(key, value, exponent)
    }

    /// An `f64` at a chosen exponent, rounded half to even (python-paillier's
    /// `encode(value, precision=16^exponent)`). Fails with [`Error::Overflow`] when the rounded
    /// mantissa exceeds max_int.
    pub fn from_f64_at(key: &PublicKey<S>, value: f64, exponent: i32) -> Result<Self> {
        check_exponent(exponent)?;
        let parts = F64Parts::new(value)?;
        // value = significand · 2^shift · 16^exponent.
        let shift = i64::from(parts.exponent) - 4 * i64::from(exponent);
        let (magnitude, fits) = scaled_significand::<S::N>(parts.significand, shift);
        let fits = fits & !key.max_int().ct_lt(&magnitude);
        // Declassifies only whether the value fits the key.
        if !declassify(fits) {
            return Err(Error::Overflow);
        }
        Ok(Self {
            plaintext: signed_plaintext(key, &magnitude, parts.negative),
            exponent,
        })
    }

    /// The same number at a lower exponent: the mantissa times 16^(exponent − new_exponent).
    /// Fails with [`Error::Overflow`] if that leaves [−max_int, max_int].
    pub fn with_exponent(&self, key: &PublicKey<S>, new_exponent: i32) -> Result<Self> {
        check_exponent(new_exponent)?;
        self.plaintext.check_key(&key.fingerprint)?;
        if new_exponent > self.exponent {
            return Err(Error::ExponentOutOfRange);
        }
        let (magnitude, negative, valid) = self.signed_magnitude(key);
        let shift = 4 * self.exponent.abs_diff(new_exponent);
        let (shifted, fits) = shl_checked(&magnitude, shift);
        let fits = valid & fits & !key.max_int().ct_lt(&shifted);
        // Declassifies only whether the result fits.
        if !declassify(fits) {
            return Err(Error::Overflow);
        }
        Ok(Self {
            plaintext: signed_plaintext(key, &shifted, negative),
            exponent: new_exponent,
        })
    }

    /// The value as the nearest `f64` (ties to even), as python-paillier's `decode` gives it:
    /// [`Error::Overflow`] for a plaintext in the gap, [`Error::OutOfF64Range`] for a value too
    /// large for an `f64`. Constant-time in the mantissa.
    pub fn decode(&self, key: &PublicKey<S>) -> Result<f64> {
        self.plaintext.check_key(&key.fingerprint)?;
        let (magnitude, negative, valid) = self.signed_magnitude(key);
        // Declassifies only whether the plaintext is a valid encoding.
        if !declassify(valid) {
            return Err(Error::Overflow);
        }
        let (value, finite) = to_f64(magnitude.as_limbs(), negative, 4 * i64::from(self.exponent));
        // Declassifies only whether the value fits an f64.
        if declassify(finite) {
            Ok(value)
        } else {
            Err(Error::OutOfF64Range)
        }
    }

    /// The exact value, for callers who need more than an `f64`.
    pub fn decode_exact(&self, key: &PublicKey<S>) -> Result<ExactValue<S>> {
        self.plaintext.check_key(&key.fingerprint)?;
        let (magnitude, negative, valid) = self.signed_magnitude(key);
        if !declassify(valid) {
            return Err(Error::Overflow);
        }
        Ok(ExactValue {
            magnitude,
            negative: declassify(negative),
            exponent: self.exponent,
        })
    }

    /// (|m|, m < 0, whether the plaintext is outside the gap), in constant time.
    pub(crate) fn signed_magnitude(&self, key: &PublicKey<S>) -> (S::N, Choice, Choice) {
        let value = self.plaintext.value();
        let max_int = key.max_int();
        let n = key.n();
        let positive = !max_int.ct_lt(value);
        let negative = !value.ct_lt(&n.wrapping_sub(&max_int));
        let magnitude = value.ct_select(&n.wrapping_sub(value), negative);
        (magnitude, negative, positive | negative)
    }
}

impl<S: KeySize> PublicKey<S> {
    /// max_int = ⌊n/3⌋ − 1, the largest mantissa magnitude an encoding may have.
    pub fn max_int(&self) -> S::N {
        // n is public: the division may run in variable time.
        let three = NonZero::<Limb>::from_u8(NonZeroU8::MIN.saturating_add(2));
        let (third, _) = self.n().div_rem_limb(three);
        third.wrapping_sub(&S::N::from(1u8))
    }
}

/// Whether an exponent is within ±[`EXPONENT_LIMIT`], in constant time.
pub(crate) fn exponent_in_range(exponent: i32) -> Choice {
    let shifted = exponent.wrapping_add(EXPONENT_LIMIT).cast_unsigned();
    Choice::from_u32_le(shifted, EXPONENT_LIMIT.cast_unsigned() * 2)
}

pub(crate) fn check_exponent(exponent: i32) -> Result<()> {
    if exponent.unsigned_abs() > EXPONENT_LIMIT.unsigned_abs() {
        Err(Error::ExponentOutOfRange)
    } else {
        Ok(())
    }
}

/// `magnitude` or `n − magnitude` (for a non-zero magnitude and `negative`), in constant time.
pub(crate) fn signed_plaintext<S: KeySize>(
    key: &PublicKey<S>,
    magnitude: &S::N,
    negative: Choice,
) -> Plaintext<S> {
    let nonzero = !magnitude.ct_eq(&S::N::default());
    let value = magnitude.ct_select(&key.n().wrapping_sub(magnitude), negative & nonzero);
    Plaintext::new_unchecked(value, Some(key.fingerprint))
}

/// An `f64` as sign, integer significand and binary exponent: |value| = significand · 2^exponent.
pub(crate) struct F64Parts {
    pub(crate) negative: Choice,
    pub(crate) significand: u64,
    pub(crate) exponent: i32,
}

impl F64Parts {
    /// Splits a finite `f64` without branching on it; NaN and infinities are refused (which
    /// declassifies only that).
    pub(crate) fn new(value: f64) -> Result<Self> {
        let bits = value.to_bits();
        let biased = (bits >> 52) & 0x7ff;
        if declassify(Choice::from_u64_eq(biased, 0x7ff)) {
            return Err(Error::NotFinite);
        }
        let subnormal = Choice::from_u64_eq(biased, 0);
        let fraction = bits & ((1 << 52) - 1);
        let biased = subnormal.select_u64(biased, 1);
        Ok(Self {
            negative: Choice::from_u64_lsb(bits >> 63),
            significand: fraction | subnormal.select_u64(1 << 52, 0),
            // `biased` is at most 0x7fe here.
            exponent: i32::from(u16::try_from(biased).unwrap_or(0)) - 1075,
        })
    }

    /// The exponent `frexp` returns: |value| = f · 2^e with f in [0.5, 1), and 0 for zero.
    pub(crate) fn frexp_exponent(&self) -> i32 {
        let width = (64 - ct_leading_zeros(self.significand)).cast_signed();
        let zero = Choice::from_u64_eq(self.significand, 0);
        // Both values are within ±1200: the narrowing keeps them.
        low_i32(zero.select_i64(i64::from(self.exponent + width), 0))
    }
}

/// `significand · 2^shift` rounded half to even to an integer, and whether it fits the type.
pub(crate) fn scaled_significand<T: crate::size::Integer>(
    significand: u64,
    shift: i64,
) -> (T, Choice) {
    let left = !ct_lt_i64(shift, 0);
    // Left shift (shift ≥ 0): exact.
    let left_amount =
        u32::try_from(ct_clamp_i64(shift, 0, i64::from(u32::MAX))).unwrap_or(u32::MAX);
    let (shifted, fits) = shl_checked(&T::from(significand), left_amount);
    // Right shift (shift < 0): round half to even. Beyond 64 places everything is below one half.
    let right_amount = u32::try_from(ct_clamp_i64(-shift, 1, 64)).unwrap_or(64);
    let rounded = T::from(round_shr(significand, right_amount));
    (rounded.ct_select(&shifted, left), fits | !left)
}

/// `x / 2^amount` rounded half to even, for 1 ≤ amount ≤ 64, without branches.
pub(crate) fn round_shr(x: u64, amount: u32) -> u64 {
    let wide = u128::from(x);
    let kept = low_u64(wide >> amount);
    let half = low_u64(wide >> (amount - 1)) & 1;
    let below_half = wide & ((1u128 << (amount - 1)) - 1);
    let rest = Choice::from_u128_nz(below_half);
    let round_up = Choice::from_u64_lsb(half) & (rest | Choice::from_u64_lsb(kept));
    kept + round_up.select_u64(0, 1)
}

/// `x · 2^shift` and whether no bit was lost, in constant time in both `x` and `shift`.
pub(crate) fn shl_checked<T: crate::size::Integer>(x: &T, shift: u32) -> (T, Choice) {
    let limbs = x.as_limbs();
    let end = index_u64(limbs.len());
    let whole = u64::from(shift >> Limb::LOG2_BITS);
    let bits = shift & (Limb::BITS - 1);
    let mut out = T::default();
    let mut lost = Choice::FALSE;
    for (source, limb) in limbs.iter().enumerate() {
        // The limb's bits land in limb `base` (low part) and `base + 1` (high part).
        let wide = u128::from(limb.0) << bits;
        let (low, high) = (low_word(wide), low_word(wide >> Limb::BITS));
        let base = index_u64(source) + whole;
        for (target, slot) in out.as_mut_limbs().iter_mut().enumerate() {
            let target = index_u64(target);
            let low_here = Limb::ZERO.ct_select(&Limb(low), Choice::from_u64_eq(target, base));
            let high_here =
                Limb::ZERO.ct_select(&Limb(high), Choice::from_u64_eq(target, base + 1));
            slot.0 |= low_here.0 | high_here.0;
        }
        lost |= !Choice::from_u64_lt(base, end) & word_nonzero(low);
        lost |= !Choice::from_u64_lt(base + 1, end) & word_nonzero(high);
    }
    (out, !lost)
}

/// Whether a limb's word is non-zero.
#[allow(
    clippy::useless_conversion,
    reason = "a word is a u32 on 32-bit targets"
)]
fn word_nonzero(word: Word) -> Choice {
    Choice::from_u64_nz(u64::from(word))
}

fn index_u64(index: usize) -> u64 {
    u64::try_from(index).unwrap_or(u64::MAX)
}

/// `x < y` for values far from the ends of `i64`, without a branch.
pub(crate) fn ct_lt_i64(x: i64, y: i64) -> Choice {
    Choice::from_u64_lsb(x.wrapping_sub(y).cast_unsigned() >> 63)
}

/// `x` clamped to `[low, high]`, without a branch.
pub(crate) fn ct_clamp_i64(x: i64, low: i64, high: i64) -> i64 {
    let x = ct_lt_i64(x, low).select_i64(x, low);
    ct_lt_i64(high, x).select_i64(x, high)
}

/// The low 64 bits.
#[allow(clippy::cast_possible_truncation, reason = "truncation is the point")]
fn low_u64(x: u128) -> u64 {
    x as u64
}

/// The low 32 bits, as a signed value.
#[allow(clippy::cast_possible_truncation, reason = "truncation is the point")]
fn low_i32(x: i64) -> i32 {
    x as i32
}

/// The low bits, as many as a limb holds.
#[allow(clippy::cast_possible_truncation, reason = "truncation is the point")]
fn low_word(x: u128) -> Word {
    x as Word
}

/// Leading zeros of a `u64`, by a fixed sequence of masks (no `bsr`/`lzcnt` branch on zero).
fn ct_leading_zeros(x: u64) -> u32 {
    let mut x = x;
    let mut zeros = 0;
    for width in [32u32, 16, 8, 4, 2, 1] {
        let high_empty = Choice::from_u64_eq(x >> (64 - width), 0);
        zeros += high_empty.select_u32(0, width);
        x = high_empty.select_u64(x, x << width);
    }
    zeros + Choice::from_u64_eq(x, 0).select_u32(0, 1)
}

/// `(−1)^negative · magnitude · 2^exp2` as the nearest `f64` (ties to even) and whether it is
/// finite; constant-time in `magnitude` and `negative`. `magnitude` is little-endian limbs.
pub(crate) fn to_f64(magnitude: &[Limb], negative: Choice, exp2: i64) -> (f64, Choice) {
    // The top 128 bits from the top non-zero limb down, and that limb's position.
    let per_window = usize::try_from(128 >> Limb::LOG2_BITS).unwrap_or(2);
    let mut window = 0u128;
    let mut top_index = 0u64;
    let mut found = Choice::FALSE;
    for (index, limb) in magnitude.iter().enumerate().rev() {
        let here = !found & word_nonzero(limb.0);
        let mut candidate = 0u128;
        for k in 0..per_window {
            let word = index
                .checked_sub(k)
                .and_then(|i| magnitude.get(i))
                .map_or(0, |l| l.0);
            let k = u32::try_from(k + 1).unwrap_or(0);
            candidate |= u128::from(word) << (128 - Limb::BITS * k);
        }
        window = here.select_u128(window, candidate);
        top_index = here.select_u64(top_index, index_u64(index));
        found |= here;
    }
    // Limbs below the window only decide whether the rest is zero.
    let mut sticky = Choice::FALSE;
    for (index, limb) in magnitude.iter().enumerate() {
        let below = Choice::from_u64_lt(index_u64(index) + index_u64(per_window), top_index + 1);
        sticky |= below & word_nonzero(limb.0);
    }
    // Normalize: the top limb is non-zero, so its leading zeros are fewer than a limb's bits.
    let zeros = ct_leading_zeros(low_u64(window >> 64));
    let window = window << zeros;
    let leading = low_u64(window >> 64);
    sticky |= Choice::from_u64_nz(low_u64(window));
    // Unbiased exponent of the leading bit: value = 1.xxx · 2^exponent.
    let limb_bits = i64::from(Limb::BITS);
    let width = i64::try_from(top_index).unwrap_or(0) * limb_bits + limb_bits - i64::from(zeros);
    let exponent = width - 1 + exp2;
    // Bits to drop from `leading`: 11 for a normal result, more for a subnormal one; past 64 the
    // value is below half the smallest subnormal and rounds to zero (76 keeps that true).
    let subnormal_extra = ct_clamp_i64(-1022 - exponent, 0, 65);
    let drop = u32::try_from(11 + subnormal_extra).unwrap_or(76);
    let wide = u128::from(leading);
    let kept = low_u64(wide >> drop);
    let half = low_u64(wide >> (drop - 1)) & 1;
    let rest = Choice::from_u128_nz(wide & ((1u128 << (drop - 1)) - 1)) | sticky;
    let round_up = Choice::from_u64_lsb(half) & (rest | Choice::from_u64_lsb(kept));
    let kept = kept + round_up.select_u64(0, 1);
    // kept includes the implicit bit (2^52 for a normal result), so adding it to the exponent
    // field carries correctly when rounding reaches the next power of two.
    let field = ct_clamp_i64(exponent + 1022, 0, 2047);
    let bits = (u64::try_from(field).unwrap_or(0) << 52).wrapping_add(kept);
    let finite = Choice::from_u64_lt(bits, 0x7ff << 52) | !found;
    // Zero is +0.0, as python-paillier decodes it.
    let bits = found.select_u64(0, bits | negative.select_u64(0, 1 << 63));
    (f64::from_bits(bits), finite)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_zeros_match_the_instruction() {
        for x in [
            0u64,
            1,
            2,
            3,
            0xff,
            1 << 63,
            u64::MAX,
            0x0000_1234_0000_0000,
        ] {
            assert_eq!(ct_leading_zeros(x), x.leading_zeros(), "{x:#x}");
        }
    }

    #[test]
    fn rounding_shift_is_half_to_even() {
        assert_eq!(round_shr(0b1011, 1), 0b110); // 5.5 → 6
        assert_eq!(round_shr(0b1001, 1), 0b100); // 4.5 → 4
        assert_eq!(round_shr(0b1010, 2), 0b10); // 2.5 → 2
        assert_eq!(round_shr(0b1110, 2), 0b100); // 3.5 → 4
        assert_eq!(round_shr(0b1101, 2), 0b11); // 3.25 → 3
        assert_eq!(round_shr(u64::MAX, 64), 1);
        assert_eq!(round_shr(1 << 62, 64), 0);
    }
}
