//! Linear models, their public cards, and encrypted prediction.
//!
//! A model holds integer weight mantissas at one shared exponent (base 16) and an intercept. Its
//! prediction on encrypted features is Enc(b) · Π c_i^{w_i} by one multi-exponentiation, constant-time
//! in the weights, re-randomized by a fresh rⁿ before it leaves the company.

use core::fmt;

use crypto_bigint::{
    AddMod, Choice, CtEq, CtLt, CtSelect, I256, NonZero, RandomMod, ShlVartime, ShrVartime, U64,
    U256, U8192, WrappingSub,
};
use heapless::{String, Vec};
use rand_core::CryptoRng;
use zeroize::Zeroize;

use crate::encoding::{
    F64Parts, check_exponent, ct_clamp_i64, ct_lt_i64, round_shr, scaled_significand, shl_checked,
    signed_plaintext, to_f64,
};
use crate::memcheck::{declassify, declassify_value, drawn_secret};
use crate::modexp::Residues;
use crate::size::Integer as _;
use crate::{
    Answer, Ciphertext, EncodedNumber, Error, KeySize, PrivateKey, PublicKey, Query, Result,
};

/// At most this many features in a model or a query.
pub const MAX_FEATURES: usize = 128;
/// Feature and target names have at most this many bytes of UTF-8.
pub const MAX_NAME_LEN: usize = 32;
/// Weight mantissas keep at most this many bits, leaving 63 bits of the 256-bit exponent for
/// aligning them with the exponents of a query.
pub const WEIGHT_PRECISION_BITS: u32 = 192;
/// Feature mantissas Hecate encrypts are below 2^64 (python-paillier's encoding of any `f64` stays
/// below 2^56); the company sizes its overflow check for unprotected queries on that.
pub const FEATURE_MANTISSA_BITS: u32 = 64;
/// The exponent a customer without a card encodes every feature at: 16^-8 = 2^-32, so values up
/// to 2^32 in magnitude with about nine decimal places.
pub const DEFAULT_FEATURE_EXPONENT: i32 = -8;
/// The widest mask the company applies: masks must leave room below the largest key's n.
const MAX_MASK_BITS: u32 = 4094;

/// A weight aligned to the query's lowest exponent, with its sign: magnitudes below 2^256, and
/// room above them for [`Residues::signed_multi_pow`]'s offset.
type SignedWeight = crypto_bigint::Int<{ U256::LIMBS + 1 }>;

/// A feature or target name: 1 to [`MAX_NAME_LEN`] bytes, no control characters.
pub type Name = String<MAX_NAME_LEN>;
/// Feature names, in model order.
pub type Names = Vec<Name, MAX_FEATURES>;

/// How the customer encodes one feature, published on the card: a value x is sent as the integer
/// mantissa m = round(x / 16^exponent) (half to even), and only `low ≤ m ≤ high` is in the declared
/// range. The company cannot see m, so the customer refuses an out-of-range value before
/// encrypting; the company's answer mask is sized on the range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FeatureSpec {
    exponent: i32,
    low: i64,
    high: i64,
}

impl FeatureSpec {
    /// The mantissas `low..=high` at `exponent`: low ≤ high, both of magnitude below 2^63, the
    /// exponent within ±[`EXPONENT_LIMIT`](crate::EXPONENT_LIMIT).
    pub fn new(exponent: i32, low: i64, high: i64) -> Result<Self> {
        check_exponent(exponent)?;
        if low > high || low == i64::MIN {
            return Err(Error::InvalidFeatureRange);
        }
        Ok(Self {
            exponent,
            low,
            high,
        })
    }

    /// The real range `low..=high` at `exponent` (within ±250), widened outward to whole
    /// mantissas.
    pub fn from_range(exponent: i32, low: f64, high: f64) -> Result<Self> {
        check_exponent(exponent)?;
        // Public values: plain floating point. Scaling by a power of two is exact while it stays
        // within f64's range.
        let scale = power_of_two(-4 * exponent).ok_or(Error::InvalidFeatureRange)?;
        let (low, high) = (low * scale, high * scale);
        let limit = 9_223_372_036_854_775_808.0; // 2^63, exactly
        if !(low > -limit && high < limit) {
            return Err(Error::InvalidFeatureRange);
        }
        #[allow(clippy::cast_possible_truncation, reason = "within ±2^63")]
        let (low_whole, high_whole) = (low as i64, high as i64);
        // `as` truncates toward zero: step outward where that moved a bound inward.
        #[allow(
            clippy::cast_precision_loss,
            reason = "the whole part of an f64 is an f64"
        )]
        let low_whole = low_whole - i64::from(low < low_whole as f64);
        #[allow(
            clippy::cast_precision_loss,
            reason = "the whole part of an f64 is an f64"
        )]
        let high_whole = high_whole + i64::from(high > high_whole as f64);
        Self::new(exponent, low_whole, high_whole)
    }

    /// The exponent every value of this feature is encoded at.
    pub fn exponent(&self) -> i32 {
        self.exponent
    }

    /// The smallest and largest mantissa in range.
    pub fn mantissas(&self) -> (i64, i64) {
        (self.low, self.high)
    }

    /// The smallest and largest value in range (nearest f64).
    pub fn range(&self) -> (f64, f64) {
        let value = |mantissa: i64| {
            let negative = Choice::from_u64_lsb(u64::from(mantissa < 0));
            let magnitude = U64::from(mantissa.unsigned_abs());
            let (value, finite) =
                to_f64(magnitude.as_limbs(), negative, 4 * i64::from(self.exponent));
            saturated(value, negative, finite)
        };
        (value(self.low), value(self.high))
    }

    /// max(|low|, |high|): the largest mantissa magnitude in range.
    fn magnitude(&self) -> u64 {
        self.low.unsigned_abs().max(self.high.unsigned_abs())
    }
}

/// The widest mask a key of `bits` bits takes: M ≤ 2^(bits − 2) < n/2 leaves ⌊n/M⌋ ≥ 2.
fn max_mask_bits(bits: u32) -> u32 {
    bits.saturating_sub(2)
}

/// Whether a mask of μ = `mask_bits` fits keys of size `S` (and is a mask at all: μ ≥ 1).
pub(crate) fn mask_fits<S: KeySize>(mask_bits: u32) -> bool {
    (1..=max_mask_bits(S::BITS)).contains(&mask_bits)
}

/// 2^k as an f64, for normal powers only.
fn power_of_two(k: i32) -> Option<f64> {
    let biased = u64::try_from(k.checked_add(1023)?).ok()?;
    (1..=2046)
        .contains(&biased)
        .then(|| f64::from_bits(biased << 52))
}

/// Feature specs, in model order.
pub type Specs = Vec<FeatureSpec, MAX_FEATURES>;

/// The public facts the company's bounds come from: a model's encoding, never its weights.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Encoding {
    specs: Specs,
    weight_exponent: i32,
    /// Every weight mantissa is below 2^weight_bits in magnitude.
    weight_bits: u32,
    /// The intercept, at the answer exponent, is below 2^intercept_bits in magnitude.
    intercept_bits: u32,
}

impl Encoding {
    /// Checks the encoding and returns its mask bits μ: M = 2^μ > 2·max|w·x + b| over the
    /// declared ranges, for any weights within `weight_bits` and intercept within
    /// `intercept_bits`. Public data only, so variable time is fine.
    fn check(&self) -> Result<u32> {
        if self.weight_bits > WEIGHT_PRECISION_BITS || self.specs.is_empty() {
            return Err(Error::InvalidEncoding);
        }
        check_exponent(self.weight_exponent)?;
        check_exponent(self.answer_exponent())?;
        let lowest = self.lowest_exponent();
        // |v| ≤ Σ_i 2^weight_bits · 16^(e_i − lowest) · A_i + 2^intercept_bits.
        let mut terms = Vec::<(u64, u32), { MAX_FEATURES + 1 }>::new();
        for spec in &self.specs {
            let shift = 4 * spec.exponent.abs_diff(lowest);
            // The aligned weight must fit the 256-bit exponent of the multi-exponentiation.
            if self.weight_bits + shift > 256 {
                return Err(Error::InvalidEncoding);
            }
            terms
                .push((spec.magnitude(), self.weight_bits + shift))
                .map_err(|_| Error::TooManyFeatures)?;
        }
        terms
            .push((1, self.intercept_bits))
            .map_err(|_| Error::TooManyFeatures)?;
        let bits = public_bound_bits(&terms).ok_or(Error::InvalidEncoding)?;
        let mask_bits = bits + 1;
        if mask_bits > MAX_MASK_BITS {
            return Err(Error::InvalidEncoding);
        }
        Ok(mask_bits)
    }

    fn lowest_exponent(&self) -> i32 {
        self.specs
            .iter()
            .map(FeatureSpec::exponent)
            .min()
            .unwrap_or(0)
    }

    /// The exponent of every answer: the weights' plus the finest feature's.
    fn answer_exponent(&self) -> i32 {
        self.weight_exponent.saturating_add(self.lowest_exponent())
    }
}

/// The bit length of Σ a · 2^s over public `(a, s)` terms, or none past 8000 bits.
fn public_bound_bits(terms: &[(u64, u32)]) -> Option<u32> {
    let mut sum = U8192::ZERO;
    for (factor, shift) in terms {
        // At most 129 terms below 2^8064 each: the sum cannot wrap.
        if *shift > 8000 {
            return None;
        }
        sum = sum.wrapping_add(&U8192::from_u64(*factor).wrapping_shl_vartime(*shift));
    }
    // The bound is public: variable time in it leaks nothing.
    Some(sum.bit_width_vartime())
}

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

/// A query's encrypted features, in model order.
pub type EncryptedFeatures<S> = Vec<EncryptedNumber<S>, MAX_FEATURES>;

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
///
/// Beside the weights it keeps its public encoding: each feature's exponent and declared range,
/// and bounds on the weights' and the intercept's lengths, from which the answer mask comes.
#[derive(Clone)]
pub struct Model {
    pub(crate) id: ModelId,
    pub(crate) target: Name,
    pub(crate) features: Names,
    encoding: Encoding,
    /// μ of the encoding, computed once when the model is built or read.
    mask_bits: u32,
    /// Mantissas of the weights at `encoding.weight_exponent`.
    pub(crate) weights: Vec<I256, MAX_FEATURES>,
    /// The intercept is `intercept · 16^intercept_exponent`, exactly.
    pub(crate) intercept: i64,
    pub(crate) intercept_exponent: i32,
}

/// The public part of a model, which the company publishes so that customers know what to
/// encrypt: no weight is in it. It fixes every public field of a query (exponents, counts) and
/// the mask of every answer, independently of the values and of the weights.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelCard {
    pub(crate) id: ModelId,
    pub(crate) target: Name,
    pub(crate) features: Names,
    encoding: Encoding,
    mask_bits: u32,
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
    /// Builds a model from f64 coefficients, quantized to one shared exponent, for features
    /// encoded as `specs` say (one per feature).
    ///
    /// Rule: every weight is kept exactly (python-paillier's 53-bit encoding) when the largest
    /// weight then needs at most [`WEIGHT_PRECISION_BITS`] bits; otherwise the exponent is the
    /// smallest at which the largest weight fits, and smaller weights are rounded half to even
    /// (their error is at most half of 16^exponent, reported in [`Quantization`]). The
    /// intercept is always exact. The model id is drawn from `rng`.
    ///
    /// The bit lengths of the largest weight mantissa and of the intercept at the answer exponent
    /// are made public (on the card) for the answer mask, as the weights' exponent is.
    pub fn from_f64<R: CryptoRng + ?Sized>(
        target: &str,
        features: &[&str],
        specs: &[FeatureSpec],
        weights: &[f64],
        intercept: f64,
        rng: &mut R,
    ) -> Result<(Self, Quantization)> {
        let target = parse_name(target)?;
        let features = names(features.iter().copied())?;
        for given in [weights.len(), specs.len()] {
            if given != features.len() {
                return Err(Error::FeatureCountMismatch {
                    expected: count(features.len()),
                    actual: count(given),
                });
            }
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
        let mut model = Self {
            id: ModelId(id),
            target,
            features,
            encoding: Encoding {
                specs: Vec::from_slice(specs).map_err(|_| Error::TooManyFeatures)?,
                weight_exponent,
                weight_bits: 0,
                intercept_bits: 0,
            },
            mask_bits: 0,
            weights: quantized,
            intercept,
            intercept_exponent,
        };
        model.encoding.weight_bits = model.weight_bits();
        model.encoding.intercept_bits = model.intercept_bits()?;
        model.mask_bits = model.encoding.check()?;
        Ok((model, quantization))
    }

    /// The bit length of the largest weight mantissa, computed in constant time and declassified:
    /// the card publishes it.
    fn weight_bits(&self) -> u32 {
        let mut widest = 0u32;
        for weight in &self.weights {
            let bits = weight.abs_sign().0.bit_width();
            widest = Choice::from_u32_lt(widest, bits).select_u32(widest, bits);
        }
        declassify_value(widest)
    }

    /// The bit length of the intercept at the answer exponent, computed in constant time and
    /// declassified: the card publishes it. Refused if it does not fit any mask.
    fn intercept_bits(&self) -> Result<u32> {
        let exponent = self.encoding.answer_exponent();
        check_exponent(exponent)?;
        let (aligned, fits) = self.aligned_intercept::<U8192>(exponent);
        // Declassifies only whether the intercept can be aligned at all.
        if !declassify(fits) {
            return Err(Error::InvalidEncoding);
        }
        Ok(declassify_value(aligned.bit_width()))
    }

    /// A model from its decoded fields: the encoding must be valid and the weights and intercept
    /// within the lengths it declares (the file's writer may be anyone). Declassifies only
    /// those verdicts.
    pub(crate) fn from_parts(
        id: ModelId,
        target: Name,
        features: Names,
        specs: Specs,
        (weight_exponent, weight_bits, intercept_bits): (i32, u32, u32),
        weights: Vec<I256, MAX_FEATURES>,
        (intercept, intercept_exponent): (i64, i32),
    ) -> Result<Self> {
        if specs.len() != features.len() {
            return Err(Error::FeatureCountMismatch {
                expected: count(features.len()),
                actual: count(specs.len()),
            });
        }
        let mut model = Self {
            id,
            target,
            features,
            encoding: Encoding {
                specs,
                weight_exponent,
                weight_bits,
                intercept_bits,
            },
            mask_bits: 0,
            weights,
            intercept,
            intercept_exponent,
        };
        model.mask_bits = model.encoding.check()?;
        let intercept_fits = model
            .intercept_bits()
            .is_ok_and(|bits| bits <= model.encoding.intercept_bits);
        if intercept_fits && model.weight_bits() <= model.encoding.weight_bits {
            Ok(model)
        } else {
            Err(Error::InvalidEncoding)
        }
    }

    /// The declared bit lengths of the weights and of the aligned intercept (public).
    pub(crate) fn encoding_bits(&self) -> (u32, u32) {
        (self.encoding.weight_bits, self.encoding.intercept_bits)
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

    /// The public card: id, names and the encoding, with the key sizes (bits of n) the company
    /// accepts (each must leave room for the answer mask).
    pub fn card(&self, key_sizes: &[u32]) -> Result<ModelCard> {
        let key_sizes = Vec::from_slice(key_sizes).map_err(|_| Error::InvalidKeySize)?;
        ModelCard::new(
            self.id,
            &self.target,
            &self.features,
            self.encoding.clone(),
            key_sizes,
        )
    }

    /// Each feature's encoding and declared range, in order.
    pub fn specs(&self) -> &[FeatureSpec] {
        &self.encoding.specs
    }

    /// The exponent of the weights (public: on the card).
    pub fn weight_exponent(&self) -> i32 {
        self.encoding.weight_exponent
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
            4 * i64::from(self.encoding.weight_exponent),
        );
        saturated(value, negative, finite)
    }

    /// Answers a query: checks that it is for this model ([`Model::check_query`]) with every
    /// feature at the card's exponent, and that its key carries a valid proof of being well formed
    /// ([`Query::verify_key`]), then computes Enc(Σ w_i·x_i + b + M/2 + ρ·M) at the card's answer
    /// exponent, re-randomized: M = 2^μ is the card's mask, ρ fresh and uniform in [0, ⌊n/M⌋).
    ///
    /// Every refusal depends on public data only (the card, the key size, the query's exponents,
    /// counts and proof), and so does the work done: the weights and the intercept are used in
    /// constant time and never decide an error.
    pub fn answer<S: KeySize, R: CryptoRng + ?Sized>(
        &self,
        query: &Query<S>,
        rng: &mut R,
    ) -> Result<Answer<S>> {
        query.verify_key()?;
        self.answer_with_verified_key(query, rng)
    }

    /// [`Model::answer`] for a query whose key proof the caller has already verified with
    /// [`Query::verify_key`] (a company caches that by key fingerprint: verifying costs a few
    /// exponentiations). A query without a proof is still refused.
    pub fn answer_with_verified_key<S: KeySize, R: CryptoRng + ?Sized>(
        &self,
        query: &Query<S>,
        rng: &mut R,
    ) -> Result<Answer<S>> {
        if query.proof.is_none() {
            return Err(Error::MissingKeyProof);
        }
        self.check_query(query)?;
        for (index, (feature, spec)) in query.features.iter().zip(&self.encoding.specs).enumerate()
        {
            if feature.exponent != spec.exponent {
                return Err(Error::ExponentMismatch {
                    feature: count(index),
                });
            }
        }
        let mask_bits = self.mask_bits;
        if !mask_fits::<S>(mask_bits) {
            return Err(Error::InvalidKeySize);
        }
        let key = &query.key;
        let exponent = self.encoding.answer_exponent();
        let value = self.combine(key, &query.features, exponent, |sum| {
            // ρ · M + M/2 with ρ uniform in [0, K), K = ⌊n/M⌋ = n >> μ. K and μ are public; the
            // rejection sampling is variable time in K only, and ρ is used in constant time.
            let k = ShrVartime::wrapping_shr_vartime(key.n(), mask_bits);
            let k = NonZero::new(k).into_option().ok_or(Error::InvalidKeySize)?;
            let rho = zeroize::Zeroizing::new(drawn_secret(S::N::random_mod_vartime(rng, &k)));
            let mask = rho.wrapping_shl_vartime(mask_bits)
                | S::N::from(1u8).wrapping_shl_vartime(mask_bits - 1);
            // Both below n, so their sum mod n is exact.
            Ok(sum.add_mod(&mask, key.n.as_nz_ref()))
        })?;
        let value = EncryptedNumber {
            ciphertext: key.rerandomize(&value, rng)?,
            exponent,
        };
        Ok(Answer {
            fingerprint: key.fingerprint(),
            model: self.id,
            mask_bits,
            value,
        })
    }

    /// The prediction for a customer who cannot prove their key or unmask an answer
    /// (python-paillier's files): Enc(Σ w_i·x_i + b) at exponent `weight_exponent + min_i e_i`,
    /// re-randomized, unmasked. **Unprotected**: a customer with a crafted key or crafted
    /// features can read the model from one answer; only for companies that accept that.
    ///
    /// Any feature exponents are accepted (python-paillier encodes integers at 0 and floats at
    /// about −13); the overflow check assumes feature mantissas below 2^[`FEATURE_MANTISSA_BITS`] and depends
    /// on public data only (the card's bounds, the exponents, the key size), as does the work.
    pub fn predict_unprotected<S: KeySize, R: CryptoRng + ?Sized>(
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
        let exponent = self.encoding.weight_exponent.saturating_add(lowest);
        check_exponent(exponent)?;
        // |v| < Σ 2^(weight_bits + 4(e_i − lowest) + 64) + 2^(intercept_bits + 4·max(E_card − E, 0)
        // + 1): the intercept rounded at the card's exponent may gain a bit when aligned elsewhere.
        let card_exponent = self.encoding.answer_exponent();
        let mut terms = Vec::<(u64, u32), { MAX_FEATURES + 1 }>::new();
        for feature in features {
            let shift = 4 * feature.exponent.abs_diff(lowest);
            if self.encoding.weight_bits + shift > 256 {
                return Err(Error::Overflow);
            }
            terms
                .push((1, self.encoding.weight_bits + shift + FEATURE_MANTISSA_BITS))
                .map_err(|_| Error::TooManyFeatures)?;
        }
        let intercept_shift = 4 * card_exponent.saturating_sub(exponent).max(0).unsigned_abs();
        terms
            .push((1, self.encoding.intercept_bits + intercept_shift + 1))
            .map_err(|_| Error::TooManyFeatures)?;
        // max_int = ⌊n/3⌋ − 1 ≥ 2^(bits − 3): a bound of at most bits − 3 bits fits.
        match public_bound_bits(&terms) {
            Some(bits) if bits <= S::BITS - 3 => {}
            _ => return Err(Error::Overflow),
        }
        let value = self.combine(key, features, exponent, Ok)?;
        Ok(EncryptedNumber {
            ciphertext: key.rerandomize(&value, rng)?,
            exponent,
        })
    }

    /// Enc(Σ w_i·x_i + b + extra) at `exponent` (not yet re-randomized), where `plus` turns the
    /// intercept's plaintext into the plaintext to add. The caller has checked the public bounds:
    /// every aligned weight fits 256 bits and the intercept fits at `exponent`.
    fn combine<S: KeySize>(
        &self,
        key: &PublicKey<S>,
        features: &[EncryptedNumber<S>],
        exponent: i32,
        plus: impl FnOnce(S::N) -> Result<S::N>,
    ) -> Result<Ciphertext<S>> {
        let lowest = exponent.saturating_sub(self.encoding.weight_exponent);
        let mut ciphertexts = Vec::<S::NSquared, MAX_FEATURES>::new();
        // Every aligned weight is below 2^(weight_bits + its shift): the exponentiation runs over
        // the largest such bound, which depends on the card and the exponents only (public).
        let mut weights = zeroize::Zeroizing::new(Vec::<SignedWeight, MAX_FEATURES>::new());
        let mut weight_bits = 0;
        for (feature, weight) in features.iter().zip(&self.weights) {
            key.check(&feature.ciphertext)?;
            let (magnitude, negative) = weight.abs_sign();
            // x_i · 16^e_i = (x_i · 16^(e_i − lowest)) · 16^lowest: move the factor to the weight.
            // It fits 256 bits by the caller's public check, so the flag is not needed.
            let shift = 4 * feature.exponent.abs_diff(lowest);
            let (aligned, _) = shl_checked(&magnitude, shift);
            weight_bits = weight_bits.max(self.encoding.weight_bits.saturating_add(shift));
            let aligned: SignedWeight = *aligned
                .resize::<{ U256::LIMBS + 1 }>()
                .wrapping_neg_if(negative)
                .as_int();
            ciphertexts
                .push(*feature.ciphertext.value())
                .map_err(|_| Error::TooManyFeatures)?;
            weights.push(aligned).map_err(|_| Error::TooManyFeatures)?;
        }
        let (intercept, _) = self.aligned_intercept::<S::N>(exponent);
        let negative_intercept = Choice::from_u64_lsb(self.intercept.cast_unsigned() >> 63);
        let intercept = signed_plaintext(key, &intercept, negative_intercept);
        let added = zeroize::Zeroizing::new(plus(*intercept.value())?);
        // The ciphertexts are public, and so is whether their product is invertible.
        let weighted = zeroize::Zeroizing::new(
            key.n_squared
                .signed_multi_pow(&ciphertexts, &weights, weight_bits, |product| {
                    key.invert_public(product)
                })
                .ok_or(Error::InvalidCiphertext)?,
        );
        let added = crate::Plaintext::new_unchecked(*added, Some(key.fingerprint()));
        Ok(key.multiply(&weighted, &zeroize::Zeroizing::new(key.g_pow(&added))))
    }

    /// |intercept| · 16^(intercept_exponent − exponent), rounded half to even when that is a
    /// division, and whether it fits; constant-time in the intercept and its exponent.
    fn aligned_intercept<T: crate::size::Integer>(&self, exponent: i32) -> (T, Choice) {
        let magnitude = self.intercept.unsigned_abs();
        let shift = 4 * (i64::from(self.intercept_exponent) - i64::from(exponent));
        let left_amount =
            u32::try_from(ct_clamp_i64(shift, 0, i64::from(u32::MAX))).unwrap_or(u32::MAX);
        let (left, left_fits) = shl_checked(&T::from(magnitude), left_amount);
        let right_amount = u32::try_from(ct_clamp_i64(-shift, 1, 64)).unwrap_or(64);
        let right = T::from(round_shr(magnitude, right_amount));
        let is_left = !ct_lt_i64(shift, 0);
        (right.ct_select(&left, is_left), left_fits | !is_left)
    }

    /// Equality in constant time (the weights are secret).
    pub fn ct_eq(&self, other: &Self) -> Choice {
        let public_equal = self.id == other.id
            && self.target == other.target
            && self.features == other.features
            && self.encoding == other.encoding
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
    fn new(
        id: ModelId,
        target: &str,
        features: &[Name],
        encoding: Encoding,
        key_sizes: Vec<u32, 4>,
    ) -> Result<Self> {
        let mask_bits = encoding.check()?;
        let repeated = key_sizes.iter().enumerate().any(|(i, bits)| {
            key_sizes
                .get(..i)
                .is_some_and(|before| before.contains(bits))
        });
        if key_sizes.is_empty()
            || repeated
            || key_sizes
                .iter()
                .any(|bits| !crate::size::is_supported(*bits) || mask_bits > max_mask_bits(*bits))
        {
            return Err(Error::InvalidKeySize);
        }
        let features = names(features.iter().map(Name::as_str))?;
        if encoding.specs.len() != features.len() {
            return Err(Error::FeatureCountMismatch {
                expected: count(features.len()),
                actual: count(encoding.specs.len()),
            });
        }
        Ok(Self {
            id,
            target: parse_name(target)?,
            features,
            encoding,
            mask_bits,
            key_sizes,
        })
    }

    /// A card from its public fields, checked (for decoders and tests).
    #[allow(clippy::too_many_arguments, reason = "every field of the card")]
    pub(crate) fn from_fields(
        id: ModelId,
        target: &str,
        features: &[Name],
        specs: Specs,
        weight_exponent: i32,
        weight_bits: u32,
        intercept_bits: u32,
        key_sizes: Vec<u32, 4>,
    ) -> Result<Self> {
        let encoding = Encoding {
            specs,
            weight_exponent,
            weight_bits,
            intercept_bits,
        };
        Self::new(id, target, features, encoding, key_sizes)
    }

    /// Each feature's encoding and declared range, in order.
    pub fn specs(&self) -> &[FeatureSpec] {
        &self.encoding.specs
    }

    /// The bit length bound of the weight mantissas.
    pub fn weight_bits(&self) -> u32 {
        self.encoding.weight_bits
    }

    /// The bit length bound of the intercept at the answer exponent.
    pub fn intercept_bits(&self) -> u32 {
        self.encoding.intercept_bits
    }

    /// μ: every answer is masked modulo M = 2^μ, and reveals about μ bits.
    pub fn mask_bits(&self) -> u32 {
        self.mask_bits
    }

    /// The exponent of every answer.
    pub fn answer_exponent(&self) -> i32 {
        self.encoding.answer_exponent()
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
        self.encoding.weight_exponent
    }

    /// The key sizes (bits of n) the company accepts.
    pub fn key_sizes(&self) -> &[u32] {
        &self.key_sizes
    }
}

/// Who encrypts a customer's features: anyone with the public key, or the key holder, who draws
/// the same ciphertexts through the CRT in about a quarter of the time.
trait Encrypter<S: KeySize> {
    fn public(&self) -> &PublicKey<S>;
    fn encrypt_plaintext<R: CryptoRng + ?Sized>(
        &self,
        m: &crate::Plaintext<S>,
        rng: &mut R,
    ) -> Result<Ciphertext<S>>;
}

impl<S: KeySize> Encrypter<S> for PublicKey<S> {
    fn public(&self) -> &PublicKey<S> {
        self
    }

    fn encrypt_plaintext<R: CryptoRng + ?Sized>(
        &self,
        m: &crate::Plaintext<S>,
        rng: &mut R,
    ) -> Result<Ciphertext<S>> {
        self.encrypt(m, rng)
    }
}

impl<S: KeySize> Encrypter<S> for PrivateKey<S> {
    fn public(&self) -> &PublicKey<S> {
        self.public_key()
    }

    fn encrypt_plaintext<R: CryptoRng + ?Sized>(
        &self,
        m: &crate::Plaintext<S>,
        rng: &mut R,
    ) -> Result<Ciphertext<S>> {
        self.encrypt(m, rng)
    }
}

/// The methods that encrypt features, the same for both kinds of key.
macro_rules! feature_encryption {
    ($key:ident) => {
        impl<S: KeySize> $key<S> {
            /// Encrypts an encoded number (of this key).
            pub fn encrypt_number<R: CryptoRng + ?Sized>(
                &self,
                number: &EncodedNumber<S>,
                rng: &mut R,
            ) -> Result<EncryptedNumber<S>> {
                encrypt_number(self, number, rng)
            }

            /// Encodes and encrypts features for a card: each at its feature's exponent, refused
            /// with [`Error::ValueOutOfRange`] unless its mantissa is in the declared range (the
            /// company cannot check that, and its answer is right only within it). Also refuses
            /// a key size the card does not accept and a count other than the card's.
            pub fn encrypt_for_card<R: CryptoRng + ?Sized>(
                &self,
                card: &ModelCard,
                values: &[f64],
                rng: &mut R,
            ) -> Result<EncryptedFeatures<S>> {
                encrypt_for_card(self, card, values, rng)
            }

            /// Encodes and encrypts features all at one `exponent` (which reveals nothing about
            /// their values), for a company without a card (e.g. python-paillier's): refused
            /// with [`Error::FeatureTooLarge`] if a mantissa reaches
            /// 2^[`FEATURE_MANTISSA_BITS`], or with [`Error::Overflow`] if it does not even fit
            /// the key.
            pub fn encrypt_features<R: CryptoRng + ?Sized>(
                &self,
                values: &[f64],
                exponent: i32,
                rng: &mut R,
            ) -> Result<EncryptedFeatures<S>> {
                encrypt_features(self, values, exponent, rng)
            }
        }
    };
}

feature_encryption!(PublicKey);
feature_encryption!(PrivateKey);

fn encrypt_number<S: KeySize, R: CryptoRng + ?Sized>(
    key: &impl Encrypter<S>,
    number: &EncodedNumber<S>,
    rng: &mut R,
) -> Result<EncryptedNumber<S>> {
    Ok(EncryptedNumber {
        ciphertext: key.encrypt_plaintext(number.plaintext(), rng)?,
        exponent: number.exponent(),
    })
}

fn encrypt_for_card<S: KeySize, R: CryptoRng + ?Sized>(
    key: &impl Encrypter<S>,
    card: &ModelCard,
    values: &[f64],
    rng: &mut R,
) -> Result<EncryptedFeatures<S>> {
    let public = key.public();
    if !card.key_sizes().contains(&S::BITS) {
        return Err(Error::InvalidKeySize);
    }
    if values.len() != card.specs().len() {
        return Err(Error::FeatureCountMismatch {
            expected: count(card.specs().len()),
            actual: count(values.len()),
        });
    }
    let mut numbers = Vec::<EncodedNumber<S>, MAX_FEATURES>::new();
    for (index, (value, spec)) in values.iter().zip(card.specs()).enumerate() {
        let number = EncodedNumber::from_f64_at(public, *value, spec.exponent).map_err(|_| {
            Error::ValueOutOfRange {
                feature: count(index),
            }
        })?;
        let (low, high) = spec.mantissas();
        let (in_range, _) = mantissa_in(public, &number, i128::from(low), i128::from(high));
        // Declassifies only whether the value is in its declared range.
        if !declassify(in_range) {
            return Err(Error::ValueOutOfRange {
                feature: count(index),
            });
        }
        numbers.push(number).map_err(|_| Error::TooManyFeatures)?;
    }
    // Every value is checked before any is encrypted.
    numbers
        .iter()
        .map(|number| encrypt_number(key, number, rng))
        .collect()
}

fn encrypt_features<S: KeySize, R: CryptoRng + ?Sized>(
    key: &impl Encrypter<S>,
    values: &[f64],
    exponent: i32,
    rng: &mut R,
) -> Result<EncryptedFeatures<S>> {
    let public = key.public();
    let limit = i128::from(u64::MAX);
    let mut numbers = Vec::<EncodedNumber<S>, MAX_FEATURES>::new();
    for value in values {
        let number = EncodedNumber::from_f64_at(public, *value, exponent)?;
        let (in_range, _) = mantissa_in(public, &number, -limit, limit);
        // Declassifies only whether the value is small enough.
        if !declassify(in_range) {
            return Err(Error::FeatureTooLarge);
        }
        numbers.push(number).map_err(|_| Error::TooManyFeatures)?;
    }
    numbers
        .iter()
        .map(|number| encrypt_number(key, number, rng))
        .collect()
}

/// Whether the mantissa of `number` is in `low..=high` (bounds within ±2^64), and its magnitude,
/// in constant time.
fn mantissa_in<S: KeySize>(
    key: &PublicKey<S>,
    number: &EncodedNumber<S>,
    low: i128,
    high: i128,
) -> (Choice, S::N) {
    let (magnitude, negative, valid) = number.signed_magnitude(key);
    let bound = S::N::from(1u8).wrapping_shl_vartime(FEATURE_MANTISSA_BITS);
    let small = magnitude.ct_lt(&bound);
    // The low 64 bits (all of them when `small`), whatever the width of a limb.
    let limbs_in_64 = usize::try_from(64 >> crypto_bigint::Limb::LOG2_BITS).unwrap_or(1);
    let low_bits = crypto_bigint::Integer::as_limbs(&magnitude)
        .iter()
        .take(limbs_in_64)
        .rev()
        .fold(0u128, |acc, limb| {
            (acc << crypto_bigint::Limb::BITS) | u128::from(limb.0)
        });
    let low_bits = low_bits.cast_signed();
    let mantissa = i128_select(low_bits, -low_bits, negative);
    let in_range = !ct_lt_i128(mantissa, low) & !ct_lt_i128(high, mantissa);
    (valid & small & in_range, magnitude)
}

/// `x < y` for values within ±2^126, without a branch.
fn ct_lt_i128(x: i128, y: i128) -> Choice {
    Choice::from_u128_lsb(x.wrapping_sub(y).cast_unsigned() >> 127)
}

/// `a`, or `b` when `choice`, without a branch.
fn i128_select(a: i128, b: i128, choice: Choice) -> i128 {
    choice
        .select_u128(a.cast_unsigned(), b.cast_unsigned())
        .cast_signed()
}

impl<S: KeySize> PrivateKey<S> {
    /// Decrypts an encrypted number to its encoding (decode it with [`EncodedNumber::decode`]).
    pub fn decrypt_number(&self, number: &EncryptedNumber<S>) -> Result<EncodedNumber<S>> {
        EncodedNumber::from_parts(self.decrypt(&number.ciphertext)?, number.exponent)
    }

    /// Decrypts an answer and removes its mask: the plaintext t is v + M/2 + ρ·M for the
    /// prediction v, so v = (t mod M) − M/2. Any t gives some value: the answer is right when the
    /// features were in their declared ranges, which [`PublicKey::encrypt_for_card`] ensures.
    /// Constant-time in the plaintext.
    pub fn decrypt_answer(&self, answer: &Answer<S>) -> Result<EncodedNumber<S>> {
        let key = self.public_key();
        if answer.fingerprint != key.fingerprint() {
            return Err(Error::KeyMismatch);
        }
        if !mask_fits::<S>(answer.mask_bits) {
            return Err(Error::Malformed);
        }
        let t = zeroize::Zeroizing::new(*self.decrypt(&answer.value.ciphertext)?.value());
        // μ is public (in the answer and on the card): the masks are public constants.
        let half = S::N::from(1u8).wrapping_shl_vartime(answer.mask_bits - 1);
        let low_bits = half.wrapping_shl_vartime(1).wrapping_sub(&S::N::from(1u8));
        let residue = zeroize::Zeroizing::new(*t & low_bits);
        let negative = residue.ct_lt(&half);
        let magnitude = half
            .wrapping_sub(&residue)
            .ct_select(&residue.wrapping_sub(&half), !negative);
        EncodedNumber::from_parts(
            signed_plaintext(key, &magnitude, negative),
            answer.value.exponent,
        )
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

pub(crate) fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
