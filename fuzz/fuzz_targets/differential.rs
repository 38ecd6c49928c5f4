//! Differential fuzzing of the homomorphic properties at the 1024-bit test key (fixed primes,
//! randomness from a seeded RNG): a random sequence of encryptions (public-key, CRT, and both with
//! one chosen nonce, which must agree), additions, plaintext additions, negations, subtractions,
//! scalar multiplications (64- and 256-bit, negative included), dot products and re-randomizations
//! is run on ciphertexts and on integers mod n (num-bigint) side by side; every ciphertext must stay
//! in Z*_{n²} and decrypt to its integer. Then a linear model built from arbitrary f64 weights and
//! feature specs answers: features encrypted for its card (refused exactly when out of their
//! declared range, else each its mantissa at its exponent), a masked answer that is always given,
//! unmasked by `decrypt_answer` exactly as a num-bigint oracle does, equal to the unprotected
//! prediction and to the model in f64; and the unprotected prediction on features at any exponents
//! matches the model in f64, unless refused as a possible overflow.
#![no_main]

use std::sync::LazyLock;

use arbitrary::Arbitrary;
use hecate::crypto_bigint::{I64, I256, U1024};
use hecate::{Ciphertext, EncodedNumber, FeatureSpec, InsecureTest1024, Model, Plaintext, Query};
use hecate_fuzz::{
    KEY_1024, PROOF_1024, big, in_declared_range, in_z_star_n2, mantissa_at, rng, signed_mod, uint,
};
use libfuzzer_sys::fuzz_target;
use num_bigint::{BigInt, BigUint};

type S = InsecureTest1024;

static N: LazyLock<BigUint> = LazyLock::new(|| big(KEY_1024.public_key().n()));

#[derive(Arbitrary, Debug)]
enum Value {
    Small(i64),
    /// Any integer, reduced mod n.
    Big(Vec<u8>),
}

impl Value {
    fn reduce(&self) -> BigUint {
        match self {
            Self::Small(v) => signed_mod(&BigInt::from(*v), &N),
            Self::Big(bytes) => BigUint::from_bytes_be(bytes) % &*N,
        }
    }

    fn plaintext(&self) -> (Plaintext<S>, BigUint) {
        let m = self.reduce();
        let value = uint::<U1024>(&m).expect("below n");
        let plaintext = KEY_1024.public_key().plaintext(value).expect("below n");
        (plaintext, m)
    }
}

#[derive(Arbitrary, Debug)]
enum Op {
    Encrypt(Value),
    EncryptCrt(Value),
    /// Public-key and CRT encryption with the same nonce (reduced mod n, made invertible).
    EncryptWithNonce(Value, Vec<u8>),
    Add(u8, u8),
    AddPlaintext(u8, Value),
    Neg(u8),
    Sub(u8, u8),
    MulScalar(u8, i64),
    MulScalarWide(u8, [u64; 4]),
    Dot(Vec<(u8, i64)>),
    Rerandomize(u8),
    RerandomizeCrt(u8),
}

#[derive(Arbitrary, Debug)]
struct Feature {
    weight: f64,
    value: f64,
    /// The card's exponent for the feature and its declared mantissas (in either order).
    exponent: i8,
    bounds: (i64, i64),
}

#[derive(Arbitrary, Debug)]
struct Prediction {
    features: Vec<Feature>,
    intercept: f64,
    /// For the unprotected prediction: all features at one exponent, or each at python-paillier's.
    exponent: Option<i8>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    seed: u64,
    ops: Vec<Op>,
    prediction: Option<Prediction>,
}

/// The signed value of a two's-complement 256-bit integer.
fn signed_256(words: &[u64; 4]) -> BigInt {
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    BigInt::from_signed_bytes_le(&bytes)
}

/// The decrypted value compared with the model in f64 on the features as encrypted.
fn check_value(model: &Model, encoded: &[f64], decoded: hecate::Result<f64>, exponent: i32) {
    let clear = model.evaluate(encoded).expect("count matches");
    match decoded {
        Ok(value) => {
            let scale: f64 = model
                .weights_f64()
                .zip(encoded)
                .map(|(w, x)| (w * x).abs())
                .sum::<f64>()
                + model.intercept_f64().abs();
            // The clear sums round in f64; the answer rounds the intercept to its exponent.
            // And subnormal results round differently in f64 and in the exact decoding.
            let tolerance = 1e-9 * scale + 16f64.powi(exponent) + 1e-300;
            assert!(
                !clear.is_finite() || (value - clear).abs() <= tolerance,
                "encrypted {value} vs clear {clear}, tolerance {tolerance}"
            );
        }
        Err(hecate::Error::OutOfF64Range) => {
            assert!(!clear.is_finite() || clear.abs() > 1e300);
        }
        Err(error) => panic!("the answer does not decrypt: {error}"),
    }
}

fn check_prediction(p: &Prediction, seed: u64) {
    let d = p.features.len();
    if d == 0 || d > 8 {
        return;
    }
    let weights: Vec<f64> = p.features.iter().map(|f| f.weight).collect();
    let values: Vec<f64> = p.features.iter().map(|f| f.value).collect();
    let mut specs = Vec::new();
    for feature in &p.features {
        let (a, b) = feature.bounds;
        match FeatureSpec::new(feature.exponent.into(), a.min(b), a.max(b)) {
            Ok(spec) => specs.push(spec),
            Err(error) => {
                assert_eq!(a.min(b), i64::MIN, "a valid range is refused: {error}");
                return;
            }
        }
    }
    let names: Vec<String> = (0..d).map(|i| format!("x{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let finite = weights.iter().all(|x| x.is_finite()) && p.intercept.is_finite();
    let built = Model::from_f64("y", &names, &specs, &weights, p.intercept, &mut rng(seed));
    let (model, quantization) = match built {
        Ok(built) => built,
        // The ranges and exponents may give no mask (public: the card could not be made).
        Err(hecate::Error::InvalidEncoding) if finite => return,
        Err(error) => {
            assert!(!finite, "a model of finite weights is refused: {error}");
            return;
        }
    };
    for (w, q) in weights.iter().zip(model.weights_f64()) {
        assert!(
            (w - q).abs() <= quantization.max_absolute_error,
            "weight {w} became {q}"
        );
    }
    assert_eq!(
        model.intercept_f64(),
        p.intercept,
        "the intercept is not exact"
    );
    check_protected(&model, &specs, &values, seed);
    check_unprotected(&model, &values, p.exponent, seed);
}

/// The masked answer: features encrypted for the card (refused exactly when out of their declared
/// range), the key's proof, the company's answer, the customer's unmasking.
fn check_protected(model: &Model, specs: &[FeatureSpec], values: &[f64], seed: u64) {
    let key = &*KEY_1024;
    let public = key.public_key();
    let Ok(card) = model.card(&[1024]) else {
        // The mask does not fit a 1024-bit key; a 4096-bit one always takes it.
        let card = model.card(&[4096]).expect("any encoding fits 4096 bits");
        assert!(card.mask_bits() > 1022);
        return;
    };
    assert_eq!(card.specs(), specs);
    let first_out = values
        .iter()
        .zip(specs)
        .position(|(x, spec)| !in_declared_range(*x, spec));
    let features = match public.encrypt_for_card(&card, values, &mut rng(seed ^ 3)) {
        Ok(features) => {
            assert_eq!(first_out, None, "encrypted a value out of its range");
            features
        }
        Err(hecate::Error::ValueOutOfRange { feature }) => {
            assert_eq!(
                first_out.and_then(|i| u32::try_from(i).ok()),
                Some(feature),
                "refused the wrong value"
            );
            return;
        }
        Err(error) => panic!("features do not encrypt for the card: {error}"),
    };
    // What was encrypted is each value's mantissa at its exponent.
    let mut encoded = Vec::new();
    for ((feature, spec), x) in features.iter().zip(specs).zip(values) {
        assert_eq!(feature.exponent, spec.exponent());
        let number = key.decrypt_number(feature).expect("a feature decrypts");
        let exact = number.decode_exact(public).expect("exact");
        let magnitude = BigInt::from(big(&exact.magnitude));
        let mantissa = if exact.negative {
            -magnitude
        } else {
            magnitude
        };
        assert_eq!(exact.exponent, spec.exponent());
        assert_eq!(
            Some(mantissa),
            mantissa_at(*x, spec.exponent()).map(BigInt::from),
            "{x} encoded at 16^{}",
            spec.exponent()
        );
        encoded.push(
            number
                .decode(public)
                .expect("a mantissa below 2^63 at 16^±128 decodes"),
        );
    }
    let query = Query {
        key: public.clone(),
        proof: Some(PROOF_1024.clone()),
        model: Some(card.id()),
        names: card.features().iter().cloned().collect(),
        features,
    };
    let answer = model
        .answer_with_verified_key(&query, &mut rng(seed ^ 4))
        .expect("an in-range query is always answered");
    assert_eq!(answer.mask_bits, card.mask_bits());
    assert_eq!(answer.value.exponent, card.answer_exponent());
    assert_eq!(answer.fingerprint, public.fingerprint());
    assert!(in_z_star_n2(&big(answer.value.ciphertext.value()), &N));
    // The oracle of the unmasking: t = v + M/2 + ρ·M, so v = (t mod M) − M/2.
    let t = big(key
        .decrypt(&answer.value.ciphertext)
        .expect("decrypts")
        .value());
    let m = BigUint::from(1u8) << answer.mask_bits;
    let half = &m >> 1u8;
    let v = BigInt::from(&t % &m) - BigInt::from(half);
    let number = key.decrypt_answer(&answer).expect("unmasks");
    let exact = number.decode_exact(public).expect("exact");
    let magnitude = BigInt::from(big(&exact.magnitude));
    assert_eq!(
        if exact.negative {
            -magnitude
        } else {
            magnitude
        },
        v
    );
    assert_eq!(exact.exponent, answer.value.exponent);
    // And the unprotected prediction on the same ciphertexts is the same number, unmasked.
    match model.predict_unprotected(public, &query.features, &mut rng(seed ^ 5)) {
        Ok(unmasked) => {
            assert_eq!(unmasked.exponent, answer.value.exponent);
            assert_eq!(key.decrypt_number(&unmasked).expect("decrypts"), number);
        }
        Err(hecate::Error::Overflow) => {}
        Err(error) => panic!("predict_unprotected failed: {error}"),
    }
    check_value(
        model,
        &encoded,
        number.decode(public),
        answer.value.exponent,
    );
}

/// The unprotected prediction: features at one exponent or python-paillier's, any answer exponent
/// at most the card's.
fn check_unprotected(model: &Model, values: &[f64], exponent: Option<i8>, seed: u64) {
    let key = &*KEY_1024;
    let public = key.public_key();
    let features = match exponent {
        Some(exponent) => public.encrypt_features(values, exponent.into(), &mut rng(seed ^ 1)),
        None => values
            .iter()
            .map(|x| {
                let number = EncodedNumber::from_f64(public, *x)?;
                public.encrypt_number(&number, &mut rng(seed ^ 1))
            })
            .collect(),
    };
    let features = match features {
        Ok(features) => features,
        Err(hecate::Error::FeatureTooLarge | hecate::Error::Overflow) => return,
        Err(hecate::Error::NotFinite) if values.iter().any(|v| !v.is_finite()) => return,
        Err(error) => panic!("features do not encrypt: {error}"),
    };
    let answer = match model.predict_unprotected(public, &features, &mut rng(seed ^ 2)) {
        Ok(answer) => answer,
        Err(hecate::Error::Overflow | hecate::Error::ExponentOutOfRange) => return,
        Err(error) => panic!("predict_unprotected failed: {error}"),
    };
    assert!(in_z_star_n2(&big(answer.ciphertext.value()), &N));
    // The features as encrypted (rounded to a fixed exponent, if one was chosen).
    let encoded: Vec<f64> = features
        .iter()
        .map(|f| hecate_fuzz::decrypt_decode(key, f).expect("a feature decrypts"))
        .collect();
    check_value(
        model,
        &encoded,
        hecate_fuzz::decrypt_decode(key, &answer),
        answer.exponent,
    );
}

fuzz_target!(|input: Input| {
    let key = &*KEY_1024;
    let public = key.public_key();
    let n = &*N;
    let mut random = rng(input.seed);
    let mut state: Vec<(Ciphertext<S>, BigUint)> = Vec::new();
    for op in input.ops.iter().take(24) {
        let pick = |i: &u8| state.get(usize::from(*i) % state.len().max(1)).cloned();
        let next = match op {
            Op::Encrypt(v) => {
                let (m, expected) = v.plaintext();
                Some((public.encrypt(&m, &mut random).expect("encrypts"), expected))
            }
            Op::EncryptCrt(v) => {
                let (m, expected) = v.plaintext();
                Some((key.encrypt(&m, &mut random).expect("encrypts"), expected))
            }
            Op::EncryptWithNonce(v, r) => {
                let (m, expected) = v.plaintext();
                let r = BigUint::from_bytes_be(r) % n;
                let r = uint::<U1024>(&r).expect("below n");
                let a = hecate::hazmat::encrypt_with_nonce(public, &m, &r);
                let b = hecate::hazmat::encrypt_crt_with_nonce(key, &m, &r);
                match (a, b) {
                    (Ok(a), Ok(b)) => {
                        assert_eq!(a, b, "public-key and CRT encryption disagree");
                        Some((a, expected))
                    }
                    (Err(_), Err(_)) => None,
                    (a, b) => panic!("one encryption refused the nonce: {a:?} {b:?}"),
                }
            }
            Op::Add(i, j) => pick(i)
                .zip(pick(j))
                .map(|((a, x), (b, y))| (public.add(&a, &b).expect("adds"), (x + y) % n)),
            Op::AddPlaintext(i, v) => pick(i).map(|(a, x)| {
                let (m, y) = v.plaintext();
                (public.add_plaintext(&a, &m).expect("adds"), (x + y) % n)
            }),
            Op::Neg(i) => pick(i).map(|(a, x)| (public.neg(&a).expect("negates"), (n - x) % n)),
            Op::Sub(i, j) => pick(i)
                .zip(pick(j))
                .map(|((a, x), (b, y))| (public.sub(&a, &b).expect("subtracts"), (x + n - y) % n)),
            Op::MulScalar(i, k) => pick(i).map(|(a, x)| {
                let c = public
                    .mul_scalar(&a, &I64::from_i64(*k))
                    .expect("multiplies");
                (c, signed_mod(&(BigInt::from(x) * k), n))
            }),
            Op::MulScalarWide(i, words) => pick(i).map(|(a, x)| {
                let c = public
                    .mul_scalar(&a, &I256::from_words(*words))
                    .expect("multiplies");
                (c, signed_mod(&(BigInt::from(x) * signed_256(words)), n))
            }),
            Op::Dot(terms) if !state.is_empty() => {
                let mut sum: Option<Ciphertext<S>> = None;
                let mut expected = BigInt::default();
                for (i, k) in terms.iter().take(8) {
                    let (a, x) = pick(i).expect("state is not empty");
                    let term = public
                        .mul_scalar(&a, &I64::from_i64(*k))
                        .expect("multiplies");
                    sum = Some(match sum {
                        Some(s) => public.add(&s, &term).expect("adds"),
                        None => term,
                    });
                    expected += BigInt::from(x) * k;
                }
                sum.map(|c| (c, signed_mod(&expected, n)))
            }
            Op::Dot(_) => None,
            Op::Rerandomize(i) => pick(i).map(|(a, x)| {
                let c = public.rerandomize(&a, &mut random).expect("re-randomizes");
                assert_ne!(c, a, "re-randomization kept the ciphertext");
                (c, x)
            }),
            Op::RerandomizeCrt(i) => pick(i).map(|(a, x)| {
                let c = key.rerandomize(&a, &mut random).expect("re-randomizes");
                assert_ne!(c, a, "re-randomization kept the ciphertext");
                (c, x)
            }),
        };
        if let Some((c, expected)) = next {
            assert!(
                in_z_star_n2(&big(c.value()), n),
                "left Z*_(n^2) after {op:?}"
            );
            let decrypted = key.decrypt(&c).expect("decrypts");
            assert_eq!(big(decrypted.value()), expected, "after {op:?}");
            state.push((c, expected));
        }
    }
    // A whole-state check: the sum of everything, decrypted once more as an encoded integer.
    if let Some(((first, x), rest)) = state.split_first().map(|(a, rest)| (a.clone(), rest)) {
        let mut total = first;
        let mut expected = x;
        for (c, y) in rest {
            total = public.add(&total, c).expect("adds");
            expected = (expected + y) % n;
        }
        let plaintext = key.decrypt(&total).expect("decrypts");
        assert_eq!(big(plaintext.value()), expected);
        let number = EncodedNumber::from_parts(plaintext, 0).expect("exponent 0");
        // Decoding is total: a value or a typed error.
        let _ = number.decode(public);
    }
    if let Some(prediction) = &input.prediction {
        check_prediction(prediction, input.seed);
    }
});
