//! The threat model, attack by attack: each test is an attack that worked against an earlier
//! Hecate (issue 12), run against the defence that stops it.
//!
//! - The query's exponents revealed the values (python-paillier's per-value exponent).
//! - One crafted query returned the whole model (features packed 128 bits apart).
//! - A crafted key returned the whole model (gcd(n, φ(n)) ≠ 1: rⁿ hides nothing there).
//! - Refusals were an oracle on the weights (an overflow check computed from them).

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "tests panic to fail"
)]

mod common;

use common::{big, rng, uint};
use hecate::crypto_bigint::U1024;
use hecate::{
    Answer, EncryptedNumber, Error, FeatureSpec, InsecureTest1024, KeySize, Model, ModelCard,
    Names, Paillier2048, PrivateKey, PublicKey, Query,
};
use num_bigint::BigUint;
use num_traits::One;
use proptest::prelude::*;
use std::sync::LazyLock;

type T = InsecureTest1024;

const NAMES: [&str; 4] = ["age", "healthy_eating", "active_lifestyle", "gender"];
/// The sample model's coefficients, as `hecate train` fits them.
const WEIGHTS: [f64; 4] = [-0.594_736, 466.417_208, -184.497_318, 2.339_844];
const INTERCEPT: f64 = 993.119_902;

/// The sample card's encoding: age 18 to 100, scales 0 to 10, gender 0 or 1.
fn specs() -> [FeatureSpec; 4] {
    [
        FeatureSpec::from_range(-2, 18.0, 100.0).expect("spec"),
        FeatureSpec::from_range(-3, 0.0, 10.0).expect("spec"),
        FeatureSpec::from_range(-3, 0.0, 10.0).expect("spec"),
        FeatureSpec::from_range(-3, 0.0, 1.0).expect("spec"),
    ]
}

fn model_with(weights: &[f64], intercept: f64, seed: u64) -> Model {
    Model::from_f64(
        "salary",
        &NAMES,
        &specs(),
        weights,
        intercept,
        &mut rng(seed),
    )
    .expect("a model")
    .0
}

static MODEL: LazyLock<Model> = LazyLock::new(|| model_with(&WEIGHTS, INTERCEPT, 1));
static KEY: LazyLock<PrivateKey<T>> =
    LazyLock::new(|| PrivateKey::generate(&mut rng(2)).expect("a key"));

fn card() -> ModelCard {
    MODEL.card(&[1024, 2048]).expect("a card")
}

/// An honest customer's query for the sample card.
fn honest_query<S: KeySize>(key: &PrivateKey<S>, card: &ModelCard, values: &[f64]) -> Query<S> {
    let public = key.public_key();
    Query {
        key: public.clone(),
        proof: Some(key.prove_key().expect("proof")),
        model: Some(card.id()),
        names: Names::new(),
        features: public
            .encrypt_for_card(card, values, &mut rng(3))
            .expect("in range"),
    }
}

/// A cheating customer's query: any integers as mantissas, at the card's exponents, encrypted
/// without any range check (the company cannot tell).
fn crafted_query(key: &PrivateKey<T>, card: &ModelCard, mantissas: &[BigUint]) -> Query<T> {
    let public = key.public_key();
    let features = mantissas
        .iter()
        .zip(card.specs())
        .map(|(m, spec)| EncryptedNumber {
            ciphertext: public
                .encrypt(
                    &public.plaintext(uint::<U1024>(m)).expect("below n"),
                    &mut rng(4),
                )
                .expect("encrypts"),
            exponent: spec.exponent(),
        })
        .collect();
    Query {
        key: public.clone(),
        proof: Some(key.prove_key().expect("proof")),
        model: Some(card.id()),
        names: Names::new(),
        features,
    }
}

/// The raw plaintext of an answer, before unmasking: all a cheating customer gets.
fn raw_plaintext(key: &PrivateKey<T>, answer: &Answer<T>) -> BigUint {
    big(key
        .decrypt(&answer.value.ciphertext)
        .expect("decrypts")
        .value())
}

/// The weight mantissas and intercept of the sample model at the answer's exponent, aligned as
/// the company aligns them: what a packed query would read out.
fn aligned_secrets(card: &ModelCard) -> Vec<BigUint> {
    let lowest = card
        .specs()
        .iter()
        .map(FeatureSpec::exponent)
        .min()
        .expect("features");
    WEIGHTS
        .iter()
        .zip(card.specs())
        .map(|(w, spec)| {
            // w · 16^-weight_exponent, times 16^(e_i − lowest): exact, a power-of-two scaling.
            let shift = 4 * (spec.exponent() - lowest) - 4 * card.weight_exponent();
            BigUint::from((w.abs() * 2f64.powi(shift)) as u128)
        })
        .collect()
}

#[test]
fn query_exponents_do_not_depend_on_the_values() {
    let card = card();
    let key = &*KEY;
    // Gender 0 and 1 gave exponents −14 and −13; zeros and magnitudes were visible too.
    let exponents = |values: &[f64]| -> Vec<i32> {
        honest_query(key, &card, values)
            .features
            .iter()
            .map(|feature| feature.exponent)
            .collect()
    };
    let reference = exponents(&[36.0, 5.0, 5.0, 1.0]);
    for values in [
        [36.0, 5.0, 5.0, 0.0],
        [18.0, 0.0, 0.0, 0.0],
        [61.0, 10.0, 1.0, 1.0],
        [99.5, 3.5, 7.25, 0.0],
    ] {
        assert_eq!(exponents(&values), reference, "{values:?}");
    }
    let expected: Vec<i32> = card.specs().iter().map(FeatureSpec::exponent).collect();
    assert_eq!(reference, expected);

    // Without a card, every value is at one fixed exponent.
    let public = key.public_key();
    for values in [[0.0, 1.0], [15.0, 61.0], [-2.5, 1e9]] {
        let features = public
            .encrypt_features(&values, hecate::DEFAULT_FEATURE_EXPONENT, &mut rng(5))
            .expect("encrypts");
        assert!(
            features
                .iter()
                .all(|f| f.exponent == hecate::DEFAULT_FEATURE_EXPONENT)
        );
    }
}

#[test]
fn honest_customers_refuse_values_outside_the_declared_ranges() {
    let card = card();
    let public = KEY.public_key();
    for (values, feature) in [
        ([17.0, 5.0, 5.0, 1.0], 0),
        ([36.0, 10.5, 5.0, 1.0], 1),
        ([36.0, 5.0, -0.1, 1.0], 2),
        ([36.0, 5.0, 5.0, 2.0], 3),
        ([2f64.powi(63), 5.0, 5.0, 1.0], 0),
    ] {
        assert_eq!(
            public.encrypt_for_card(&card, &values, &mut rng(6)),
            Err(Error::ValueOutOfRange { feature }),
            "{values:?}"
        );
    }
}

#[test]
fn the_company_refuses_exponents_other_than_the_cards() {
    let card = card();
    let mut query = honest_query(&KEY, &card, &[36.0, 5.0, 5.0, 1.0]);
    query.features[2].exponent -= 1;
    assert_eq!(
        MODEL.answer(&query, &mut rng(7)).map(drop),
        Err(Error::ExponentMismatch { feature: 2 })
    );
}

#[test]
fn one_packed_query_no_longer_returns_the_model() {
    let card = card();
    let key = &*KEY;
    // x_i = 2^(128·(i+1)): the unmasked answer held every weight as its own 128-bit digit.
    let packed: Vec<BigUint> = (0..4).map(|i| BigUint::one() << (128 * (i + 1))).collect();
    let answer = MODEL
        .answer(&crafted_query(key, &card, &packed), &mut rng(8))
        .expect("the company cannot tell");
    let t = raw_plaintext(key, &answer);
    let digit_mask = (BigUint::one() << 128u32) - 1u32;
    for (i, secret) in aligned_secrets(&card).iter().enumerate() {
        let digit = (&t >> (128 * (i + 1))) & &digit_mask;
        let negated = (&digit_mask + 1u32 - &digit) & &digit_mask;
        assert!(
            digit != *secret && negated != *secret,
            "weight {i} readable from one answer"
        );
    }
    // All the answer carries about the model is t mod M: μ bits.
    assert!(answer.mask_bits == card.mask_bits() && card.mask_bits() < 200);

    // Inside the encoder's 2^64 bound (x = (0, 2^63, 0, 0)): refused by an honest customer, and
    // a cheater's answer, unmasked, is not the packed value w_1·2^63·16^… + b.
    assert!(
        key.public_key()
            .encrypt_for_card(&card, &[0.0, 2f64.powi(63), 0.0, 0.0], &mut rng(9))
            .is_err()
    );
    let inside = [0u32, 0, 0, 0].map(BigUint::from);
    let mut inside = inside.to_vec();
    inside[1] = BigUint::one() << 63u32;
    let answer = MODEL
        .answer(&crafted_query(key, &card, &inside), &mut rng(10))
        .expect("the company cannot tell");
    let unmasked = key.decrypt_answer(&answer).expect("decrypts");
    let exact = unmasked.decode_exact(key.public_key()).expect("in range");
    let w1 = &aligned_secrets(&card)[1];
    assert!(big(&exact.magnitude) < (BigUint::one() << card.mask_bits()));
    assert!(
        big(&exact.magnitude) < (w1 << 63u32),
        "the packed value came back"
    );
}

#[test]
fn every_answer_has_a_fresh_mask_and_the_same_residue() {
    let card = card();
    let key = &*KEY;
    let query = honest_query(key, &card, &[36.0, 5.0, 5.0, 1.0]);
    let modulus = BigUint::one() << card.mask_bits();
    let mut raws = Vec::new();
    for seed in 0..4 {
        let answer = MODEL.answer(&query, &mut rng(100 + seed)).expect("answers");
        raws.push(raw_plaintext(key, &answer));
    }
    for pair in raws.windows(2) {
        assert_ne!(pair[0], pair[1], "ρ was reused");
        assert_eq!(&pair[0] % &modulus, &pair[1] % &modulus);
    }
    // ρ spans [0, ⌊n/M⌋): the plaintext is far above M, not v + M/2 alone.
    assert!(
        raws.iter()
            .all(|t| t.bits() > u64::from(card.mask_bits()) + 64)
    );
}

#[test]
fn keys_without_a_valid_proof_are_refused() {
    let card = card();
    let mut query = honest_query(&KEY, &card, &[36.0, 5.0, 5.0, 1.0]);
    query.proof = None;
    assert_eq!(
        MODEL.answer(&query, &mut rng(11)).map(drop),
        Err(Error::MissingKeyProof)
    );
    assert_eq!(
        MODEL
            .answer_with_verified_key(&query, &mut rng(11))
            .map(drop),
        Err(Error::MissingKeyProof)
    );
    // A proof for another key.
    let other = PrivateKey::<T>::generate(&mut rng(12)).expect("a key");
    query.proof = Some(other.prove_key().expect("proof"));
    assert_eq!(
        MODEL.answer(&query, &mut rng(13)).map(drop),
        Err(Error::InvalidKeyProof)
    );
    // Through the wire too: the proof travels in the query, outside what the fingerprint hashes.
    let query = honest_query(&KEY, &card, &[36.0, 5.0, 5.0, 1.0]);
    let mut buffer = vec![0u8; hecate::MAX_MESSAGE_LEN];
    let len = query.to_bytes(&mut buffer).expect("encodes");
    let decoded = Query::<T>::from_bytes(&buffer[..len]).expect("decodes");
    assert_eq!(decoded, query);
    assert_eq!(decoded.key.fingerprint(), KEY.public_key().fingerprint());
    assert!(decoded.verify_key().is_ok());
}

/// An odd modulus of exactly 1024 bits with no known factorization: a key nobody can prove.
fn fake_key(seed: u64) -> PublicKey<T> {
    let mut bytes = [0u8; 128];
    use rand::Rng as _;
    rng(seed).fill_bytes(&mut bytes);
    bytes[0] |= 0x80;
    bytes[127] |= 1;
    PublicKey::from_n(uint(&BigUint::from_bytes_be(&bytes))).expect("odd, 1024 bits")
}

#[test]
fn refusals_do_not_depend_on_the_weights() {
    // Two models with the same card (exponents, ranges, weight and intercept lengths) and very
    // different weights: every query, however crafted, gets the same verdict from both.
    let a = model_with(&[5.0, -7.0, 3.0, 6.0], 100.0, 20);
    let b = model_with(&[-4.0, 6.0, 7.0, 1.0], -100.0, 21);
    let (card_a, card_b) = (
        a.card(&[1024]).expect("card"),
        b.card(&[1024]).expect("card"),
    );
    assert_eq!(card_a.specs(), card_b.specs());
    assert_eq!(
        (
            card_a.weight_bits(),
            card_a.intercept_bits(),
            card_a.mask_bits()
        ),
        (
            card_b.weight_bits(),
            card_b.intercept_bits(),
            card_b.mask_bits()
        )
    );
    let fake = fake_key(22);
    let two = fake.ciphertext(uint(&BigUint::from(2u32))).expect("a unit");
    for shift in [-40, -12, -3, 0, 1, 5, 40] {
        for exponents in [[shift, 0, 0, 0], [0, shift, -3, -3], [shift; 4]] {
            let features: Vec<EncryptedNumber<T>> = exponents
                .iter()
                .map(|&exponent| EncryptedNumber {
                    ciphertext: two,
                    exponent: exponent + card_a.specs()[0].exponent(),
                })
                .collect();
            // The unprotected path: fake keys, chosen exponents, no proof.
            let verdict = |model: &Model| {
                model
                    .predict_unprotected(&fake, &features, &mut rng(23))
                    .map(drop)
            };
            assert_eq!(verdict(&a), verdict(&b), "{exponents:?}");
            // The protected path refuses a fake key before anything else, whatever the weights.
            let query = Query {
                key: fake.clone(),
                proof: None,
                model: None,
                names: Names::new(),
                features: features.iter().copied().collect(),
            };
            let verdict = |model: &Model| model.answer(&query, &mut rng(24)).map(drop);
            assert_eq!(verdict(&a), Err(Error::MissingKeyProof));
            assert_eq!(verdict(&b), Err(Error::MissingKeyProof));
        }
    }
}

fn evaluate(values: &[f64]) -> f64 {
    MODEL.evaluate(values).expect("evaluates")
}

proptest! {
    #![proptest_config(common::config(24))]

    /// Honest values anywhere in their declared ranges decrypt to the model's prediction once
    /// unmasked, negative predictions included.
    #[test]
    fn masked_answers_decrypt_to_the_prediction(
        age in 18.0f64..=100.0,
        healthy in 0.0f64..=10.0,
        active in 0.0f64..=10.0,
        gender in 0u8..=1,
        intercept in -5000.0f64..5000.0,
    ) {
        let model = model_with(&WEIGHTS, intercept, 30);
        let card = model.card(&[1024]).expect("card");
        let values = [age, healthy, active, f64::from(gender)];
        let query = honest_query(&KEY, &card, &values);
        let answer = model.answer(&query, &mut rng(31)).expect("answers");
        let value = KEY
            .decrypt_answer(&answer)
            .expect("decrypts")
            .decode(KEY.public_key())
            .expect("decodes");
        // Values are rounded to their exponents (16^-2 and 16^-3) before encryption.
        let rounded: Vec<f64> = values
            .iter()
            .zip(card.specs())
            .map(|(x, spec)| {
                let step = 2f64.powi(4 * spec.exponent());
                (x / step).round_ties_even() * step
            })
            .collect();
        let expected = model.evaluate(&rounded).expect("evaluates");
        prop_assert!((value - expected).abs() <= 1e-6 * expected.abs().max(1.0),
            "{value} vs {expected}");
    }
}

#[test]
fn masked_answers_decrypt_at_2048_bits() {
    let key = PrivateKey::<Paillier2048>::generate(&mut rng(40)).expect("a key");
    let card = MODEL.card(&[2048]).expect("card");
    for values in [
        [36.0, 5.0, 5.0, 1.0],
        [100.0, 0.0, 10.0, 0.0],
        [18.0, 10.0, 0.0, 1.0],
    ] {
        let query = honest_query(&key, &card, &values);
        let answer = MODEL.answer(&query, &mut rng(41)).expect("answers");
        let value = key
            .decrypt_answer(&answer)
            .expect("decrypts")
            .decode(key.public_key())
            .expect("decodes");
        let expected = evaluate(&values);
        assert!(
            (value - expected).abs() <= 1e-6 * expected.abs(),
            "{value} vs {expected}"
        );
    }
    // A negative prediction: the model's intercept far below zero.
    let negative = model_with(&WEIGHTS, -1e6, 42);
    let card = negative.card(&[2048]).expect("card");
    let query = honest_query(&key, &card, &[36.0, 5.0, 5.0, 1.0]);
    let answer = negative.answer(&query, &mut rng(43)).expect("answers");
    let value = key
        .decrypt_answer(&answer)
        .expect("decrypts")
        .decode(key.public_key())
        .expect("decodes");
    let expected = negative
        .evaluate(&[36.0, 5.0, 5.0, 1.0])
        .expect("evaluates");
    assert!(expected < 0.0 && (value - expected).abs() <= 1e-6 * expected.abs());
}

/// python-paillier customers encode integers at exponent 0 and floats at about −13: the
/// unprotected path answers both, exactly, at the exponents they chose.
#[test]
fn unprotected_predictions_take_python_pailliers_own_exponents() {
    let public = KEY.public_key();
    for exponent in [0, -13, -14, 2] {
        let values = [36.0, 5.0, 5.0, 1.0];
        let features = public
            .encrypt_features(&values, exponent, &mut rng(50))
            .expect("encrypts");
        let answer = MODEL
            .predict_unprotected(public, &features, &mut rng(51))
            .expect("answers");
        assert_eq!(answer.exponent, MODEL.weight_exponent() + exponent);
        let value = KEY
            .decrypt_number(&answer)
            .expect("decrypts")
            .decode(public)
            .expect("decodes");
        let rounded: Vec<f64> = values
            .iter()
            .map(|x| {
                let step = 2f64.powi(4 * exponent);
                (x / step).round_ties_even() * step
            })
            .collect();
        let expected = evaluate(&rounded);
        assert!(
            (value - expected).abs() <= 1e-6 * expected.abs() + 2f64.powi(4 * exponent),
            "exponent {exponent}: {value} vs {expected}"
        );
    }
}

/// An answer built by hand (its fields are public) with a mask that leaves no room below n is
/// refused, never unmasked to some number.
#[test]
fn answers_with_impossible_masks_are_refused() {
    let card = card();
    let query = honest_query(&KEY, &card, &[36.0, 5.0, 5.0, 1.0]);
    let mut answer = MODEL.answer(&query, &mut rng(60)).expect("answers");
    for mask_bits in [0, T::BITS - 1, T::BITS, T::BITS + 6, u32::MAX] {
        answer.mask_bits = mask_bits;
        assert_eq!(
            KEY.decrypt_answer(&answer).map(drop),
            Err(Error::Malformed),
            "{mask_bits}"
        );
    }
}
