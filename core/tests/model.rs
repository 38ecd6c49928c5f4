//! Linear models and encrypted prediction: decrypt(predict(encrypt(x))) against the f64 model.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    reason = "tests panic to fail"
)]

mod common;

use std::sync::LazyLock;

use hecate::{
    EncodedNumber, Error, InsecureTest1024, KeySize, MAX_FEATURES, Model, Paillier2048, PrivateKey,
};
use proptest::prelude::*;

static SMALL: LazyLock<PrivateKey<InsecureTest1024>> =
    LazyLock::new(|| PrivateKey::generate(&mut common::rng(4)).expect("keygen"));
static KEY_2048: LazyLock<PrivateKey<Paillier2048>> =
    LazyLock::new(|| PrivateKey::generate(&mut common::rng(5)).expect("keygen"));

/// The customer's side and the company's side of one prediction; returns the decrypted value.
fn private_prediction<S: KeySize>(
    key: &PrivateKey<S>,
    model: &Model,
    features: &[f64],
    seed: u64,
) -> Result<f64, Error> {
    let mut rng = common::rng(seed);
    let public = key.public_key();
    let query = public.encrypt_features(features, None, &mut rng)?;
    let answer = model.predict(public, &query, &mut rng)?;
    key.decrypt_number(&answer)?.decode(public)
}

/// Σ|w_i x_i| + |b|: the scale the error bound is relative to.
fn scale(weights: &[f64], intercept: f64, features: &[f64]) -> f64 {
    weights
        .iter()
        .zip(features)
        .map(|(w, x)| (w * x).abs())
        .sum::<f64>()
        + intercept.abs()
}

fn plain(weights: &[f64], intercept: f64, features: &[f64]) -> f64 {
    weights
        .iter()
        .zip(features)
        .map(|(w, x)| w * x)
        .sum::<f64>()
        + intercept
}

/// The salary story of the original demo, with ordinary least squares fitted offline (numpy
/// `lstsq`) on its 999-row employee dataset.
const SALARY_FEATURES: [&str; 4] = ["age", "healthy_eating", "active_lifestyle", "gender"];
const SALARY_WEIGHTS: [f64; 4] = [
    -0.5908373045603363,
    466.4193390016503,
    -184.4997169283368,
    2.3366410432597444,
];
const SALARY_INTERCEPT: f64 = 993.1199016166971;

#[test]
fn the_salary_story() {
    let (model, quantization) = Model::from_f64(
        "salary",
        &SALARY_FEATURES,
        &SALARY_WEIGHTS,
        SALARY_INTERCEPT,
        &mut common::rng(1),
    )
    .expect("model");
    assert_eq!(
        quantization.max_absolute_error, 0.0,
        "these weights are kept exactly"
    );
    let customer = [36.0, 5.0, 5.0, 1.0];
    let salary = private_prediction(&*KEY_2048, &model, &customer, 2).expect("prediction");
    // numpy's prediction for this customer.
    assert!((salary - 2383.7845100623526).abs() < 1e-9, "{salary}");
    let bound = 6.0 * f64::EPSILON * scale(&SALARY_WEIGHTS, SALARY_INTERCEPT, &customer);
    assert!((salary - plain(&SALARY_WEIGHTS, SALARY_INTERCEPT, &customer)).abs() <= bound);
}

#[test]
fn answers_are_rerandomized() {
    let (model, _) =
        Model::from_f64("y", &["a", "b"], &[3.0, -2.0], 1.0, &mut common::rng(3)).expect("model");
    let public = SMALL.public_key();
    let mut rng = common::rng(4);
    let query = public
        .encrypt_features(&[5.0, 7.0], None, &mut rng)
        .expect("query");
    let first = model.predict(public, &query, &mut rng).expect("answer");
    let second = model.predict(public, &query, &mut rng).expect("answer");
    assert_ne!(first.ciphertext, second.ciphertext);
    for answer in [first, second] {
        let value = SMALL
            .decrypt_number(&answer)
            .expect("valid")
            .decode(public)
            .expect("decodes");
        assert_eq!(value, 2.0);
    }
}

#[test]
fn the_query_must_fit_the_model() {
    let (model, _) =
        Model::from_f64("y", &["a", "b"], &[3.0, -2.0], 1.0, &mut common::rng(3)).expect("model");
    let public = SMALL.public_key();
    let mut rng = common::rng(4);
    let query = public
        .encrypt_features(&[5.0], None, &mut rng)
        .expect("query");
    assert_eq!(
        model.predict(public, &query, &mut rng),
        Err(Error::FeatureCountMismatch {
            expected: 2,
            actual: 1
        })
    );
}

#[test]
fn overflow_is_detected_not_wrapped() {
    let public = SMALL.public_key();
    let mut rng = common::rng(6);
    // Huge weights times huge features: the exponents carry the magnitude, the mantissas stay
    // small, and the exact result is too large for an f64: decoding says so.
    let huge = 2f64.powi(900);
    let (model, _) =
        Model::from_f64("y", &["a", "b"], &[huge, -huge], 0.0, &mut rng).expect("model");
    let query = public
        .encrypt_features(&[huge, 3.0 * huge], None, &mut rng)
        .expect("query");
    let answer = model
        .predict(public, &query, &mut rng)
        .expect("fits the plaintext space");
    let number = SMALL.decrypt_number(&answer).expect("valid");
    assert_eq!(number.decode(public), Err(Error::OutOfF64Range));
    // The exact value is −2 · 2^1800 = −2^1801.
    let exact = number.decode_exact(public).expect("exact value");
    assert!(exact.negative);
    let magnitude = common::big(&exact.magnitude);
    assert_eq!(
        magnitude.trailing_zeros(),
        Some(magnitude.bits() - 1),
        "a power of two"
    );
    assert_eq!(
        magnitude.bits() - 1 + 4 * u64::try_from(exact.exponent).expect("positive"),
        1801
    );

    // Features 10^400 apart: aligning them would push a weight past 256 bits. Refused.
    let (model, _) = Model::from_f64("y", &["a", "b"], &[1.0, 1.0], 0.0, &mut rng).expect("model");
    let query = public
        .encrypt_features(&[1e-200, 1e200], None, &mut rng)
        .expect("query");
    assert_eq!(
        model.predict(public, &query, &mut rng),
        Err(Error::Overflow)
    );

    // A huge intercept at the fine exponent of tiny features exceeds max_int of a 1024-bit key.
    let (model, _) = Model::from_f64("y", &["a"], &[1.0], 1e300, &mut rng).expect("model");
    let query = public
        .encrypt_features(&[1e-100], None, &mut rng)
        .expect("query");
    assert_eq!(
        model.predict(public, &query, &mut rng),
        Err(Error::Overflow)
    );

    // Weights with 192-bit mantissas times features near 2^64 overflow a 1024-bit key only
    // through the bound: 64 weights · 2^192 · 2^64 < 2^1022, so this one fits...
    let weights = [1e20, 1e-20];
    let (model, quantization) =
        Model::from_f64("y", &["a", "b"], &weights, 0.0, &mut rng).expect("model");
    assert_eq!(quantization.max_absolute_error, 0.0);
    let query = public
        .encrypt_features(&[1.0, 2f64.powi(62)], Some(0), &mut rng)
        .expect("query");
    let answer = model.predict(public, &query, &mut rng).expect("fits");
    let value = SMALL
        .decrypt_number(&answer)
        .expect("valid")
        .decode(public)
        .expect("decodes");
    assert!((value - (1e20 + 1e-20 * 2f64.powi(62))).abs() <= 1e20 * 4.0 * f64::EPSILON);

    // A feature whose mantissa needs 64 bits or more at its exponent is refused by the customer.
    assert_eq!(
        public.encrypt_features(&[2f64.powi(70)], Some(0), &mut rng),
        Err(Error::FeatureTooLarge)
    );
}

#[test]
fn feature_exponents_are_aligned() {
    let (model, _) = Model::from_f64(
        "y",
        &["a", "b", "c"],
        &[0.25, -3.5, 1e-3],
        -7.25,
        &mut common::rng(7),
    )
    .expect("model");
    let public = SMALL.public_key();
    let mut rng = common::rng(8);
    let values = [1e-6, 12345.0, -3.0];
    // Mixed exponents: one exact per value, a fixed one, and an integer at exponent 0.
    let mut query = public
        .encrypt_features(&values, None, &mut rng)
        .expect("query");
    query[2] = public
        .encrypt_number(&EncodedNumber::from_i64(public, -3), &mut rng)
        .expect("encrypt number");
    let answer = model.predict(public, &query, &mut rng).expect("answer");
    let value = SMALL
        .decrypt_number(&answer)
        .expect("valid")
        .decode(public)
        .expect("decodes");
    let expected = model.evaluate(&values).expect("evaluates");
    assert!(
        (value - expected).abs() <= 1e-12 * scale(&[0.25, -3.5, 1e-3], -7.25, &values),
        "{value} vs {expected}"
    );
}

#[test]
fn quantization_is_reported() {
    // 1e40 and 1e-40 are 2^265 apart: the small weight is rounded to the shared exponent.
    let weights = [1e40, 1e-40, -3.0];
    let (model, quantization) =
        Model::from_f64("y", &["a", "b", "c"], &weights, 0.0, &mut common::rng(9)).expect("model");
    assert!(quantization.max_absolute_error > 0.0);
    let half_step = 16f64.powi(quantization.weight_exponent) / 2.0;
    assert!(quantization.max_absolute_error <= half_step);
    for (quantized, original) in model.weights_f64().zip(weights) {
        assert!((quantized - original).abs() <= half_step);
    }
    // The large weights keep at least 53 bits, so they are exact.
    let exact: Vec<f64> = model.weights_f64().collect();
    assert_eq!((exact[0], exact[2]), (1e40, -3.0));
}

#[test]
fn models_are_checked_and_secret() {
    let mut rng = common::rng(10);
    assert_eq!(
        Model::from_f64("y", &[], &[], 0.0, &mut rng).err(),
        Some(Error::NoFeatures)
    );
    assert_eq!(
        Model::from_f64("y", &["a", "a"], &[1.0, 2.0], 0.0, &mut rng).err(),
        Some(Error::DuplicateFeature)
    );
    assert_eq!(
        Model::from_f64("", &["a"], &[1.0], 0.0, &mut rng).err(),
        Some(Error::InvalidName)
    );
    assert_eq!(
        Model::from_f64("y", &["a\n"], &[1.0], 0.0, &mut rng).err(),
        Some(Error::InvalidName)
    );
    let long = "x".repeat(33);
    assert_eq!(
        Model::from_f64("y", &[&long], &[1.0], 0.0, &mut rng).err(),
        Some(Error::InvalidName)
    );
    assert_eq!(
        Model::from_f64("y", &["a"], &[f64::NAN], 0.0, &mut rng).err(),
        Some(Error::NotFinite)
    );
    assert_eq!(
        Model::from_f64("y", &["a", "b"], &[1.0], 0.0, &mut rng).err(),
        Some(Error::FeatureCountMismatch {
            expected: 2,
            actual: 1
        })
    );
    let many: Vec<String> = (0..=MAX_FEATURES).map(|i| format!("f{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    assert_eq!(
        Model::from_f64("y", &many, &vec![1.0; many.len()], 0.0, &mut rng).err(),
        Some(Error::TooManyFeatures)
    );

    let (model, _) = Model::from_f64("y", &["a"], &[123.456], 789.0, &mut rng).expect("model");
    let shown = format!("{model:?}");
    assert!(!shown.contains("123") && !shown.contains("789"), "{shown}");
    let (other, _) = Model::from_f64("y", &["a"], &[123.456], 789.0, &mut rng).expect("model");
    assert_ne!(
        model.id(),
        other.id(),
        "ids are random, not derived from the weights"
    );
    assert_ne!(model, other);
    assert_eq!(model, model.clone());
    let card = model.card(&[2048, 3072]).expect("card");
    assert_eq!(card.features(), model.features());
    assert_eq!(card.id(), model.id());
    assert_eq!(model.card(&[1000]).err(), Some(Error::InvalidKeySize));
}

fn model_strategy() -> impl Strategy<Value = (Vec<f64>, f64, Vec<f64>)> {
    (1usize..=32).prop_flat_map(|d| {
        let weight = prop_oneof![
            -1e6f64..1e6,
            -1.0f64..1.0,
            (-1000i64..1000).prop_map(|w| w as f64)
        ];
        let feature = prop_oneof![
            -1e4f64..1e4,
            (-100i64..100).prop_map(|x| x as f64),
            -1e-3f64..1e-3
        ];
        (
            proptest::collection::vec(weight, d),
            -1e5f64..1e5,
            proptest::collection::vec(feature, d),
        )
    })
}

fn check_model<S: KeySize>(
    key: &PrivateKey<S>,
    weights: &[f64],
    intercept: f64,
    features: &[f64],
    seed: u64,
) -> Result<(), TestCaseError> {
    let names: Vec<String> = (0..weights.len()).map(|i| format!("x{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let (model, quantization) =
        Model::from_f64("y", &names, weights, intercept, &mut common::rng(seed)).expect("model");
    prop_assert_eq!(quantization.max_absolute_error, 0.0);
    let value = private_prediction(key, &model, features, seed).expect("prediction");
    let expected = plain(weights, intercept, features);
    // The encrypted computation is exact; the bound covers f64 rounding in `plain` and in the final
    // decode: (d + 2) ulps of the scale.
    let bound = (weights.len() as f64 + 2.0) * f64::EPSILON * scale(weights, intercept, features);
    prop_assert!(
        (value - expected).abs() <= bound,
        "{} vs {} (bound {})",
        value,
        expected,
        bound
    );
    Ok(())
}

proptest! {
    #![proptest_config(common::config(48))]

    #[test]
    fn predictions_match_the_f64_model((weights, intercept, features) in model_strategy(), seed in any::<u64>()) {
        check_model(&*SMALL, &weights, intercept, &features, seed)?;
    }
}

proptest! {
    #![proptest_config(common::config(4))]

    #[test]
    fn predictions_match_the_f64_model_at_2048((weights, intercept, features) in model_strategy(), seed in any::<u64>()) {
        check_model(&*KEY_2048, &weights, intercept, &features, seed)?;
    }
}

/// Found by fuzz/ (`model`): a decoded model may hold a weight beyond f64 (here about −2^224 ·
/// 16^1776), and `evaluate` and `weights_f64` read it as about zero, so the model in the clear
/// predicted 3 where the encrypted prediction (rightly) decoded to out of f64 range. Out-of-range
/// weights and intercepts now read as ±infinity.
#[test]
fn weights_beyond_f64_read_as_infinite() {
    let mut message: Vec<u8> = (0..154)
        .step_by(2)
        .map(|i| u8::from_str_radix(&REGRESSION_MODEL[i..i + 2], 16).expect("hex"))
        .collect();
    // The fuzzer's input, whose checksum the target fixed.
    hecate::fuzzing::fix_checksum(&mut message);
    let model = Model::from_bytes(&message).expect("a valid model message");
    let weights: Vec<f64> = model.weights_f64().collect();
    assert_eq!(weights, [f64::NEG_INFINITY]);
    assert_eq!(model.intercept_f64(), 3.0);
    assert_eq!(model.evaluate(&[0.25]), Ok(f64::NEG_INFINITY));
    let error = private_prediction(&*SMALL, &model, &[0.25], 9);
    assert_eq!(error, Err(Error::OutOfF64Range));
}

/// One feature "x", weight exponent 1776, weight bytes ffffffff263e…, intercept 3·2^52 · 16^-13.
const REGRESSION_MODEL: &str = "4843544d013e2526d7ab5b988f82e0114e33c959dc0179010178e01b01ffffffff263e4354014d2526d7ab5b988f82e0114e33c959dc017901017800000030000000000000fffffff3b8d9be06";
