//! What Hecate's benchmarks and its peers' share, so that every implementation does the same job:
//! the key sizes of a run, the scalar, and the model and features of a prediction.

use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, SamplingMode};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// The key sizes every bench file knows.
pub const SUPPORTED_BITS: [u32; 3] = [2048, 3072, 4096];

/// The key sizes of this run: `HECATE_BENCH_BITS` (comma-separated, e.g. `2048,3072`), or all.
///
/// # Panics
/// On a size that is not one of [`SUPPORTED_BITS`]: a typo must not silently bench nothing.
pub fn bench_bits() -> Vec<u32> {
    let Ok(list) = std::env::var("HECATE_BENCH_BITS") else {
        return SUPPORTED_BITS.to_vec();
    };
    list.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse()
                .ok()
                .filter(|bits| SUPPORTED_BITS.contains(bits))
                .unwrap_or_else(|| {
                    panic!("HECATE_BENCH_BITS: {item:?} is not one of {SUPPORTED_BITS:?}")
                })
        })
        .collect()
}

/// The scalar of every `mul_scalar` benchmark: negative, 62 bits, like a weight's fixed-point
/// mantissa (a negative one costs an inversion in every implementation).
pub const SCALAR: i64 = -0x2bad_cafe_f00d_1234;

/// Fractional bits of a weight as a fixed-point integer (a double's 52).
pub const WEIGHT_FRACTION_BITS: u32 = 52;

/// Fractional hexadecimal digits of a feature as a fixed-point integer (16^6, Hecate's card
/// exponent −6 in the predictions).
pub const FEATURE_FRACTION_DIGITS: u32 = 6;

/// One prediction's inputs: a fitted linear model's float weights in ±1000 and intercept, float
/// features in ±100, and the same as fixed-point integers for the peers without a float encoding.
#[derive(Clone, Debug)]
pub struct ModelInputs {
    /// The weights as a model fitted on floats has them.
    pub float_weights: Vec<f64>,
    /// The intercept.
    pub intercept: f64,
    /// The customer's features.
    pub float_features: Vec<f64>,
    /// round(w · 2^52): below 2^62 in magnitude.
    pub weights: Vec<i64>,
    /// round(x · 16^6): below 2^31 in magnitude.
    pub features: Vec<i64>,
    /// round(b · 2^52 · 16^6), the intercept at the scale of the products w·x.
    pub intercept_scaled: i128,
}

/// The inputs of a `d`-feature prediction: the same for every implementation, and from run to
/// run (a seeded generator, the same draws as `hecate bench`).
pub fn model_inputs(d: usize) -> ModelInputs {
    let mut values = StdRng::seed_from_u64(d as u64);
    let float_weights: Vec<f64> = (0..d)
        .map(|_| values.random_range(-1000.0..1000.0))
        .collect();
    let float_features: Vec<f64> = (0..d).map(|_| values.random_range(-100.0..100.0)).collect();
    let intercept = 12.5;
    let weight_scale = f64::from(WEIGHT_FRACTION_BITS).exp2();
    let feature_scale = f64::from(16u32.pow(FEATURE_FRACTION_DIGITS));
    // In range by construction: |w| · 2^52 < 2^62, |x| · 2^24 < 2^31.
    #[allow(clippy::cast_possible_truncation)]
    let fixed = |value: f64, scale: f64| (value * scale).round() as i64;
    #[allow(clippy::cast_possible_truncation)]
    let intercept_scaled = (intercept * weight_scale * feature_scale).round() as i128;
    ModelInputs {
        weights: float_weights
            .iter()
            .map(|w| fixed(*w, weight_scale))
            .collect(),
        features: float_features
            .iter()
            .map(|x| fixed(*x, feature_scale))
            .collect(),
        float_weights,
        intercept,
        float_features,
        intercept_scaled,
    }
}

/// Criterion settings for operations of milliseconds or less: criterion's fewest samples (the
/// medians of these operations are stable), short enough that a run at three sizes takes minutes.
pub fn fast(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Auto)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
}

/// Criterion settings for operations of tens of milliseconds to seconds (key generation at 4096
/// bits): criterion's fewest samples, each of the same number of runs, one when that is all the
/// time allows.
pub fn slow(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_secs(3));
}

/// [`slow`], with `HECATE_BENCH_KEYGEN_SAMPLES` samples when set: a key generation's time
/// follows its random prime search, so its median needs more samples than 10, and every
/// implementation the same number.
///
/// # Panics
/// On a value that is not a sample count criterion takes (10 or more).
pub fn keygen(group: &mut BenchmarkGroup<'_, WallTime>) {
    slow(group);
    if let Ok(value) = std::env::var("HECATE_BENCH_KEYGEN_SAMPLES") {
        let samples = value.trim().parse().ok().filter(|samples| *samples >= 10);
        group.sample_size(
            samples.unwrap_or_else(|| {
                panic!("HECATE_BENCH_KEYGEN_SAMPLES: {value:?} is not 10 or more")
            }),
        );
    }
}
