//! Linear models, their public cards, and encrypted prediction.
//!
//! A model holds integer weight mantissas at one shared exponent (base 16) and an intercept. Its
//! prediction on encrypted features is Enc(b) · Π c_i^{w_i} by one multi-exponentiation, constant-time
//! in the weights, re-randomized by a fresh rⁿ before it leaves the company.

use core::fmt;

use crypto_bigint::{Choice, CtEq, CtLt, CtSelect, I256, ShlVartime, U64, U256, WrappingAdd};
use heapless::{String, Vec};
use rand_core::CryptoRng;
use zeroize::Zeroize;

use crate::encoding::{
    F64Parts, check_exponent, ct_clamp_i64, ct_lt_i64, round_shr, scaled_significand, shl_checked,
    signed_plaintext, to_f64,
};
use crate::memcheck::{declassify, declassify_value};
use crate::modexp::Residues;
use crate::size::Integer as _;
use crate::{Ciphertext, EncodedNumber, Error, KeySize, PrivateKey, PublicKey, Result};

/// At most this many features in a model or a query.
pub const MAX_FEATURES: usize = 128;
/// Feature and target names have at most this many bytes of UTF-8.
pub const MAX_NAME_LEN: usize = 32;
/// Weight mantissas keep at most this many bits, leaving 63 bits of the 256-bit exponent for
/// aligning them with the exponents of a query.
pub const WEIGHT_PRECISION_BITS: u32 = 192;
/// Feature mantissas Hecate encrypts are below 2^64 (python-paillier's encoding of any `f64` stays
/// below 2^56); the company sizes its overflow check on that.
pub const FEATURE_MANTISSA_BITS: u32 = 64;

/// A feature or target name: 1 to [`MAX_NAME_LEN`] bytes, no control characters.
pub type Name = String<MAX_NAME_LEN>;
/// Feature names, in model order.
pub type Names = Vec<Name, MAX_FEATURES>;

/// A model's identity: random when the model is built, never derived from its weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModelId(pub [u8; 16]);

impl fmt::Display for ModelId {
    /// Lowercase hex, all 32 digits (`{:.8}` keeps the first 8).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::wire::write_hex(f, &self.0)
    }
}

/// An encrypted fixed-point number: the ciphertext of `m` and the public exponent e of `m · 16^e`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncryptedNumber<S: KeySize> {
    /// Enc(m).
    pub ciphertext: Ciphertext<S>,
    /// e.
    pub exponent: i32,
}

/// What quantizing f64 coefficients cost.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantization {
    /// The shared exponent of the weights.
    pub weight_exponent: i32,
    /// The largest |w − quantized w| over the weights (0 when every weight is exact).
    pub max_absolute_error: f64,
    /// The largest |w − quantized w| / |w| over the non-zero weights.
    pub max_relative_error: f64,
}

/// A linear model: target = Σ w_i · x_i + b. Secret: its weights and intercept are redacted in
/// `Debug`, compared in constant time and zeroized on drop.
#[derive(Clone)]
pub struct Model {
    pub(crate) id: ModelId,
    pub(crate) target: Name,
    pub(crate) features: Names,
    /// Mantissas of the weights at `weight_exponent`.
    pub(crate) weights: Vec<I256, MAX_FEATURES>,
    pub(crate) weight_exponent: i32,
    /// The intercept is `intercept · 16^intercept_exponent`, exactly.
    pub(crate) intercept: i64,
    pub(crate) intercept_exponent: i32,
}

/// The public part of a model, which the company publishes so that customers know what to
/// encrypt: no weight is in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelCard {
    pub(crate) id: ModelId,
    pub(crate) target: Name,
    pub(crate) features: Names,
    pub(crate) weight_exponent: i32,
    pub(crate) key_sizes: Vec<u32, 4>,
}

/// A feature or target name, checked: 1 to [`MAX_NAME_LEN`] bytes, no control characters.
pub fn parse_name(text: &str) -> Result<Name> {
    if text.is_empty() || text.chars().any(char::is_control) {
        return Err(Error::InvalidName);
    }
    Name::try_from(text).map_err(|_| Error::InvalidName)
}

/// Checks a list of feature names: 1 to [`MAX_FEATURES`], each valid, no two equal.
pub(crate) fn names<'a>(list: impl IntoIterator<Item = &'a str>) -> Result<Names> {
    let mut out = Names::new();
    for text in list {
        let checked = parse_name(text)?;
        if out.contains(&checked) {
            return Err(Error::DuplicateFeature);
        }
        out.push(checked).map_err(|_| Error::TooManyFeatures)?;
    }
    if out.is_empty() {
        return Err(Error::NoFeatures);
    }
    Ok(out)
}

impl Model {
    /// Builds a model from f64 coefficients, quantized to one shared exponent.
    ///
    /// Rule: every weight is kept exactly (python-paillier's 53-bit encoding) when the largest
    /// weight then needs at most [`WEIGHT_PRECISION_BITS`] bits; otherwise the exponent is the
    /// smallest at which the largest weight fits, and smaller weights are rounded half to even
    /// (their error is at most half of 16^exponent, reported in [`Quantization`]). The
    /// intercept is always exact. The model id is drawn from `rng`.
    pub fn from_f64<R: CryptoRng + ?Sized>(
        target: &str,
        features: &[&str],
        weights: &[f64],
        intercept: f64,
        rng: &mut R,
    ) -> Result<(Self, Quantization)> {
        let target = parse_name(target)?;
        let features = names(features.iter().copied())?;
        if weights.len() != features.len() {
            return Err(Error::FeatureCountMismatch {
                expected: count(features.len()),
                actual: count(weights.len()),
            });
        }
        let parts = weights
            .iter()
            .map(|w| F64Parts::new(*w))
            .collect::<Result<Vec<_, MAX_FEATURES>>>()?;
        let weight_exponent = shared_exponent(&parts);
        let mut quantized = Vec::new();
        let mut quantization = Quantization {
            weight_exponent,
            max_absolute_error: 0.0,
            max_relative_error: 0.0,
        };
        for (weight, part) in weights.iter().zip(&parts) {
            let shift = i64::from(part.exponent) - 4 * i64::from(weight_exponent);
            let (magnitude, _) = scaled_significand::<U256>(part.significand, shift);
            // At most 192 bits by the choice of exponent, so this never fails.
            let mantissa = I256::new_from_abs_sign(magnitude, part.negative);
            if !declassify(mantissa.is_some()) {
                return Err(Error::Overflow);
            }
            let mantissa = mantissa.unwrap_or(I256::ZERO);
            let (back, _) = to_f64(
                magnitude.as_limbs(),
                part.negative,
                4 * i64::from(weight_exponent),
            );
            let error = (weight - back).abs();
            quantization.max_absolute_error = quantization.max_absolute_error.max(error);
            // Relative to a zero weight there is no error to report: chosen without a branch.
            let nonzero = Choice::from_u64_nz(weight.to_bits() << 1);
            let relative = f64::from_bits(nonzero.select_u64(0, (error / weight.abs()).to_bits()));
            quantization.max_relative_error = quantization.max_relative_error.max(relative);
            quantized
                .push(mantissa)
                .map_err(|_| Error::TooManyFeatures)?;
        }
        let (intercept, intercept_exponent) = exact_i64(intercept)?;
        let mut id = [0u8; 16];
        rng.fill_bytes(&mut id);
        let model = Self {
            id: ModelId(id),
            target,
            features,
            weights: quantized,
            weight_exponent,
            intercept,
            intercept_exponent,
        };
        Ok((model, quantization))
    }

    /// The model's id.
    pub fn id(&self) -> ModelId {
        self.id
    }

    /// The target's name.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The feature names, in order.
    pub fn features(&self) -> &[Name] {
        &self.features
    }

    /// The public card: id, names and the weights' exponent, with the key sizes (bits of n) the
    /// company accepts.
    pub fn card(&self, key_sizes: &[u32]) -> Result<ModelCard> {
        let key_sizes = Vec::from_slice(key_sizes).map_err(|_| Error::InvalidKeySize)?;
        ModelCard::new(
            self.id,
            &self.target,
            &self.features,
            self.weight_exponent,
            key_sizes,
        )
    }

    /// The model evaluated in the clear, in f64 (for checks and for the company's own use).
    pub fn evaluate(&self, features: &[f64]) -> Result<f64> {
        if features.len() != self.weights.len() {
            return Err(Error::FeatureCountMismatch {
                expected: count(self.weights.len()),
                actual: count(features.len()),
            });
        }
        let mut sum = self.intercept_f64();
        for (weight, x) in self.weights.iter().zip(features) {
            sum += self.weight_f64(weight) * x;
        }
        Ok(sum)
    }

    /// The quantized weights as f64.
    pub fn weights_f64(&self) -> impl Iterator<Item = f64> + '_ {
        self.weights.iter().map(|w| self.weight_f64(w))
    }

    /// The intercept as f64 (exact).
    pub fn intercept_f64(&self) -> f64 {
        let negative = Choice::from_u64_lsb(self.intercept.cast_unsigned() >> 63);
        let magnitude = U64::from(self.intercept.unsigned_abs());
        let (value, finite) = to_f64(
            magnitude.as_limbs(),
            negative,
            4 * i64::from(self.intercept_exponent),
        );
        saturated(value, negative, finite)
    }

    fn weight_f64(&self, weight: &I256) -> f64 {
        let (magnitude, negative) = weight.abs_sign();
        let (value, finite) = to_f64(
            magnitude.as_limbs(),
            negative,
            4 * i64::from(self.weight_exponent),
        );
        saturated(value, negative, finite)
    }

    /// The prediction on encrypted features: Enc(Σ w_i·x_i + b) at exponent
    /// `weight_exponent + min_i e_i`, re-randomized so that it carries no trace of the weights.
    ///
    /// Constant-time in the weights and the intercept: every weight is aligned and used over all
    /// 256 bits, negative ones through the inverse ciphertext chosen without a branch, and the only
    /// branch on them is whether the result could overflow the key's plaintext space (assuming
    /// feature mantissas below 2^[`FEATURE_MANTISSA_BITS`]), which is refused with
    /// [`Error::Overflow`] rather than wrapped.
    pub fn predict<S: KeySize, R: CryptoRng + ?Sized>(
        &self,
        key: &PublicKey<S>,
        features: &[EncryptedNumber<S>],
        rng: &mut R,
    ) -> Result<EncryptedNumber<S>> {
        if features.len() != self.weights.len() {
            return Err(Error::FeatureCountMismatch {
                expected: count(self.weights.len()),
                actual: count(features.len()),
            });
        }
        // Exponents are public: they travel in the clear beside the ciphertexts.
        let mut lowest = i32::MAX;
        for feature in features {
            check_exponent(feature.exponent)?;
            lowest = lowest.min(feature.exponent);
        }
        let exponent = self.weight_exponent.saturating_add(lowest);
        check_exponent(exponent)?;

        let mut fits = Choice::TRUE;
        let mut weight_sum = S::N::default();
        let mut terms: Vec<(S::NSquared, U256), MAX_FEATURES> = Vec::new();
        for (feature, weight) in features.iter().zip(&self.weights) {
            let (magnitude, negative) = weight.abs_sign();
            // x_i · 16^e_i = (x_i · 16^(e_i − lowest)) · 16^lowest: move the factor to the weight.
            let shift = 4 * feature.exponent.abs_diff(lowest);
            let (aligned, aligned_fits) = shl_checked(&magnitude, shift);
            fits &= aligned_fits;
            weight_sum = weight_sum.wrapping_add(&widen(&aligned));
            let c = feature.ciphertext.value();
            let base = c.ct_select(&key.invert(&feature.ciphertext)?, negative);
            terms
                .push((base, aligned))
                .map_err(|_| Error::TooManyFeatures)?;
        }

        // The intercept at the prediction's exponent: shifted left, or rounded half to even.
        let (intercept, intercept_fits) = self.aligned_intercept::<S>(exponent);
        fits &= intercept_fits;
        // |Σ w_i x_i + b| ≤ Σ|w_i| · 2^64 + |b| must stay within max_int.
        let (bound, bound_fits) = shl_checked(&weight_sum, FEATURE_MANTISSA_BITS);
        let bound = bound.wrapping_add(&intercept);
        fits &= bound_fits & !key.max_int().ct_lt(&bound);
        // Declassifies only whether the prediction could overflow.
        if !declassify(fits) {
            return Err(Error::Overflow);
        }

        let negative_intercept = Choice::from_u64_lsb(self.intercept.cast_unsigned() >> 63);
        let shifted = key.n_squared.multi_pow(&terms);
        let plus_intercept = key.multiply(
            &shifted,
            &key.g_pow(&signed_plaintext(key, &intercept, negative_intercept)),
        );
        // A fresh rⁿ re-randomizes: the answer no longer carries Π r_i^{w_i}.
        let nonce = key.random_nonce(rng);
        let answer = key.multiply(plus_intercept.value(), &key.r_pow_n(&nonce));
        Ok(EncryptedNumber {
            ciphertext: answer,
            exponent,
        })
    }

    /// |intercept| · 16^(intercept_exponent − exponent), rounded half to even when that is a
    /// division, and whether it fits; constant-time in the intercept and its exponent.
    fn aligned_intercept<S: KeySize>(&self, exponent: i32) -> (S::N, Choice) {
        let magnitude = self.intercept.unsigned_abs();
        let shift = 4 * (i64::from(self.intercept_exponent) - i64::from(exponent));
        let left_amount =
            u32::try_from(ct_clamp_i64(shift, 0, i64::from(u32::MAX))).unwrap_or(u32::MAX);
        let (left, left_fits) = shl_checked(&S::N::from(magnitude), left_amount);
        let right_amount = u32::try_from(ct_clamp_i64(-shift, 1, 64)).unwrap_or(64);
        let right = S::N::from(round_shr(magnitude, right_amount));
        let is_left = !ct_lt_i64(shift, 0);
        (right.ct_select(&left, is_left), left_fits | !is_left)
    }

    /// Equality in constant time (the weights are secret).
    pub fn ct_eq(&self, other: &Self) -> Choice {
        let public_equal = self.id == other.id
            && self.target == other.target
            && self.features == other.features
            && self.weight_exponent == other.weight_exponent
            && self.weights.len() == other.weights.len();
        let mut equal = Choice::from_u8_lsb(u8::from(public_equal));
        for (a, b) in self.weights.iter().zip(&other.weights) {
            equal &= a.ct_eq(b);
        }
        equal
            & self.intercept.ct_eq(&other.intercept)
            & self.intercept_exponent.ct_eq(&other.intercept_exponent)
    }
}

impl PartialEq for Model {
    fn eq(&self, other: &Self) -> bool {
        declassify(self.ct_eq(other))
    }
}

impl Eq for Model {}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model")
            .field("id", &self.id)
            .field("target", &self.target)
            .field("features", &self.features)
            .finish_non_exhaustive()
    }
}

impl Zeroize for Model {
    fn zeroize(&mut self) {
        for weight in &mut self.weights {
            // `Int` has no `Zeroize`; its limbs do.
            weight.as_mut_limbs().zeroize();
        }
        self.intercept.zeroize();
        self.intercept_exponent.zeroize();
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl zeroize::ZeroizeOnDrop for Model {}

impl ModelCard {
    pub(crate) fn new(
        id: ModelId,
        target: &str,
        features: &[Name],
        weight_exponent: i32,
        key_sizes: Vec<u32, 4>,
    ) -> Result<Self> {
        check_exponent(weight_exponent)?;
        let repeated = key_sizes.iter().enumerate().any(|(i, bits)| {
            key_sizes
                .get(..i)
                .is_some_and(|before| before.contains(bits))
        });
        if key_sizes.is_empty()
            || repeated
            || key_sizes
                .iter()
                .any(|bits| !crate::size::is_supported(*bits))
        {
            return Err(Error::InvalidKeySize);
        }
        Ok(Self {
            id,
            target: parse_name(target)?,
            features: names(features.iter().map(Name::as_str))?,
            weight_exponent,
            key_sizes,
        })
    }

    /// The model's id.
    pub fn id(&self) -> ModelId {
        self.id
    }

    /// The target's name.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The feature names, in the order the model expects them.
    pub fn features(&self) -> &[Name] {
        &self.features
    }

    /// The exponent of the weights (public: the answer's exponent reveals it anyway).
    pub fn weight_exponent(&self) -> i32 {
        self.weight_exponent
    }

    /// The key sizes (bits of n) the company accepts.
    pub fn key_sizes(&self) -> &[u32] {
        &self.key_sizes
    }
}

impl<S: KeySize> PublicKey<S> {
    /// Encrypts an encoded number (of this key).
    pub fn encrypt_number<R: CryptoRng + ?Sized>(
        &self,
        number: &EncodedNumber<S>,
        rng: &mut R,
    ) -> Result<EncryptedNumber<S>> {
        Ok(EncryptedNumber {
            ciphertext: self.encrypt(number.plaintext(), rng)?,
            exponent: number.exponent(),
        })
    }

    /// Encodes and encrypts features for a prediction: each exactly at python-paillier's
    /// exponent for it, or all at `exponent` (which reveals nothing about their magnitudes).
    /// Fails if a mantissa reaches 2^[`FEATURE_MANTISSA_BITS`] (a value too large for the chosen
    /// exponent), which the company's overflow check relies on.
    pub fn encrypt_features<R: CryptoRng + ?Sized>(
        &self,
        values: &[f64],
        exponent: Option<i32>,
        rng: &mut R,
    ) -> Result<Vec<EncryptedNumber<S>, MAX_FEATURES>> {
        // 2^64 and its shift are public constants: variable time in them leaks nothing.
        let bound = S::N::from(1u8).wrapping_shl_vartime(FEATURE_MANTISSA_BITS);
        let mut out = Vec::new();
        for value in values {
            let number = match exponent {
                Some(exponent) => EncodedNumber::from_f64_at(self, *value, exponent)?,
                None => EncodedNumber::from_f64(self, *value)?,
            };
            let exact = number.decode_magnitude(self);
            // Declassifies only whether the value is small enough.
            if !declassify(exact.ct_lt(&bound)) {
                return Err(Error::FeatureTooLarge);
            }
            out.push(self.encrypt_number(&number, rng)?)
                .map_err(|_| Error::TooManyFeatures)?;
        }
        Ok(out)
    }
}

impl<S: KeySize> PrivateKey<S> {
    /// Decrypts an encrypted number to its encoding (decode it with [`EncodedNumber::decode`]).
    pub fn decrypt_number(&self, number: &EncryptedNumber<S>) -> Result<EncodedNumber<S>> {
        EncodedNumber::from_parts(self.decrypt(&number.ciphertext)?, number.exponent)
    }
}

/// The shared weight exponent (see [`Model::from_f64`]), computed without branching on the
/// weights and declassified: it is published in the card.
fn shared_exponent(parts: &[F64Parts]) -> i32 {
    let mut finest = i64::from(i32::MAX);
    let mut top = i64::from(i32::MIN);
    let mut any = Choice::FALSE;
    for part in parts {
        let nonzero = Choice::from_u64_nz(part.significand);
        let frexp = i64::from(part.frexp_exponent());
        let exact = (frexp - 53) >> 2;
        finest = (nonzero & ct_lt_i64(exact, finest)).select_i64(finest, exact);
        top = (nonzero & ct_lt_i64(top, frexp)).select_i64(top, frexp);
        any |= nonzero;
    }
    // ceil((top − precision) / 4): the largest weight then has at most `precision` bits.
    let coarsest_needed = -((i64::from(WEIGHT_PRECISION_BITS) - top) >> 2);
    let exponent = ct_lt_i64(finest, coarsest_needed).select_i64(finest, coarsest_needed);
    let exponent = any.select_i64(0, exponent);
    // Within ±1100 for any f64 weights, so the conversion is exact.
    i32::try_from(declassify_value(exponent)).unwrap_or(0)
}

/// An f64 exactly as mantissa · 16^exponent with python-paillier's exponent (|mantissa| < 2^56).
fn exact_i64(value: f64) -> Result<(i64, i32)> {
    let parts = F64Parts::new(value)?;
    let exponent = (parts.frexp_exponent() - 53) >> 2;
    let shift = i64::from(parts.exponent) - 4 * i64::from(exponent);
    let (magnitude, _) = scaled_significand::<U64>(parts.significand, shift);
    let mut bytes = [0u8; 8];
    magnitude.write_be(&mut bytes);
    // Below 2^56, so the conversion keeps the value.
    let magnitude = u64::from_be_bytes(bytes).cast_signed();
    Ok((parts.negative.select_i64(magnitude, -magnitude), exponent))
}

/// `value`, or ±infinity when the exact value is beyond f64 (where `to_f64` gives no meaningful
/// bits): a decoded model may hold a weight or intercept of any size. Chosen without a branch, as
/// the weights are secret.
fn saturated(value: f64, negative: Choice, finite: Choice) -> f64 {
    let infinity = f64::INFINITY.to_bits() | negative.select_u64(0, 1 << 63);
    f64::from_bits(finite.select_u64(infinity, value.to_bits()))
}

/// A weight-sized magnitude in a wider type.
fn widen<T: crate::size::Integer>(x: &U256) -> T {
    let mut out = T::default();
    for (slot, limb) in out.as_mut_limbs().iter_mut().zip(x.as_limbs()) {
        *slot = *limb;
    }
    out
}

pub(crate) fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
